"""What lasting fixes leave behind: the settings a fix replaced (for Undo) and the auto-stop
attachments waiting for their notebook to stop.

`fix_snapshots` keeps, per request, what the resource looked like just before the change (a
notebook's lifecycle configuration and instance type, a Studio resource's idle settings): Undo
puts exactly that back. `pending_fixes` holds the auto-stop attachments an InService notebook
could not take (UpdateNotebookInstance needs Stopped); a sweep claims each row with a
compare-and-set, so one sweep applies it once.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database, Migrations

from bot.actions.store import iso
from bot.storage.migrations import register

if TYPE_CHECKING:
    from bot.storage.store import Store

fix_migrations = register(Migrations("sm-cost-bot-fixes"))

PENDING, APPLYING, APPLIED, CANCELLED, GONE = "pending", "applying", "applied", "cancelled", "gone"


@fix_migrations()
def m001_fixes(db: Database) -> None:
    db.execute(
        """CREATE TABLE fix_snapshots (
            request_id INTEGER PRIMARY KEY,
            resource_key TEXT NOT NULL,
            action TEXT NOT NULL,
            before TEXT NOT NULL,
            saved_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE pending_fixes (
            request_id INTEGER PRIMARY KEY,
            resource_key TEXT NOT NULL,
            action TEXT NOT NULL,
            params TEXT NOT NULL,
            state TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            detail TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_pending_fixes_state ON pending_fixes(state)")


class FixStore:
    def __init__(self, store: Store):
        self.store = store

    def save_before(
        self, request_id: int, resource_key: str, action: str, before: dict[str, Any], now: datetime
    ) -> None:
        """Saved again by a later attempt of the same request (the newest "before" wins)."""
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT OR REPLACE INTO fix_snapshots (request_id, resource_key, action, before,"
                " saved_at) VALUES (?, ?, ?, ?, ?)",
                [request_id, resource_key, action, json.dumps(before, default=str), iso(now)],
            )

    def before(self, request_id: int) -> dict[str, Any] | None:
        rows = list(self.store.db.query(
            "SELECT before FROM fix_snapshots WHERE request_id = ?", [request_id]
        ))
        return json.loads(rows[0]["before"]) if rows else None

    def add_pending(
        self, request_id: int, resource_key: str, action: str, params: dict[str, Any], now: datetime
    ) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT OR IGNORE INTO pending_fixes (request_id, resource_key, action, params,"
                " state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [request_id, resource_key, action, json.dumps(params, default=str), PENDING,
                 iso(now), iso(now)],
            )

    def pending(self, *states: str) -> list[dict[str, Any]]:
        states = states or (PENDING, APPLYING)
        marks = ", ".join("?" for _ in states)
        rows = self.store.db.query(
            f"SELECT * FROM pending_fixes WHERE state IN ({marks}) ORDER BY request_id", list(states)
        )
        return [{**r, "params": json.loads(r["params"])} for r in rows]

    def pending_of(self, request_id: int) -> dict[str, Any] | None:
        rows = list(self.store.db.query(
            "SELECT * FROM pending_fixes WHERE request_id = ?", [request_id]
        ))
        return {**rows[0], "params": json.loads(rows[0]["params"])} if rows else None

    def move(
        self, request_id: int, expected: tuple[str, ...], new: str, now: datetime,
        detail: str | None = None,
    ) -> bool:
        """Compare-and-set the row's state; False when another caller moved it first."""
        marks = ", ".join("?" for _ in expected)
        with self.store.transaction() as tx:
            cursor = tx.execute(
                f"UPDATE pending_fixes SET state = ?, updated_at = ?, detail = COALESCE(?, detail)"
                f" WHERE request_id = ? AND state IN ({marks})",
                [new, iso(now), detail, request_id, *expected],
            )
            return cursor.rowcount == 1
