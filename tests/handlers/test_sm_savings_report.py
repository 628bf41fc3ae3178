"""`/sm-savings` carries the weekly report's summary: realised savings, spend and the Savings Plan
advice, after its own totals (signed requests over HTTP, answers through response_url)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.aws import cost
from bot.models import ScanResult
from bot.report.ledger import record_accrual
from tests.fakes.cost_explorer import install_savings_plans_standin, recommendation_record
from tests.fakes.findings import finding

KEY = "123456789012:us-east-1:notebook-instance:nb-old"


def test_sm_savings_ends_with_the_reports_summary(http_app, signed, slack_api, services):
    now = datetime.now(UTC)
    services.store.save_scan(ScanResult(generated_at=now, regions=["us-east-1"], findings=[finding("nb-a")]), scope_key=services.scope_key())
    record_accrual(services.store, KEY, at=now - timedelta(hours=10), hourly_usd=1.0, source="test")
    install_savings_plans_standin(
        services.clients.client("ce", cost.CE_REGION),
        {"ONE_YEAR": recommendation_record("ONE_YEAR", hourly_commitment_usd=0.3, monthly_savings_usd=50.0,
                                           savings_percentage=20.0, on_demand_30_days_usd=250.0)},
    )

    signed.command("/sm-savings").post(http_app)

    answer = slack_api.wait_for("response_url", timeout_seconds=60)[0].params
    summary = answer["blocks"][-1]["text"]["text"]
    assert summary.startswith("*This week's report*")
    assert "since install $10.00" in summary
    assert "Remove waste first" in summary
    assert "Estimated savings" in answer["text"]  # the command's own totals still lead
