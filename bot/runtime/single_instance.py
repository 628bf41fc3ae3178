"""One bot per database, whatever the path: the scheduler, the recovery and the digest run once.

Two bots on one database would each rebuild the schedule jobs and each post the digest (FACTS.md:
two schedulers on one job store run jobs twice). The lock is an exclusive `flock` on the database
file itself, so it belongs to the inode: a second bot reaching the same file through a symlink, a
hard link or another relative path meets the same lock and stops with one line. The kernel releases
it when the process dies, however it dies, so a crash never leaves a stale lock behind. `flock`
and SQLite's own POSIX (`fcntl`) locks are independent on Linux; the descriptor is closed only at
shutdown, because closing any descriptor of the file drops the process's POSIX locks on it.

Beside the database, `<db>.lock` names the holder and records that a bot ran on this database: if
the database later goes missing, `run` refuses to start on a new, empty one (`missing_database`).
(SQLite databases are single-host, and so is this lock.)
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from bot.storage.database_file import PRIVATE_MODE


class AlreadyRunning(RuntimeError):
    """Another process holds the database's bot lock."""


def _note_path(db_path: Path) -> Path:
    return Path(f"{db_path}.lock")


def _holder_pid(handle: IO[bytes]) -> str | None:
    """The pid holding a flock on this file, from /proc/locks (Linux): found whatever path it used."""
    stat = os.fstat(handle.fileno())
    wanted = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if "FLOCK" in fields and wanted in fields:
            return fields[fields.index(wanted) - 1]
    return None


def missing_database(db_path: str | Path) -> str | None:
    """Why `run` must not create this database: it is missing, but a bot ran on it before."""
    resolved = Path(db_path).resolve()
    note = _note_path(resolved)
    if resolved.exists() or not note.exists():
        return None
    return (
        f"the database {resolved} is missing, but a bot ran on it before ({note} exists);"
        f" restore the database, or delete {note} to start with an empty one"
    )


class DatabaseLock:
    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path).resolve()
        self.path = _note_path(self.db_path)
        self._file: IO[bytes] | None = None

    def acquire(self) -> DatabaseLock:
        handle = open(self.db_path, "rb")  # the database exists: the Store created it
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder_pid(handle)
            handle.close()  # the refused process exits next: its SQLite locks no longer matter
            holder = f"pid {pid}" if pid else "another process"
            raise AlreadyRunning(
                f"another sm-cost-bot ({holder}) is already running on {self.db_path};"
                " run exactly one bot per database (SMBOT_DB_PATH)"
            ) from None
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
        with os.fdopen(fd, "w") as note:
            note.write(f"pid {os.getpid()}\n")
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
