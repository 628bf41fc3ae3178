"""The weekly report as plain data: what the renderers (Block Kit, terminal, JSON, charts) and
the Slack post share. Built by `bot.report.build`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from bot.report.ledger import Realised
from bot.report.savings_plans import PlansAdvice
from bot.report.spend import Spend


class WeeklyReport(BaseModel):
    generated_at: datetime
    weeks: int
    spend: Spend | None = None
    spend_error: str | None = None
    open_waste_monthly_usd: float = 0.0
    waste_share: float | None = None  # open waste / last 30 days' spend
    realised: Realised
    savings_series: list[tuple[date, float]] = Field(default_factory=list)  # cumulative, per day
    plans: PlansAdvice | None = None
    plans_error: str | None = None
    scan_errors: int = 0
    unmapped_owners: list[str] = Field(default_factory=list)
    ce_calls: int = 0  # Cost Explorer requests this report made (0: all from today's cache)
