"""A weekly report built from known figures, for the renderer and chart tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.report.ledger import Realised
from bot.report.models import WeeklyReport
from bot.report.savings_plans import ExistingPlans, PlanAdvice, PlansAdvice
from bot.report.spend import Spend, WeekSpend

GENERATED_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def sample_report(**changes: object) -> WeeklyReport:
    weeks = [
        WeekSpend(start=date(2026, 11, 2), total_usd=150.0,
                  by_component={"notebooks": 20.0, "studio": 0.0, "hosting": 100.0, "training": 30.0,
                                "processing": 0.0, "other": 0.0}),
        WeekSpend(start=date(2026, 11, 9), total_usd=120.0,
                  by_component={"notebooks": 20.0, "studio": 0.0, "hosting": 100.0, "training": 0.0,
                                "processing": 0.0, "other": 0.0}),
    ]
    report = WeeklyReport(
        generated_at=GENERATED_AT,
        weeks=2,
        spend=Spend(weeks=weeks, by_component={"hosting": 200.0, "notebooks": 40.0, "training": 30.0},
                    by_region={"us-east-1": 250.0, "ap-northeast-2": 20.0}, last_30_days_usd=540.0,
                    unscanned_regions=["ap-northeast-2"], calls=1),
        open_waste_monthly_usd=146.0,
        waste_share=0.2667,
        realised=Realised(week_usd=12.5, month_usd=40.0, total_usd=300.0,
                          by_owner={"alice": 200.0, "<!channel>": 100.0}, accruing=2, unpriced=1),
        savings_series=[(date(2026, 11, 2) + timedelta(days=i), 10.0 * i) for i in range(3)],
        plans=PlansAdvice(
            advice=[
                PlanAdvice(term="ONE_YEAR", hourly_commitment_usd=0.5, est_monthly_savings_usd=90.0,
                           savings_percentage=21.0, current_on_demand_spend_usd=540.0,
                           waste_share_of_commitment=0.32),
                PlanAdvice(term="THREE_YEARS", hourly_commitment_usd=None, est_monthly_savings_usd=None,
                           savings_percentage=None, current_on_demand_spend_usd=None),
            ],
            existing=ExistingPlans(utilization_percentage=92.0, total_commitment_usd=100.0,
                                   net_savings_usd=25.0, coverage_percentage=40.0),
            calls=4,
        ),
        ce_calls=5,
    )
    return report.model_copy(update=changes)
