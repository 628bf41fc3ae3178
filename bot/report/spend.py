"""SageMaker spend by week, component and region, from Cost Explorer's daily results (pure).

The report asks Cost Explorer once for every day it needs (the last N full weeks and the last 30
days), grouped by usage type and region, and aggregates here: weeks are not a Cost Explorer
granularity, and components are not a dimension — they are read from the usage type
(`USE1-Notebk:ml.t3.medium`, `EUC1-Host:ml.m5.xlarge`, `USE1-Studio:JupyterLab-ml.t3.medium`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from bot.scan.pricing import HOURS_PER_MONTH

COMPONENTS = ("notebooks", "studio", "hosting", "training", "processing", "other")

# Usage types start with a region code (`USE1-`, `EUC1-`, `APN2-`), except some in us-east-1.
_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}\d*-")
# The part before ':' names what is billed; the first prefix that matches wins.
_COMPONENT_PREFIXES = (
    ("Notebk", "notebooks"),
    ("Studio", "studio"),
    ("Canvas", "studio"),  # Canvas sessions are Studio apps billed per logged-in hour
    ("Host", "hosting"),
    ("ServerlessInf", "hosting"),
    ("AsyncInf", "hosting"),
    ("Train", "training"),
    ("Processing", "processing"),
)
DAYS_FOR_WASTE_SHARE = 30


def component_of(usage_type: str) -> str:
    """`USE1-Host:ml.m5.xlarge` → hosting; anything unrecognised → other (never dropped)."""
    billed = _REGION_PREFIX.sub("", usage_type.split(":", 1)[0], count=1)
    for prefix, component in _COMPONENT_PREFIXES:
        if billed.startswith(prefix):
            return component
    return "other"


class CostRow(BaseModel):
    """One (day, usage type, region) amount from a `ResultsByTime` group."""

    day: date
    usage_type: str
    region: str
    usd: float


def cost_rows(results_by_time: Iterable[dict[str, Any]]) -> list[CostRow]:
    """Flatten GetCostAndUsage's `ResultsByTime` (grouped by USAGE_TYPE, REGION)."""
    rows = []
    for result in results_by_time:
        day = date.fromisoformat(result["TimePeriod"]["Start"])
        for group in result.get("Groups", []):
            keys = group.get("Keys", [])
            usage_type = keys[0] if keys else ""
            # Global charges come back with region "global" or "NoRegion": kept, labelled as is.
            region = keys[1] if len(keys) > 1 and keys[1] else "global"
            amount = float(group.get("Metrics", {}).get("UnblendedCost", {}).get("Amount", 0) or 0)
            if amount:
                rows.append(CostRow(day=day, usage_type=usage_type, region=region, usd=amount))
    return rows


class Window(BaseModel):
    """The days the report covers, as of `today` (UTC): N full Monday–Sunday weeks and 30 days."""

    today: date
    weeks: int

    @property
    def week_starts(self) -> list[date]:
        this_monday = self.today - timedelta(days=self.today.weekday())
        return [this_monday - timedelta(weeks=n) for n in range(self.weeks, 0, -1)]

    @property
    def weeks_end(self) -> date:
        return self.today - timedelta(days=self.today.weekday())

    @property
    def waste_share_start(self) -> date:
        return self.today - timedelta(days=DAYS_FOR_WASTE_SHARE)

    @property
    def query_start(self) -> date:
        return min(self.week_starts[0], self.waste_share_start)

    @property
    def query_end(self) -> date:
        return self.today  # exclusive: today is not over yet


class WeekSpend(BaseModel):
    start: date
    total_usd: float
    by_component: dict[str, float]


class Spend(BaseModel):
    weeks: list[WeekSpend]
    by_component: dict[str, float]  # over the weeks shown
    by_region: dict[str, float]
    last_30_days_usd: float
    unscanned_regions: list[str] = Field(default_factory=list)  # spend there, not in SMBOT_REGIONS
    calls: int = 0  # GetCostAndUsage requests made for it (0 when it came from today's cache)

    @property
    def total_usd(self) -> float:
        return round(sum(w.total_usd for w in self.weeks), 2)


def _rounded(amounts: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in sorted(amounts.items(), key=lambda kv: -kv[1]) if round(v, 2)}


def summarise_spend(
    rows: Sequence[CostRow], window: Window, scanned_regions: Sequence[str], calls: int = 0
) -> Spend:
    weeks: list[WeekSpend] = []
    by_component: dict[str, float] = {}
    by_region: dict[str, float] = {}
    for start in window.week_starts:
        end = start + timedelta(days=7)
        parts = dict.fromkeys(COMPONENTS, 0.0)
        for row in rows:
            if start <= row.day < end:
                component = component_of(row.usage_type)
                parts[component] += row.usd
                by_component[component] = by_component.get(component, 0.0) + row.usd
                by_region[row.region] = by_region.get(row.region, 0.0) + row.usd
        weeks.append(
            WeekSpend(
                start=start,
                total_usd=round(sum(parts.values()), 2),
                by_component={k: round(v, 2) for k, v in parts.items()},
            )
        )
    last_30 = sum(r.usd for r in rows if window.waste_share_start <= r.day < window.query_end)
    spend_regions = {r.region for r in rows if r.usd > 0 and r.region not in ("global", "NoRegion")}
    return Spend(
        weeks=weeks,
        by_component=_rounded(by_component),
        by_region=_rounded(by_region),
        last_30_days_usd=round(last_30, 2),
        unscanned_regions=sorted(spend_regions - set(scanned_regions)),
        calls=calls,
    )


def waste_over_30_days_usd(open_waste_monthly_usd: float) -> float:
    """A monthly estimate (730 h) brought to the 30 days the spend is measured over."""
    return open_waste_monthly_usd * DAYS_FOR_WASTE_SHARE * 24 / HOURS_PER_MONTH


def waste_share(open_waste_monthly_usd: float, last_30_days_usd: float) -> float | None:
    """Open waste as a share of the last 30 days' spend; None when there was no spend to share."""
    if last_30_days_usd <= 0:
        return None
    return waste_over_30_days_usd(open_waste_monthly_usd) / last_30_days_usd
