"""One bot per database: the scheduler, the start-up recovery and the digest must run once.

Two bots on one database would each rebuild the schedule jobs and each post the digest (FACTS.md:
two schedulers on one job store run jobs twice). An exclusive advisory lock on a file beside the
database, held for the life of the process, makes the second `sm-cost-bot run` stop with one line.
The kernel releases the lock when the process dies, however it dies, so a crash never leaves a
stale lock behind. (SQLite databases are single-host, and so is this lock.)
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class AlreadyRunning(RuntimeError):
    """Another process holds the database's bot lock."""


class DatabaseLock:
    def __init__(self, db_path: str | Path):
        self.path = Path(f"{db_path}.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> DatabaseLock:
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunning(
                f"another sm-cost-bot ({holder}) is already running on {self.path.with_suffix('')};"
                " run exactly one bot per database (SMBOT_DB_PATH)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
