"""Injected time: all arithmetic in UTC, zones only at the edges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def fire_time_text(when: datetime | None, tz: tzinfo) -> str:
    """When a scheduled job fires next, as the logs say it ("paused" when it has no next run)."""
    return f"{when.astimezone(tz):%a %d %b %Y %H:%M %Z}" if when is not None else "paused"
