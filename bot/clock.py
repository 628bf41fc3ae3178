"""Injected time: all arithmetic in UTC, zones only at the edges."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Callable

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
