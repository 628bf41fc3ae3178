"""Cost Explorer reads: GetCostAndUsage pages are followed and bounded (Stubber: moto never
pages), and an account without Savings Plans reads as None, not as an error."""

from __future__ import annotations

from datetime import date

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bot.aws import cost

START, END = date(2026, 11, 1), date(2026, 11, 3)


def _page(day: str, token: str | None = None) -> dict:
    page = {
        "ResultsByTime": [{
            "TimePeriod": {"Start": day, "End": day},
            "Groups": [{"Keys": ["USE1-Host:ml.m5.xlarge", "us-east-1"],
                        "Metrics": {"UnblendedCost": {"Amount": "1.5", "Unit": "USD"}}}],
            "Estimated": False,
        }],
    }
    if token:
        page["NextPageToken"] = token
    return page


@pytest.fixture
def ce():
    return boto3.client("ce", region_name=cost.CE_REGION)


def test_every_page_is_read_and_counted(ce):
    with Stubber(ce) as stub:
        stub.add_response("get_cost_and_usage", _page("2026-11-01", "t1"), {
            "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-03"}, "Granularity": "DAILY",
            "Metrics": ["UnblendedCost"], "Filter": ANY, "GroupBy": ANY})
        stub.add_response("get_cost_and_usage", _page("2026-11-02"), {
            "TimePeriod": ANY, "Granularity": ANY, "Metrics": ANY, "Filter": ANY, "GroupBy": ANY,
            "NextPageToken": "t1"})
        results, calls = cost.get_sagemaker_daily_costs(ce, START, END)
    assert calls == 2
    assert [r["TimePeriod"]["Start"] for r in results] == ["2026-11-01", "2026-11-02"]


def test_paging_stops_at_the_bound_instead_of_running_up_the_bill(ce, monkeypatch):
    monkeypatch.setattr(cost, "MAX_COST_PAGES", 2)
    with Stubber(ce) as stub:
        for token in ("t1", "t2"):
            stub.add_response("get_cost_and_usage", _page("2026-11-01", token))
        with pytest.raises(cost.TooManyPages):
            cost.get_sagemaker_daily_costs(ce, START, END)


def test_no_savings_plans_is_none(ce):
    with Stubber(ce) as stub:
        stub.add_client_error("get_savings_plans_utilization", "DataUnavailableException", "no data")
        assert cost.get_sagemaker_sp_utilization(ce, START, END) is None


def test_other_savings_plans_errors_are_raised(ce):
    with Stubber(ce) as stub:
        stub.add_client_error("get_savings_plans_utilization", "AccessDeniedException", "no")
        with pytest.raises(Exception, match="AccessDenied"):
            cost.get_sagemaker_sp_utilization(ce, START, END)
