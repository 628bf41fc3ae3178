"""One scan at a time per process, shared by everyone who waited for it.

The stored-scan cache only reuses complete, error-free scans (a scan that could not read a
region must not answer for it for the next ten minutes). Without this, every caller queued
behind a scan that ended with a read error would start its own: 50 people typing /sm-idle at
09:01 during an outage would cost 50 scans. Callers that *waited* for a scan take its result,
errors and all — they asked while it was running, so it is the freshest answer there is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._finished = 0  # how many runs have completed
        self._last: tuple[str, T] | None = None  # (key, result) of the last completed run

    def ticket(self) -> int:
        """Taken when a question is asked, for callers that queue before they call `run` (a
        thread pool): any run for the same key completed since then answers it."""
        return self._finished

    def run(
        self, key: str, cached: Callable[[], T | None], start: Callable[[], T], ticket: int | None = None
    ) -> T:
        """`cached()` if it has an answer, else the result of a run for the same `key` that
        completed since this caller asked (`ticket`, default: now), else `start()`."""
        arrived_after = self._finished if ticket is None else ticket
        with self._lock:
            if self._finished != arrived_after and self._last is not None and self._last[0] == key:
                return self._last[1]
            hit = cached()
            if hit is not None:
                return hit
            return self._run_locked(key, start)

    def run_now(self, key: str, start: Callable[[], T]) -> T:
        """Always a new run (after any run in progress); callers waiting behind it share it."""
        with self._lock:
            return self._run_locked(key, start)

    def _run_locked(self, key: str, start: Callable[[], T]) -> T:
        result = start()
        self._last = (key, result)
        self._finished += 1
        return result
