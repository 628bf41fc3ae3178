"""SQLite persistence through sqlite-utils: scans and findings here; every feature registers its
own `Migrations` set in `bot.storage.migrations` and the Store applies them all on opening.

Connections are per thread (sqlite3 objects are bound to their thread), WAL for concurrent
readers, a busy timeout for writers. Grouped writes use `BEGIN IMMEDIATE` (`Store.transaction`):
sqlite-utils' `atomic()` issues a deferred BEGIN that fails under concurrent writers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations

from bot.models import Finding, NotAssessed, ScanError, ScanResult
from bot.storage.database_file import FileIdentity, create_private, existing_file_uri, write_problem
from bot.storage.migrations import registered_sets

core = Migrations("sm-cost-bot-core")


@core()
def m001_scans(db: Database) -> None:
    db["scans"].create(
        {
            "id": int,
            "generated_at": str,
            "regions": str,
            "accounts": str,
            "finding_count": int,
            "error_count": int,
            "est_monthly_savings_usd": float,
            "totals": str,
        },
        pk="id",
    )
    db["scans"].create_index(["generated_at"])
    db["findings"].create(
        {
            "id": int,
            "scan_id": int,
            "key": str,
            "kind": str,
            "name": str,
            "account_id": str,
            "region": str,
            "est_monthly_savings_usd": float,
            "protected": int,
            "data": str,
        },
        pk="id",
        foreign_keys=[("scan_id", "scans", "id")],
    )
    db["findings"].create_index(["scan_id"])
    db["findings"].create_index(["key"])
    db["scan_errors"].create(
        {
            "id": int,
            "scan_id": int,
            "account_id": str,
            "region": str,
            "operation": str,
            "code": str,
            "message": str,
            "kind": str,
        },
        pk="id",
        foreign_keys=[("scan_id", "scans", "id")],
    )


@core()
def m002_scan_scope(db: Database) -> None:
    db["scans"].add_column("kinds", str, not_null_default="[]")
    db["scans"].add_column("complete", int, not_null_default=1)


@core()
def m003_scan_scope_key(db: Database) -> None:
    # Scans stored before the key existed never match one, so they are never reused.
    db["scans"].add_column("scope_key", str, not_null_default="")


@core()
def m004_scan_not_assessed(db: Database) -> None:
    # The endpoints a scan could not judge (JSON list of NotAssessed): the digest footer counts them.
    db["scans"].add_column("not_assessed", str, not_null_default="[]")




class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        create_private(self.path)
        self.identity = FileIdentity.of(self.path)  # the file this Store opened
        db = self.db
        db.enable_wal()
        for migrations in (core, *registered_sets()):
            migrations.apply(db)

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            # mode=rw: a thread's first connection after the file was deleted fails instead of
            # creating a new, empty (and world-readable) database under the running bot.
            conn = sqlite3.connect(existing_file_uri(self.path), uri=True, timeout=30)
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA foreign_keys = ON")
            db = Database(conn)
            self._local.db = db
        return db

    def file_gone(self) -> str | None:
        """Whether the database file was deleted or replaced since this Store opened it."""
        current = FileIdentity.of(self.path)
        if current is None:
            return f"the database {self.path} was deleted while the bot was running"
        if current != self.identity:
            return f"the database {self.path} was replaced while the bot was running"
        return None

    def file_problem(self) -> str | None:
        """Whether the database file is still the one opened, and writable (None: all is well)."""
        return self.file_gone() or write_problem(self.path)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """BEGIN IMMEDIATE … COMMIT; rolls back on error. Use raw SQL inside (db.execute)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None

    # --- scans -------------------------------------------------------------------------------

    def save_scan(self, result: ScanResult, scope_key: str = "") -> ScanResult:
        """`scope_key` (bot.scan.scope) is what a later cache lookup must match to reuse it."""
        totals = result.totals
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO scans (generated_at, regions, accounts, kinds, complete, finding_count,"
                " error_count, est_monthly_savings_usd, totals, scope_key, not_assessed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    result.generated_at.isoformat(),
                    json.dumps(result.regions),
                    json.dumps(result.accounts),
                    json.dumps([str(k) for k in result.kinds]),
                    int(result.complete),
                    len(result.findings),
                    len(result.errors),
                    totals.est_monthly_savings_usd,
                    totals.model_dump_json(),
                    scope_key,
                    json.dumps([n.model_dump(mode="json") for n in result.not_assessed]),
                ],
            )
            scan_id = cursor.lastrowid
            db.conn.executemany(
                "INSERT INTO findings (scan_id, key, kind, name, account_id, region,"
                " est_monthly_savings_usd, protected, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        scan_id,
                        f.key,
                        f.kind,
                        f.name,
                        f.account_id,
                        f.region,
                        f.est_monthly_savings_usd,
                        int(f.protected),
                        f.model_dump_json(exclude={"key"}),
                    )
                    for f in result.findings
                ],
            )
            db.conn.executemany(
                "INSERT INTO scan_errors (scan_id, account_id, region, operation, code, message,"
                " kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (scan_id, e.account_id, e.region, e.operation, e.code, e.message, e.kind)
                    for e in result.errors
                ],
            )
        return result.model_copy(update={"scan_id": scan_id})

    def load_scan(self, scan_id: int) -> ScanResult | None:
        rows = list(self.db.query("SELECT * FROM scans WHERE id = ?", [scan_id]))
        if not rows:
            return None
        row = rows[0]
        findings = [
            Finding.model_validate_json(r["data"])
            for r in self.db.query("SELECT data FROM findings WHERE scan_id = ? ORDER BY id", [scan_id])
        ]
        errors = [
            ScanError(**{k: r[k] for k in ("account_id", "region", "operation", "code", "message", "kind")})
            for r in self.db.query("SELECT * FROM scan_errors WHERE scan_id = ? ORDER BY id", [scan_id])
        ]
        return ScanResult(
            scan_id=row["id"],
            generated_at=datetime.fromisoformat(row["generated_at"]),
            regions=json.loads(row["regions"]),
            accounts=json.loads(row["accounts"]),
            kinds=json.loads(row["kinds"]),
            complete=bool(row["complete"]),
            findings=findings,
            errors=errors,
            not_assessed=[NotAssessed(**n) for n in json.loads(row["not_assessed"])],
        )

    def latest_scan(
        self,
        max_age: timedelta | None = None,
        now: datetime | None = None,
        *,
        complete_only: bool = True,
        scope_key: str | None = None,
    ) -> ScanResult | None:
        """The newest scan (of the whole fleet unless `complete_only=False`), if young enough.
        With `scope_key`, only a scan made with that key and without any read error counts."""
        conditions, params = [], []
        if complete_only:
            conditions.append("complete = 1")
        if scope_key is not None:
            conditions += ["scope_key = ?", "error_count = 0"]
            params.append(scope_key)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = list(
            self.db.query(f"SELECT id, generated_at FROM scans {where}ORDER BY id DESC LIMIT 1", params)
        )
        if not rows:
            return None
        if max_age is not None and now is not None:
            if datetime.fromisoformat(rows[0]["generated_at"]) < now - max_age:
                return None
        return self.load_scan(rows[0]["id"])

    def scan_history(self, limit: int = 30) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT id, generated_at, finding_count, error_count, est_monthly_savings_usd"
                " FROM scans ORDER BY id DESC LIMIT ?",
                [limit],
            )
        )
