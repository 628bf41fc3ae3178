"""The report's tables: a per-day cache of Cost Explorer answers, and the savings ledger.

`ce_cache` keeps each Cost Explorer answer for the UTC day it was fetched (Cost Explorer charges
per request and refreshes its data a few times a day: a second report the same day costs
nothing). `savings_ledger` is append-only like the audit table (SQLite triggers refuse UPDATE
and DELETE): realised savings are a history, never rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database, Migrations

from bot.storage.migrations import register

if TYPE_CHECKING:
    from bot.storage.store import Store

report_migrations = register(Migrations("sm-cost-bot-report"))


@report_migrations()
def m001_report(db: Database) -> None:
    db.execute(
        "CREATE TABLE ce_cache ("
        " day TEXT NOT NULL,"
        " query TEXT NOT NULL,"
        " payload TEXT NOT NULL,"
        " calls INTEGER NOT NULL,"
        " fetched_at TEXT NOT NULL,"
        " PRIMARY KEY (day, query))"
    )
    db.execute(
        "CREATE TABLE savings_ledger ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " at TEXT NOT NULL,"
        " event TEXT NOT NULL,"  # 'accrue' starts a period of avoided cost, 'end' closes it
        " resource_key TEXT NOT NULL,"
        " action TEXT,"
        " request_id INTEGER,"
        " hourly_usd REAL,"  # avoided cost per hour while accruing; NULL: price unknown
        " owner TEXT,"
        " source TEXT NOT NULL,"  # action | scan | check
        " detail TEXT)"
    )
    db.execute("CREATE INDEX idx_savings_ledger_key ON savings_ledger (resource_key)")
    db.execute(
        "CREATE TRIGGER savings_ledger_no_update BEFORE UPDATE ON savings_ledger"
        " BEGIN SELECT RAISE(ABORT, 'savings ledger is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER savings_ledger_no_delete BEFORE DELETE ON savings_ledger"
        " BEGIN SELECT RAISE(ABORT, 'savings ledger is append-only'); END"
    )


def cached(
    store: Store, query: str, day: date, fetch: Callable[[], tuple[Any, int]], now: datetime
) -> tuple[Any, int]:
    """Today's stored answer to `query`, else `fetch()` (answer, calls made) stored for the day.
    Returns (answer, calls made now): 0 calls when it came from the cache."""
    rows = list(
        store.db.query(
            "SELECT payload FROM ce_cache WHERE day = ? AND query = ?", [day.isoformat(), query]
        )
    )
    if rows:
        return json.loads(rows[0]["payload"]), 0
    answer, calls = fetch()
    with store.transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO ce_cache (day, query, payload, calls, fetched_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [day.isoformat(), query, json.dumps(answer, default=str), calls,
             now.astimezone(UTC).isoformat()],
        )
    return answer, calls
