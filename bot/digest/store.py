"""Where each digest went and which Slack message holds which finding.

`digest_items` lets a click handler `chat.update` the very message that shows a finding (the
digest itself or one of its thread replies); `digest_posts` gives the next digest its
"change since the last digest".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database, Migrations

from bot.storage.migrations import register

if TYPE_CHECKING:
    from bot.storage.store import Store

digest_migrations = register(Migrations("sm-cost-bot-digest"))


@digest_migrations()
def m001_digest_posts(db: Database) -> None:
    db.execute(
        "CREATE TABLE digest_posts ("
        " id INTEGER PRIMARY KEY,"
        " scan_id INTEGER,"
        " channel TEXT NOT NULL,"
        " ts TEXT NOT NULL,"
        " posted_at TEXT NOT NULL,"
        " finding_count INTEGER NOT NULL,"
        " est_monthly_savings_usd REAL NOT NULL,"
        " csv_file_id TEXT)"
    )
    db.execute(
        "CREATE TABLE digest_items ("
        " id INTEGER PRIMARY KEY,"
        " digest_id INTEGER NOT NULL REFERENCES digest_posts(id),"
        " finding_key TEXT NOT NULL,"
        " scan_id INTEGER,"
        " channel TEXT NOT NULL,"
        " ts TEXT NOT NULL,"  # the message holding the item (digest or thread reply)
        " thread_ts TEXT,"  # the digest message, when the item is in a thread reply
        " block_id TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_digest_items_key ON digest_items (finding_key)")


@digest_migrations()
def m002_digest_deliveries(db: Database) -> None:
    """Digests planned and being posted step by step (see `bot.digest.delivery`)."""
    db.execute(
        "CREATE TABLE digest_deliveries ("
        " id INTEGER PRIMARY KEY,"
        " created_at TEXT NOT NULL,"
        " channel TEXT NOT NULL,"
        " scan_id INTEGER,"
        " finding_count INTEGER NOT NULL,"
        " est_monthly_savings_usd REAL NOT NULL,"
        " messages TEXT NOT NULL,"  # [{"text", "blocks", "items"}], the digest first
        " csv TEXT,"  # {"content", "filename", "title"} when the digest attaches one
        " digest_id INTEGER REFERENCES digest_posts(id),"
        " posted_channel TEXT,"
        " ts TEXT,"
        " replies_posted INTEGER NOT NULL DEFAULT 0,"
        " csv_file_id TEXT,"
        " csv_done INTEGER NOT NULL DEFAULT 0,"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " next_attempt_at TEXT NOT NULL,"
        " last_error TEXT,"
        " state TEXT NOT NULL DEFAULT 'pending')"  # pending | delivered | abandoned
    )


class DigestItem(BaseModel):
    """A finding's place in Slack: update `channel`/`ts`; its section has `block_id`."""

    model_config = ConfigDict(frozen=True)

    finding_key: str
    scan_id: int | None
    channel: str
    ts: str
    thread_ts: str | None
    block_id: str


def record_post(
    store: Store,
    *,
    scan_id: int | None,
    channel: str,
    ts: str,
    finding_count: int,
    est_monthly_savings_usd: float,
    now: datetime,
) -> int:
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO digest_posts (scan_id, channel, ts, posted_at, finding_count,"
            " est_monthly_savings_usd) VALUES (?, ?, ?, ?, ?, ?)",
            [scan_id, channel, ts, now.astimezone(UTC).isoformat(), finding_count, est_monthly_savings_usd],
        )
        return int(cursor.lastrowid)


def record_items(store: Store, digest_id: int, items: list[DigestItem]) -> None:
    with store.transaction() as db:
        db.conn.executemany(
            "INSERT INTO digest_items (digest_id, finding_key, scan_id, channel, ts, thread_ts,"
            " block_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (digest_id, i.finding_key, i.scan_id, i.channel, i.ts, i.thread_ts, i.block_id)
                for i in items
            ],
        )


def record_csv(store: Store, digest_id: int, file_id: str | None) -> None:
    store.db.execute("UPDATE digest_posts SET csv_file_id = ? WHERE id = ?", [file_id, digest_id])
    store.db.conn.commit()


def items_for(store: Store, finding_key: str) -> list[DigestItem]:
    """Every digest message showing this finding, newest first (usually only the first matters)."""
    return [
        DigestItem(**{k: row[k] for k in DigestItem.model_fields})
        for row in store.db.query(
            "SELECT * FROM digest_items WHERE finding_key = ? ORDER BY id DESC", [finding_key]
        )
    ]


def last_post(store: Store) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM digest_posts ORDER BY id DESC LIMIT 1"))
    return rows[0] if rows else None
