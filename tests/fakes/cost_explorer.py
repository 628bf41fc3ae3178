"""Cost Explorer for tests: queue GetCostAndUsage answers into moto over HTTP; the Savings Plans
stand-in and record builders come from the product's own stand-in (bot.demo.cost_explorer_standin)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import requests

from bot.demo.cost_explorer_standin import (  # noqa: F401 - re-exported for tests
    CostLine,
    cost_and_usage_result,
    coverage_record,
    install_savings_plans_standin,
    recommendation_record,
    utilization_record,
)

ACCOUNT_ID = "123456789012"


def seed_spend(moto_endpoint: str, lines: Iterable[CostLine], start: date, end: date) -> None:
    """The next new GetCostAndUsage query gets these lines (moto answers queued results in order
    and repeats an answer for the same query)."""
    response = requests.post(
        f"{moto_endpoint}/moto-api/static/ce/cost-and-usage-results",
        json={"results": [cost_and_usage_result(lines, start, end)], "account_id": ACCOUNT_ID},
        timeout=10,
    )
    response.raise_for_status()
