"""Slack message updates a request is owed, kept in SQLite until Slack has them.

Effects first, messages after: an action never waits on Slack, and a Slack failure of any kind
(timeout, dropped connection, 5xx, 429) only delays the update. Each request has at most one
row: which of its messages to refresh (the request message, the digest item's mark) and the
result reply to post in its thread. A refresh renders the request's state at delivery time, so
merging several owed refreshes into one is exact. A delivery takes a short lease on the row
(compare-and-set on `next_attempt_at`) so that a click's own delivery and the scheduler's sweep
never post the same reply twice; what is owed while a delivery runs bumps the row's `version`,
so the delivery does not clear it and goes round again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database, Migrations

from bot.actions.store import iso
from bot.runtime.slack_client import retry_delay_seconds
from bot.storage.migrations import register

if TYPE_CHECKING:
    from bot.storage.store import Store

pending_updates_migrations = register(Migrations("sm-cost-bot-pending-updates"))


@pending_updates_migrations()
def m001_pending_message_updates(db: Database) -> None:
    db.execute(
        """CREATE TABLE pending_message_updates (
            request_id INTEGER PRIMARY KEY REFERENCES action_requests(id),
            request_message INTEGER NOT NULL DEFAULT 0,
            digest_item INTEGER NOT NULL DEFAULT 0,
            announce TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT
        )"""
    )


LEASE_SECONDS = 120  # longer than one delivery (three Slack calls with the client's timeout)
MAX_ATTEMPTS = 60  # about eight hours of retries at the cap; then the update is given up, logged


@dataclass(frozen=True)
class PendingUpdate:
    request_id: int
    request_message: bool
    digest_item: bool
    announce: str | None
    version: int
    attempts: int
    next_attempt_at: str
    last_error: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.request_message or self.digest_item or self.announce)


def _pending(row: dict[str, Any]) -> PendingUpdate:
    return PendingUpdate(
        request_id=row["request_id"], request_message=bool(row["request_message"]),
        digest_item=bool(row["digest_item"]), announce=row["announce"],
        version=row["version"], attempts=row["attempts"], next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
    )


class PendingUpdates:
    """The `pending_message_updates` table of one Store."""

    def __init__(self, store: Store):
        self.store = store

    def owe(
        self, request_id: int, now: datetime, *, request_message: bool = False,
        digest_item: bool = False, announce: str | None = None,
    ) -> None:
        """Record what is owed, merged with anything still owed: due at once when new; an
        existing row keeps its time (a delivery running now, or a back-off after a failure)."""
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO pending_message_updates (request_id, request_message, digest_item,"
                " announce, next_attempt_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(request_id) DO UPDATE SET"
                " request_message = MAX(request_message, excluded.request_message),"
                " digest_item = MAX(digest_item, excluded.digest_item),"
                " announce = COALESCE(excluded.announce, announce),"
                " version = version + 1",
                [request_id, int(request_message), int(digest_item), announce, iso(now)],
            )

    def get(self, request_id: int) -> PendingUpdate | None:
        rows = list(self.store.db.query(
            "SELECT * FROM pending_message_updates WHERE request_id = ?", [request_id]
        ))
        return _pending(rows[0]) if rows else None

    def due(self, now: datetime) -> list[int]:
        rows = self.store.db.query(
            "SELECT request_id FROM pending_message_updates WHERE next_attempt_at <= ?"
            " ORDER BY next_attempt_at, request_id", [iso(now)],
        )
        return [r["request_id"] for r in rows]

    def take(self, request_id: int, now: datetime) -> PendingUpdate | None:
        """Lease a due row for one delivery; None when it is not due or someone else has it."""
        with self.store.transaction() as tx:
            cursor = tx.execute(
                "UPDATE pending_message_updates SET next_attempt_at = ?"
                " WHERE request_id = ? AND next_attempt_at <= ?",
                [iso(now + timedelta(seconds=LEASE_SECONDS)), request_id, iso(now)],
            )
            if cursor.rowcount != 1:
                return None
            rows = list(tx.query(
                "SELECT * FROM pending_message_updates WHERE request_id = ?", [request_id]
            ))
        return _pending(rows[0])

    def delivered(self, taken: PendingUpdate, part: str) -> None:
        """One part reached Slack: clear it unless owed again since `taken`; the row goes when
        nothing is left."""
        request_id = taken.request_id
        if part == "announce":  # the reply it posted: cleared even if owed again meanwhile
            sql, args = "announce = NULL WHERE request_id = ? AND announce = ?", [taken.announce]
        else:  # a refresh rendered an older state if owed again meanwhile: kept for another go
            sql, args = f"{part} = 0 WHERE request_id = ? AND version = ?", [taken.version]
        with self.store.transaction() as tx:
            tx.execute(f"UPDATE pending_message_updates SET {sql}", [request_id, *args])
            tx.execute(
                "DELETE FROM pending_message_updates WHERE request_id = ? AND request_message = 0"
                " AND digest_item = 0 AND announce IS NULL", [request_id],
            )

    def release(self, taken: PendingUpdate, now: datetime) -> bool:
        """End a successful delivery's lease; True when something was owed meanwhile (the row
        is due again at once)."""
        with self.store.transaction() as tx:
            cursor = tx.execute(
                "UPDATE pending_message_updates SET next_attempt_at = ?"
                " WHERE request_id = ? AND version != ?", [iso(now), taken.request_id, taken.version],
            )
            return cursor.rowcount == 1

    def failed(
        self, request_id: int, now: datetime, error: str, retry_after_seconds: float | None = None
    ) -> PendingUpdate | None:
        """Slack did not take it: try again later, or give up after MAX_ATTEMPTS (returns None)."""
        with self.store.transaction() as tx:
            rows = list(tx.query(
                "SELECT attempts FROM pending_message_updates WHERE request_id = ?", [request_id]
            ))
            if not rows:
                return None
            attempts = rows[0]["attempts"] + 1
            if attempts >= MAX_ATTEMPTS:
                tx.execute("DELETE FROM pending_message_updates WHERE request_id = ?", [request_id])
                return None
            delay = retry_delay_seconds(attempts, retry_after_seconds)
            tx.execute(
                "UPDATE pending_message_updates SET attempts = ?, next_attempt_at = ?,"
                " last_error = ? WHERE request_id = ?",
                [attempts, iso(now + timedelta(seconds=delay)), error, request_id],
            )
        return self.get(request_id)
