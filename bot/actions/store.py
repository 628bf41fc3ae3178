"""Persistence of action requests, approvals, the audit trail and saved endpoint configurations.

Every state change is one compare-and-set `UPDATE … WHERE id = ? AND state = ?` whose rowcount
says who won: among any number of concurrent callers exactly one moves a request out of a state.
The audit table is append-only, enforced by SQLite triggers (an UPDATE or DELETE aborts).
Writes use raw SQL inside `Store.transaction()` (BEGIN IMMEDIATE): sqlite-utils' own writes
commit on their own and cannot be grouped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database, Migrations

from bot.actions.models import (
    ActionKind,
    ActionRequest,
    Approval,
    AuditEntry,
    RequestState,
    Vote,
)
from bot.models import Finding
from bot.storage.migrations import register

if TYPE_CHECKING:
    from bot.storage.store import Store

requests_migrations = register(Migrations("sm-cost-bot-requests"))


@requests_migrations()
def m001_requests(db: Database) -> None:
    db.execute(
        """CREATE TABLE action_requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            action TEXT NOT NULL,
            resource_key TEXT NOT NULL,
            requester TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT 'slack',
            idempotency_key TEXT UNIQUE,
            state TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            reason TEXT,
            dry_run INTEGER NOT NULL DEFAULT 0,
            est_monthly_cost_usd REAL,
            params TEXT NOT NULL DEFAULT '{}',
            baseline TEXT NOT NULL DEFAULT '{}',
            aws_request_id TEXT,
            restore_of INTEGER REFERENCES action_requests(id),
            channel TEXT,
            message_ts TEXT,
            thread_ts TEXT,
            digest_channel TEXT,
            digest_ts TEXT,
            digest_block_id TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_action_requests_state ON action_requests(state)")
    db.execute("CREATE INDEX idx_action_requests_key ON action_requests(resource_key)")
    db.execute(
        """CREATE TABLE approvals (
            request_id INTEGER NOT NULL REFERENCES action_requests(id),
            user TEXT NOT NULL,
            vote TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (request_id, user)
        )"""
    )
    db.execute(
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            event TEXT NOT NULL,
            request_id INTEGER,
            action TEXT,
            resource_key TEXT,
            from_state TEXT,
            to_state TEXT,
            outcome TEXT,
            aws_request_id TEXT,
            dry_run INTEGER NOT NULL DEFAULT 0,
            detail TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_audit_at ON audit(at)")
    db.execute(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
        " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
        " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END"
    )
    db.execute(
        """CREATE TABLE deleted_endpoints (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            request_id INTEGER NOT NULL UNIQUE REFERENCES action_requests(id),
            resource_key TEXT NOT NULL,
            endpoint_name TEXT NOT NULL,
            endpoint_config_name TEXT NOT NULL,
            variants TEXT NOT NULL,
            tags TEXT NOT NULL,
            endpoint_config TEXT NOT NULL,
            saved_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX idx_deleted_endpoints_key ON deleted_endpoints(resource_key)")
    db.execute(
        """CREATE TABLE request_digest_messages (
            channel TEXT NOT NULL,
            ts TEXT NOT NULL,
            blocks TEXT NOT NULL,
            PRIMARY KEY (channel, ts)
        )"""
    )


def iso(moment: datetime) -> str:
    """UTC ISO text, so that string order is time order."""
    return moment.astimezone(UTC).isoformat()


def _request(row: dict[str, Any]) -> ActionRequest:
    data = dict(row)
    data["params"] = json.loads(data["params"] or "{}")
    data["baseline"] = json.loads(data["baseline"] or "{}")
    data["dry_run"] = bool(data["dry_run"])
    return ActionRequest.model_validate(data)


class RequestStore:
    """Queries over the request tables of one `Store` (per-thread connections)."""

    def __init__(self, store: Store):
        self.store = store

    @contextmanager
    def joined_transaction(self, db: Database | None) -> Iterator[Database]:
        """Join the caller's transaction, or open one."""
        if db is not None:
            yield db
        else:
            with self.store.transaction() as own:
                yield own

    def _rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return list(self.store.db.query(sql, list(params)))

    # --- requests -------------------------------------------------------------------------------

    def create(
        self,
        *,
        action: ActionKind,
        resource_key: str,
        requester: str,
        state: RequestState,
        now: datetime,
        expires_at: datetime,
        origin: str = "slack",
        idempotency_key: str | None = None,
        dry_run: bool = False,
        est_monthly_cost_usd: float | None = None,
        params: dict[str, Any] | None = None,
        baseline: dict[str, Any] | None = None,
        restore_of: int | None = None,
        db: Database | None = None,
    ) -> tuple[ActionRequest, bool]:
        """Insert a request; with an idempotency key already used, return that one (created=False)."""
        with self.joined_transaction(db) as tx:
            if idempotency_key is not None:
                existing = list(
                    tx.query(
                        "SELECT * FROM action_requests WHERE idempotency_key = ?", [idempotency_key]
                    )
                )
                if existing:
                    return _request(existing[0]), False
            cursor = tx.execute(
                "INSERT INTO action_requests (action, resource_key, requester, origin,"
                " idempotency_key, state, created_at, expires_at, updated_at, dry_run,"
                " est_monthly_cost_usd, params, baseline, restore_of)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    str(action), resource_key, requester, origin, idempotency_key, str(state),
                    iso(now), iso(expires_at), iso(now), int(dry_run), est_monthly_cost_usd,
                    json.dumps(params or {}, default=str), json.dumps(baseline or {}, default=str),
                    restore_of,
                ],
            )
            row = list(tx.query("SELECT * FROM action_requests WHERE id = ?", [cursor.lastrowid]))
            return _request(row[0]), True

    def get(self, request_id: int, db: Database | None = None) -> ActionRequest | None:
        source = db or self.store.db
        rows = list(source.query("SELECT * FROM action_requests WHERE id = ?", [request_id]))
        return _request(rows[0]) if rows else None

    def open_for(self, resource_key: str, action: ActionKind) -> ActionRequest | None:
        """A not-yet-finished request for the same action on the same resource."""
        rows = self._rows(
            "SELECT * FROM action_requests WHERE resource_key = ? AND action = ?"
            " AND state IN ('requested', 'approved', 'executing') ORDER BY id DESC LIMIT 1",
            [resource_key, str(action)],
        )
        return _request(rows[0]) if rows else None

    def in_states(self, *states: RequestState) -> list[ActionRequest]:
        marks = ", ".join("?" for _ in states)
        rows = self._rows(
            f"SELECT * FROM action_requests WHERE state IN ({marks}) ORDER BY id",
            [str(s) for s in states],
        )
        return [_request(r) for r in rows]

    def all(self) -> list[ActionRequest]:
        return [_request(r) for r in self._rows("SELECT * FROM action_requests ORDER BY id")]

    def compare_and_set(
        self,
        request_id: int,
        expected: RequestState,
        new: RequestState,
        now: datetime,
        *,
        reason: str | None = None,
        aws_request_id: str | None = None,
        db: Database | None = None,
    ) -> bool:
        """Move a request from `expected` to `new`; False when another caller moved it first."""
        with self.joined_transaction(db) as tx:
            cursor = tx.execute(
                "UPDATE action_requests SET state = ?, updated_at = ?,"
                " reason = COALESCE(?, reason), aws_request_id = COALESCE(?, aws_request_id)"
                " WHERE id = ? AND state = ?",
                [str(new), iso(now), reason, aws_request_id, request_id, str(expected)],
            )
            return cursor.rowcount == 1

    def reclaim_executing(self, request: ActionRequest, now: datetime) -> bool:
        """Take over a request left `executing` (a crash, a lost process): compare-and-set on
        its `updated_at`, so of two sweeps that saw the same row exactly one resumes it."""
        with self.store.transaction() as tx:
            cursor = tx.execute(
                "UPDATE action_requests SET updated_at = ? WHERE id = ? AND state = ?"
                " AND updated_at = ?",
                [iso(now), request.id, str(RequestState.EXECUTING), iso(request.updated_at)],
            )
            return cursor.rowcount == 1

    def set_messages(self, request_id: int, **fields: str | None) -> None:
        allowed = {
            "channel", "message_ts", "thread_ts", "digest_channel", "digest_ts", "digest_block_id"
        }
        updates = {k: v for k, v in fields.items() if k in allowed and v is not None}
        if not updates:
            return
        assignments = ", ".join(f"{k} = ?" for k in updates)
        with self.store.transaction() as tx:
            tx.execute(
                f"UPDATE action_requests SET {assignments} WHERE id = ?",
                [*updates.values(), request_id],
            )

    # --- votes ----------------------------------------------------------------------------------

    def votes(self, request_id: int, db: Database | None = None) -> list[Approval]:
        source = db or self.store.db
        rows = source.query(
            "SELECT * FROM approvals WHERE request_id = ? ORDER BY at, rowid", [request_id]
        )
        return [Approval.model_validate(r) for r in rows]

    def add_vote(self, request_id: int, user: str, vote: Vote, now: datetime, db: Database) -> bool:
        cursor = db.execute(
            "INSERT OR IGNORE INTO approvals (request_id, user, vote, at) VALUES (?, ?, ?, ?)",
            [request_id, user, str(vote), iso(now)],
        )
        return cursor.rowcount == 1

    # --- audit (append-only) ----------------------------------------------------------------------

    def audit(
        self,
        *,
        now: datetime,
        actor: str,
        event: str,
        request: ActionRequest | None = None,
        action: str | None = None,
        resource_key: str | None = None,
        from_state: RequestState | str | None = None,
        to_state: RequestState | str | None = None,
        outcome: str | None = None,
        aws_request_id: str | None = None,
        dry_run: bool = False,
        detail: str | None = None,
        db: Database | None = None,
    ) -> None:
        with self.joined_transaction(db) as tx:
            tx.execute(
                "INSERT INTO audit (at, actor, event, request_id, action, resource_key,"
                " from_state, to_state, outcome, aws_request_id, dry_run, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    iso(now), actor, event,
                    request.id if request else None,
                    action or (str(request.action) if request else None),
                    resource_key or (request.resource_key if request else None),
                    str(from_state) if from_state else None,
                    str(to_state) if to_state else None,
                    outcome, aws_request_id, int(dry_run), detail,
                ],
            )

    def audit_since(self, since: datetime) -> list[AuditEntry]:
        rows = self._rows("SELECT * FROM audit WHERE at >= ? ORDER BY id", [iso(since)])
        return [AuditEntry.model_validate({**r, "dry_run": bool(r["dry_run"])}) for r in rows]

    def audit_for(self, request_id: int) -> list[AuditEntry]:
        rows = self._rows("SELECT * FROM audit WHERE request_id = ? ORDER BY id", [request_id])
        return [AuditEntry.model_validate({**r, "dry_run": bool(r["dry_run"])}) for r in rows]

    # --- saved endpoint configurations -------------------------------------------------------------

    def save_deleted_endpoint(
        self, request_id: int, resource_key: str, snapshot: dict[str, Any], now: datetime
    ) -> None:
        """Keep what a restore needs; saved again by a retry of the same request, never lost."""
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT OR REPLACE INTO deleted_endpoints (request_id, resource_key,"
                " endpoint_name, endpoint_config_name, variants, tags, endpoint_config, saved_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    request_id, resource_key, snapshot["EndpointName"],
                    snapshot["EndpointConfigName"],
                    json.dumps(snapshot.get("ProductionVariants", []), default=str),
                    json.dumps(snapshot.get("Tags", []), default=str),
                    json.dumps(snapshot.get("EndpointConfig", {}), default=str),
                    iso(now),
                ],
            )

    def deleted_endpoint(self, request_id: int) -> dict[str, Any] | None:
        """The snapshot saved by the delete request `request_id`, in the shape it was saved."""
        rows = self._rows("SELECT * FROM deleted_endpoints WHERE request_id = ?", [request_id])
        if not rows:
            return None
        row = rows[0]
        return {
            "EndpointName": row["endpoint_name"],
            "EndpointConfigName": row["endpoint_config_name"],
            "ProductionVariants": json.loads(row["variants"]),
            "Tags": json.loads(row["tags"]),
            "EndpointConfig": json.loads(row["endpoint_config"]),
            "saved_at": row["saved_at"],
        }

    def latest_finding(self, resource_key: str) -> Finding | None:
        """The newest stored finding for a resource (its cost and evidence at click time)."""
        rows = self._rows(
            "SELECT data FROM findings WHERE key = ? ORDER BY id DESC LIMIT 1", [resource_key]
        )
        return Finding.model_validate_json(rows[0]["data"]) if rows else None

    # --- digest messages whose items the bot marks ---------------------------------------------------

    def digest_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The last known {"text", "blocks"} of a digest message the bot marks items in."""
        rows = self._rows(
            "SELECT blocks FROM request_digest_messages WHERE channel = ? AND ts = ?", [channel, ts]
        )
        return json.loads(rows[0]["blocks"]) if rows else None

    def save_digest_message(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT OR REPLACE INTO request_digest_messages (channel, ts, blocks)"
                " VALUES (?, ?, ?)",
                [channel, ts, json.dumps({"text": message.get("text", ""),
                                          "blocks": message.get("blocks", [])})],
            )
