"""The weekly shape of an endpoint's traffic, in words and in idle hours.

Why it exists: the digest runs on Monday mornings with a 48 h lookback, so an endpoint used every
weekday shows 0 invocations since Saturday. One hourly read of the last 7 days tells that endpoint
("Mon–Fri 08–19 UTC, idle 67% of hours") apart from one nobody uses. Pure: hourly sums in, shape
out; all hours are UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEK_HOURS = 7 * 24


@dataclass(frozen=True)
class WeeklyShape:
    """Which hours of the window saw traffic (hour starts, UTC) out of how many."""

    busy: frozenset[datetime]
    window_hours: int

    @property
    def invoked(self) -> bool:
        return bool(self.busy)

    @property
    def idle_hours(self) -> int:
        return self.window_hours - len(self.busy)

    @property
    def idle_fraction(self) -> float:
        return self.idle_hours / self.window_hours if self.window_hours else 1.0

    def days(self) -> list[int]:
        return sorted({hour.weekday() for hour in self.busy})

    def hours_of_day(self) -> list[int]:
        return sorted({hour.hour for hour in self.busy})

    def describe(self) -> str:
        """'Mon–Fri 08–19 UTC, idle 67% of hours'; 'no traffic' when nothing was served."""
        if not self.busy:
            return "no traffic"
        hours = self.hours_of_day()
        span = "around the clock" if len(hours) == 24 else f"{hours[0]:02d}–{hours[-1] + 1:02d} UTC"
        return f"{days_in_words(self.days())} {span}, idle {round(self.idle_fraction * 100)}% of hours"


def days_in_words(days: list[int]) -> str:
    """Runs of consecutive weekdays as ranges: [0..4] → 'Mon–Fri', [0, 2] → 'Mon, Wed'."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    words = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{WEEKDAYS[run[0]]}–{WEEKDAYS[run[-1]]}")
        else:
            words.extend(WEEKDAYS[d] for d in run)
    return ", ".join(words)


def window_start(end: datetime, hours: int = WEEK_HOURS) -> datetime:
    """The first whole hour of the window that ends at `end`'s hour."""
    return end.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours)


def weekly_shape(
    series: Iterable[Mapping[datetime, float]], end: datetime, hours: int = WEEK_HOURS
) -> WeeklyShape:
    """Merge the hourly sums of every series of one endpoint (variants, components) into a shape.

    Only hours inside [end - hours, end) count; an hour is busy when any series served something.
    """
    start = window_start(end, hours)
    stop = start + timedelta(hours=hours)
    busy = {
        hour
        for hourly in series
        for hour, value in hourly.items()
        if value > 0 and start <= hour < stop
    }
    return WeeklyShape(busy=frozenset(busy), window_hours=hours)
