"""Snooze, pure: hide a resource from digests and slash-command answers for a while.

Hidden is not gone: renderers show how many items and how much $/month are snoozed
(`HiddenTotals`), so waste never silently disappears from the numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from bot.models import Finding

SNOOZE_DAYS: dict[str, int] = {"1d": 1, "7d": 7, "30d": 30}
SNOOZE_LABELS: dict[str, str] = {"1d": "1 day", "7d": "7 days", "30d": "30 days", "date": "Until a date"}
DEFAULT_SNOOZE = "7d"


class Snooze(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int | None = None
    resource_key: str
    snoozed_by: str
    until: datetime  # UTC
    created_at: datetime  # UTC

    @property
    def resource_name(self) -> str:
        return self.resource_key.rsplit(":", 1)[-1]

    def active_at(self, now: datetime) -> bool:
        return self.until > now


class SnoozeInputError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def snooze_until(choice: str, now: datetime, *, until_date: str | None = None, timezone: str = "UTC") -> datetime:
    """`1d`/`7d`/`30d` from now, or `date`: the resource shows again at 00:00 of that date
    in `timezone`. Returned in UTC."""
    if choice in SNOOZE_DAYS:
        return now.astimezone(UTC) + timedelta(days=SNOOZE_DAYS[choice])
    if choice != "date":
        raise SnoozeInputError({"choice": f"unknown snooze length {choice!r}"})
    if not until_date:
        raise SnoozeInputError({"date": "pick the date the resource should show again"})
    try:
        day = date.fromisoformat(until_date)
    except ValueError:
        raise SnoozeInputError({"date": f"{until_date!r} is not a date (YYYY-MM-DD)"}) from None
    until = datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    if until <= now:
        raise SnoozeInputError({"date": f"{day.isoformat()} is not in the future"})
    return until


def split_snoozed(
    findings: Iterable[Finding], snoozes: Iterable[Snooze], now: datetime
) -> tuple[list[Finding], list[Finding]]:
    """(visible, hidden): findings whose resource has an active snooze go to hidden."""
    snoozed = {s.resource_key for s in snoozes if s.active_at(now)}
    visible: list[Finding] = []
    hidden: list[Finding] = []
    for finding in findings:
        (hidden if finding.key in snoozed else visible).append(finding)
    return visible, hidden


class HiddenTotals(BaseModel):
    """What the digest's "hidden" line says: N snoozed items, $X/month."""

    count: int
    est_monthly_savings_usd: float

    @property
    def line(self) -> str:
        if not self.count:
            return ""
        noun = "item" if self.count == 1 else "items"
        return (
            f"{self.count} snoozed {noun} hidden (est. ${self.est_monthly_savings_usd:,.2f}/month)"
            " — /sm-snoozed to see them"
        )


def hidden_totals(hidden: Iterable[Finding]) -> HiddenTotals:
    items = list(hidden)
    return HiddenTotals(
        count=len(items),
        est_monthly_savings_usd=round(sum(f.est_monthly_savings_usd or 0.0 for f in items), 2),
    )
