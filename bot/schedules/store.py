"""Schedules, their firings and snoozes in SQLite: the source of truth the scheduler's jobs
are rebuilt from.

A firing is claimed by inserting (schedule_id, planned_time) under a UNIQUE constraint with
INSERT OR IGNORE: exactly one caller gets rowcount 1, across threads, processes and restarts.
Status changes are compare-and-set (`UPDATE … WHERE status IN (…)` and rowcount).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database, Migrations

from bot.schedules.rules import Action, ScheduleRule, describe
from bot.schedules.snoozes import Snooze
from bot.storage.migrations import register

if TYPE_CHECKING:
    from bot.storage.store import Store

schedule_migrations = register(Migrations("sm-cost-bot-schedules"))


@schedule_migrations()
def m001_schedules(db: Database) -> None:
    db.execute(
        "CREATE TABLE schedules ("
        " id INTEGER PRIMARY KEY,"
        " resource_key TEXT NOT NULL,"
        " rule TEXT NOT NULL,"
        " description TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " created_by TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL,"
        " updated_by TEXT,"
        " request_id TEXT)"
    )
    db.execute("CREATE INDEX idx_schedules_status ON schedules (status)")
    db.execute(
        "CREATE TABLE schedule_firings ("
        " id INTEGER PRIMARY KEY,"
        " schedule_id INTEGER NOT NULL REFERENCES schedules(id),"
        " planned_time TEXT NOT NULL,"
        " action TEXT NOT NULL,"
        " claimed_at TEXT NOT NULL,"
        " outcome TEXT,"
        " detail TEXT,"
        " UNIQUE (schedule_id, planned_time))"
    )
    db.execute(
        "CREATE TABLE snoozes ("
        " id INTEGER PRIMARY KEY,"
        " resource_key TEXT NOT NULL,"
        " snoozed_by TEXT NOT NULL,"
        " until TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " removed_at TEXT,"
        " removed_by TEXT)"
    )
    db.execute("CREATE INDEX idx_snoozes_key ON snoozes (resource_key)")


@schedule_migrations()
def m002_schedule_votes(db: Database) -> None:
    db.execute(
        "CREATE TABLE schedule_votes ("
        " schedule_id INTEGER NOT NULL REFERENCES schedules(id),"
        " user TEXT NOT NULL,"
        " vote TEXT NOT NULL,"
        " at TEXT NOT NULL,"
        " PRIMARY KEY (schedule_id, user))"
    )


class ScheduleStatus(StrEnum):
    PENDING_APPROVAL = "pending-approval"
    ACTIVE = "active"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REMOVED = "removed"
    DONE = "done"  # a one-off that has fired


class ScheduleRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    resource_key: str
    rule: ScheduleRule
    description: str
    status: ScheduleStatus
    created_by: str
    created_at: datetime
    updated_at: datetime
    updated_by: str | None = None
    request_id: str | None = None

    @property
    def account_id(self) -> str:
        return self.resource_key.split(":", 3)[0]

    @property
    def region(self) -> str:
        return self.resource_key.split(":", 3)[1]

    @property
    def resource_type(self) -> str:
        return self.resource_key.split(":", 3)[2]

    @property
    def name(self) -> str:
        return self.resource_key.split(":", 3)[3]


def _iso(moment: datetime) -> str:
    # one fixed width, so ISO strings compare in time order and planned times key exactly
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _record(row: dict) -> ScheduleRecord:
    return ScheduleRecord(
        id=row["id"],
        resource_key=row["resource_key"],
        rule=ScheduleRule.model_validate_json(row["rule"]),
        description=row["description"],
        status=ScheduleStatus(row["status"]),
        created_by=row["created_by"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        updated_by=row["updated_by"],
        request_id=row["request_id"],
    )


# --- schedules ------------------------------------------------------------------------------


def add_schedule(
    store: Store,
    resource_key: str,
    rule: ScheduleRule,
    *,
    created_by: str,
    now: datetime,
    status: ScheduleStatus = ScheduleStatus.ACTIVE,
) -> ScheduleRecord:
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO schedules (resource_key, rule, description, status, created_by,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [resource_key, rule.model_dump_json(), describe(rule), status, created_by, _iso(now), _iso(now)],
        )
        schedule_id = cursor.lastrowid
    found = get_schedule(store, schedule_id)
    assert found is not None
    return found


def get_schedule(store: Store, schedule_id: int) -> ScheduleRecord | None:
    rows = list(store.db.query("SELECT * FROM schedules WHERE id = ?", [schedule_id]))
    return _record(rows[0]) if rows else None


def list_schedules(
    store: Store, statuses: tuple[ScheduleStatus, ...] = (ScheduleStatus.ACTIVE, ScheduleStatus.PENDING_APPROVAL)
) -> list[ScheduleRecord]:
    marks = ",".join("?" for _ in statuses)
    return [
        _record(row)
        for row in store.db.query(
            f"SELECT * FROM schedules WHERE status IN ({marks}) ORDER BY id", list(statuses)
        )
    ]


def set_schedule_status(
    store: Store,
    schedule_id: int,
    status: ScheduleStatus,
    *,
    from_statuses: tuple[ScheduleStatus, ...],
    by: str | None,
    now: datetime,
) -> bool:
    """Compare-and-set: True only for the caller that moved it."""
    marks = ",".join("?" for _ in from_statuses)
    with store.transaction() as db:
        cursor = db.execute(
            f"UPDATE schedules SET status = ?, updated_by = ?, updated_at = ?"
            f" WHERE id = ? AND status IN ({marks})",
            [status, by, _iso(now), schedule_id, *from_statuses],
        )
    return cursor.rowcount == 1


def link_request(store: Store, schedule_id: int, request_id: str) -> None:
    with store.transaction() as db:
        db.execute("UPDATE schedules SET request_id = ? WHERE id = ?", [str(request_id), schedule_id])


def schedule_for_request(store: Store, request_id: str) -> ScheduleRecord | None:
    rows = list(store.db.query("SELECT * FROM schedules WHERE request_id = ?", [str(request_id)]))
    return _record(rows[0]) if rows else None


def add_schedule_vote(store: Store, schedule_id: int, user: str, vote: str, now: datetime) -> bool:
    """One vote per user per schedule; False when this user already voted."""
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT OR IGNORE INTO schedule_votes (schedule_id, user, vote, at) VALUES (?, ?, ?, ?)",
            [schedule_id, user, vote, _iso(now)],
        )
    return cursor.rowcount == 1


def schedule_votes(store: Store, schedule_id: int) -> list[tuple[str, str]]:
    """(user, vote) in the order cast."""
    return [
        (r["user"], r["vote"])
        for r in store.db.query(
            "SELECT user, vote FROM schedule_votes WHERE schedule_id = ? ORDER BY at, rowid", [schedule_id]
        )
    ]


# --- firings --------------------------------------------------------------------------------


def claim_firing(store: Store, schedule_id: int, planned: datetime, action: Action, now: datetime) -> bool:
    """True for exactly one caller per (schedule, planned time), ever."""
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT OR IGNORE INTO schedule_firings (schedule_id, planned_time, action, claimed_at)"
            " VALUES (?, ?, ?, ?)",
            [schedule_id, _iso(planned), action, _iso(now)],
        )
    return cursor.rowcount == 1


def record_firing_outcome(store: Store, schedule_id: int, planned: datetime, outcome: str, detail: str = "") -> None:
    with store.transaction() as db:
        db.execute(
            "UPDATE schedule_firings SET outcome = ?, detail = ? WHERE schedule_id = ? AND planned_time = ?",
            [outcome, detail, schedule_id, _iso(planned)],
        )


def firings(store: Store, schedule_id: int | None = None) -> list[dict]:
    where, params = ("WHERE schedule_id = ?", [schedule_id]) if schedule_id is not None else ("", [])
    return list(store.db.query(f"SELECT * FROM schedule_firings {where} ORDER BY planned_time, id", params))


# --- snoozes --------------------------------------------------------------------------------


def _snooze(row: dict) -> Snooze:
    return Snooze(
        id=row["id"],
        resource_key=row["resource_key"],
        snoozed_by=row["snoozed_by"],
        until=datetime.fromisoformat(row["until"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )


def add_snooze(store: Store, resource_key: str, *, snoozed_by: str, until: datetime, now: datetime) -> Snooze:
    """A new snooze replaces any active one on the same resource."""
    with store.transaction() as db:
        db.execute(
            "UPDATE snoozes SET removed_at = ?, removed_by = ? WHERE resource_key = ? AND removed_at IS NULL",
            [_iso(now), snoozed_by, resource_key],
        )
        cursor = db.execute(
            "INSERT INTO snoozes (resource_key, snoozed_by, until, created_at) VALUES (?, ?, ?, ?)",
            [resource_key, snoozed_by, _iso(until), _iso(now)],
        )
        snooze_id = cursor.lastrowid
    return Snooze(id=snooze_id, resource_key=resource_key, snoozed_by=snoozed_by,
                  until=until.astimezone(UTC), created_at=now.astimezone(UTC))


def active_snoozes(store: Store, now: datetime) -> list[Snooze]:
    """Snoozes not removed and not yet expired, soonest to expire first."""
    return [
        _snooze(row)
        for row in store.db.query(
            "SELECT * FROM snoozes WHERE removed_at IS NULL AND until > ? ORDER BY until, id",
            [_iso(now)],
        )
    ]


def unsnooze(store: Store, snooze_id: int, *, by: str, now: datetime) -> Snooze | None:
    """Ends a snooze early; None when it was already gone (a second click)."""
    with store.transaction() as db:
        cursor = db.execute(
            "UPDATE snoozes SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL",
            [_iso(now), by, snooze_id],
        )
        if cursor.rowcount != 1:
            return None
        rows = list(db.query("SELECT * FROM snoozes WHERE id = ?", [snooze_id]))
    return _snooze(rows[0])
