"""`sm-cost-bot demo --report`: the weekly report of the demo fleet.

Cost Explorer spend is queued into the in-process moto (a month shaped like the demo fleet: mostly
hosting, some training and notebooks, a little in a region the demo does not scan), Savings Plans
answers come from the stand-in, and the ledger gets the savings of a few past actions (a notebook
stopped ten days ago, an endpoint deleted five days ago, nightly scheduled stops) so that the
realised-savings chart has something to draw.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.aws import cost
from bot.demo.cost_explorer_standin import (
    cost_and_usage_result,
    install_savings_plans_standin,
    recommendation_record,
    seed_cost_and_usage,
)
from bot.report.build import build_report
from bot.report.ledger import record_accrual, record_running_again
from bot.report.models import WeeklyReport
from bot.report.spend import Window
from bot.services import Services

DEMO_WEEKS = 4
# (usage type, region, USD a day): what the demo fleet bills, roughly.
DAILY_SPEND = (
    ("USE1-Host:ml.m5.xlarge", "us-east-1", 16.6),
    ("USE1-Host:ml.g4dn.xlarge", "us-east-1", 17.7),
    ("USW2-Host:ml.m5.2xlarge", "us-west-2", 22.1),
    ("USW2-Host:ml.p3.2xlarge", "us-west-2", 91.8),
    ("USE1-Notebk:ml.p3.2xlarge", "us-east-1", 91.8),
    ("USE1-Notebk:ml.t3.medium", "us-east-1", 1.2),
    ("USE1-Studio:JupyterLab-ml.g4dn.xlarge", "us-east-1", 17.7),
    ("EUW1-Processing:ml.m5.large", "eu-west-1", 2.8),
)


def seed_demo_costs(services: Services, account_id: str, now: datetime) -> None:
    window = Window(today=now.date(), weeks=DEMO_WEEKS)
    lines = []
    day = window.query_start
    while day < window.query_end:
        growth = 1 + (day - window.query_start).days / 60  # the bill creeps up, as bills do
        lines += [(day, usage, region, usd * growth * 2.5) for usage, region, usd in DAILY_SPEND]
        if day.weekday() == 2:  # a weekly training run
            lines.append((day, "USE1-Train:ml.p3.8xlarge", "us-east-1", 14.7 * 20))
        day += timedelta(days=1)
    seed_cost_and_usage(cost_and_usage_result(lines, window.query_start, window.query_end), account_id)
    install_savings_plans_standin(
        services.clients.client("ce", cost.CE_REGION, services.settings.account_targets()[0]),
        {
            "ONE_YEAR": recommendation_record(
                "ONE_YEAR", hourly_commitment_usd=5.1, monthly_savings_usd=1020.0,
                savings_percentage=21.0, on_demand_30_days_usd=8950.0),
            "THREE_YEARS": recommendation_record(
                "THREE_YEARS", hourly_commitment_usd=4.2, monthly_savings_usd=1890.0,
                savings_percentage=39.0, on_demand_30_days_usd=8950.0),
        },
    )


def seed_demo_savings(services: Services, account_id: str, now: datetime) -> None:
    """Past actions' savings, as the executor would have recorded them."""
    store = services.store
    record_accrual(store, f"{account_id}:us-east-1:notebook-instance:old-stopped",
                   at=now - timedelta(days=10), hourly_usd=0.23, source="action",
                   action="stop-notebook", owner="risk")
    record_accrual(store, f"{account_id}:us-east-1:endpoint:churn-model-v0",
                   at=now - timedelta(days=5), hourly_usd=0.46, source="action",
                   action="delete-endpoint", owner="growth")
    nightly = f"{account_id}:us-east-1:notebook-instance:alice-exploration"
    for night in range(14, 0, -1):  # stopped 20:00, started 08:00 by a schedule
        stop = (now - timedelta(days=night)).replace(hour=20, minute=0, second=0, microsecond=0)
        record_accrual(store, nightly, at=stop, hourly_usd=0.05, source="action",
                       action="stop-notebook", owner="alice")
        record_running_again(store, [nightly], at=stop + timedelta(hours=12), source="action",
                             detail="start notebook (schedule)")


def demo_report(services: Services, account_id: str, now: datetime, png_dir: Path) -> tuple[WeeklyReport, list[Path]]:
    from bot.report.job import write_pngs

    seed_demo_costs(services, account_id, now)
    seed_demo_savings(services, account_id, now)
    report = build_report(services, weeks=DEMO_WEEKS)
    return report, write_pngs(report, png_dir / "sm-cost-bot-demo-spend.png")
