"""Crontab strings as people write them, turned into APScheduler triggers correctly.

APScheduler numbers Monday 0 and `CronTrigger.from_crontab("0 9 * * 1-5")` fires Tue–Sat; we
translate crontab weekday numbers (0 and 7 = Sunday) to names before building the trigger.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_NUMBER = re.compile(r"\b([0-7])\b")


def crontab_days_to_names(day_of_week: str) -> str:
    """`1-5` → `mon-fri`, `0,6` → `sun,sat`; names pass through (lower-cased)."""
    return _NUMBER.sub(lambda m: DAY_NAMES[int(m.group(1))], day_of_week.lower())


def parse_cron(expression: str, timezone: str | ZoneInfo = "UTC") -> CronTrigger:
    """Five crontab fields → a DST-correct CronTrigger; ValueError with a readable message."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"cron {expression!r} needs 5 fields: minute hour day month day-of-week"
            " (e.g. '0 9 * * MON-FRI')"
        )
    minute, hour, day, month, day_of_week = fields
    zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=crontab_days_to_names(day_of_week),
            timezone=zone,
        )
    except ValueError as exc:
        raise ValueError(f"cron {expression!r}: {exc}") from None
