"""Faults the Slack Web API stand-in injects, per method, for the next N calls:

- `drop`:      read the request, then close the connection without a byte of answer;
- `timeout`:   hold the request `seconds` (longer than the client's timeout), then close the
               connection: the client has given up by then, as on a real timeout;
- `error`:     HTTP `status` (503 by default) with Slack's JSON error body;
- `ratelimit`: HTTP 429 with `Retry-After: seconds`.

The call is recorded before the fault, so a test sees every attempt the bot made.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

KINDS = ("drop", "timeout", "error", "ratelimit")


@dataclass(frozen=True)
class Fault:
    kind: str
    seconds: float = 1.0
    status: int = 503

    def apply(self, handler: Any) -> bool:
        """Act on the HTTP handler; True when the request got no normal answer."""
        if self.kind == "drop":
            handler.close_connection = True
            return True
        if self.kind == "timeout":
            time.sleep(self.seconds)
            handler.close_connection = True
            return True
        if self.kind == "ratelimit":
            handler._send(429, {"ok": False, "error": "ratelimited"},
                          {"Retry-After": str(int(self.seconds))})
            return True
        handler._send(self.status, {"ok": False, "error": "service_unavailable"})
        return True


class SlackFaults:
    """The faults still to inject, per Web API method, in order."""

    def __init__(self) -> None:
        self._pending: dict[str, list[Fault | None]] = {}  # None: answer normally
        self._lock = threading.Lock()

    def add(self, method: str, kind: str, times: int = 1, skip: int = 0, **options: Any) -> None:
        """Fault the `times` calls of `method` that follow the next `skip` (answered normally)."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {', '.join(KINDS)}")
        with self._lock:
            queue = self._pending.setdefault(method, [])
            queue.extend([None] * max(skip - len(queue), 0))
            queue.extend([Fault(kind, **options)] * times)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def next(self, method: str) -> Fault | None:
        with self._lock:
            queue = self._pending.get(method)
            return queue.pop(0) if queue else None
