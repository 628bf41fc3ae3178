"""The database file itself: created private, watched for deletion or replacement, probed for writes.

The SQLite file holds the audit trail and who approved what, so it is created `0600` (SQLite
creates its `-wal` and `-shm` files with the database's own mode). A database deleted or replaced
under a running bot must not go unnoticed: SQLite keeps writing to the unlinked inode, and the
next start would create an empty file, every request and audit row gone from view. The running
bot compares the path's (device, inode) with the one it opened.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

PRIVATE_MODE = 0o600
WRITE_PROBE_TIMEOUT_SECONDS = 2  # a health check must answer quickly, even while a writer works


@dataclass(frozen=True)
class FileIdentity:
    device: int
    inode: int

    @classmethod
    def of(cls, path: str | Path) -> FileIdentity | None:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(stat.st_dev, stat.st_ino)


def create_private(path: str | Path) -> bool:
    """Create an empty database file readable by its owner only; False if it already existed."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def existing_file_uri(path: str | Path) -> str:
    """An SQLite URI that opens `path` read-write and never creates it."""
    return f"file:{quote(os.path.abspath(path))}?mode=rw"


def write_problem(path: str | Path) -> str | None:
    """Why a write would fail now (missing, read-only, locked past the timeout), or None.

    `mode=rw` opens without creating: a deleted file is reported, not silently recreated.
    """
    try:
        conn = sqlite3.connect(existing_file_uri(path), uri=True, timeout=WRITE_PROBE_TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        return f"the database {path} cannot be opened for writing: {exc}"
    try:
        conn.execute("BEGIN IMMEDIATE")  # takes the write lock, writes nothing
        conn.rollback()
    except sqlite3.Error as exc:
        return f"the database {path} is not writable: {exc}"
    finally:
        conn.close()
    return None
