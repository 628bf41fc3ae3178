"""oversized-notebook: table tests of the pure judgement on real ListNotebookInstances shapes
(including the GPU types moto refuses), and the scan on moto over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import FindingKind
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import oversized_notebooks as over

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{}"
KNOWN = sorted(load_prices().prices["us-east-1"]["notebook"])


def summary(name: str, instance_type: str, *, up_hours: float, status: str = "InService") -> dict:
    """A ListNotebookInstances summary as AWS shapes it."""
    return {
        "NotebookInstanceName": name, "NotebookInstanceArn": ARN.format(name),
        "NotebookInstanceStatus": status, "InstanceType": instance_type,
        "Url": f"{name}.notebook.us-east-1.sagemaker.aws",
        "CreationTime": NOW - timedelta(days=60),
        "LastModifiedTime": NOW - timedelta(hours=up_hours),
    }


@pytest.mark.parametrize(
    ("instance_type", "oversized"),
    [("ml.t3.medium", False), ("ml.m5.xlarge", False), ("ml.m5.4xlarge", False),
     ("ml.r5.8xlarge", True), ("ml.m5.12xlarge", True), ("ml.c5.18xlarge", True),
     ("ml.g4dn.xlarge", True), ("ml.g5.2xlarge", True), ("ml.p3.2xlarge", True),
     ("ml.p4d.24xlarge", True), ("not-a-type", False), (None, False)],
)
def test_gpu_families_and_8xlarge_or_more_are_oversized(instance_type, oversized) -> None:
    assert over.is_oversized(instance_type) is oversized


@pytest.mark.parametrize(
    ("instance_type", "suggested"),
    [("ml.g4dn.12xlarge", "ml.g4dn.xlarge"), ("ml.p3.8xlarge", "ml.p3.2xlarge"),
     ("ml.m5.12xlarge", "ml.m5.xlarge"), ("ml.g4dn.xlarge", "ml.t3.medium"),
     ("ml.p3.2xlarge", "ml.t3.medium")],
)
def test_the_suggestion_is_the_smallest_priced_size_of_the_same_family(instance_type, suggested):
    assert over.smaller_type(instance_type, KNOWN) == suggested


def test_saving_is_the_price_difference_over_the_observed_hours(ctx) -> None:
    [finding] = over.find_oversized_notebooks(
        ctx, [summary("gpu", "ml.g4dn.12xlarge", up_hours=84)], {}
    )
    # 84 h of 168 → 365 h a month; (4.89 - 0.736) $/h × 365 h
    assert finding.evidence["monthly_hours"] == 365.0
    assert finding.est_monthly_cost_usd == round(4.89 * 365, 2)
    assert finding.est_monthly_savings_usd == round((4.89 - 0.736) * 365, 2)
    assert finding.evidence["suggested_instance_type"] == "ml.g4dn.xlarge"
    assert "explore on ml.g4dn.xlarge" in finding.reason and "84 h of the last 7 d" in finding.reason


def test_hours_in_service_are_capped_at_the_seven_day_window(ctx) -> None:
    [finding] = over.find_oversized_notebooks(ctx, [summary("p", "ml.p3.2xlarge", up_hours=500)], {})
    assert finding.evidence["hours_in_service_7d"] == 168.0
    assert finding.evidence["monthly_hours"] == 730.0


def test_small_or_stopped_notebooks_are_not_flagged(ctx) -> None:
    summaries = [summary("small", "ml.t3.medium", up_hours=100),
                 summary("stopped", "ml.p3.2xlarge", up_hours=100, status="Stopped")]
    assert over.find_oversized_notebooks(ctx, summaries, {}) == []


def test_unknown_prices_say_so_and_unreadable_tags_protect(ctx) -> None:
    [finding] = over.find_oversized_notebooks(
        ctx, [summary("odd", "ml.g6e.48xlarge", up_hours=10)], None
    )
    assert finding.est_monthly_savings_usd is None and "unknown notebook price" in finding.evidence["price"]
    assert finding.protected


def test_scan_flags_the_gpu_notebook_on_moto(fleet, client_factory, settings, now) -> None:
    fleet.notebook("explore", instance_type="ml.t3.medium")
    fleet.notebook("gpu", instance_type="ml.p3.2xlarge", last_modified=now - timedelta(hours=24))
    fleet.notebook("gpu-off", instance_type="ml.p3.2xlarge", stopped=True)
    result = run_scan(
        client_factory, settings, load_prices(), now, kinds=[FindingKind.OVERSIZED_NOTEBOOK]
    )
    assert result.errors == []
    assert [(f.name, f.evidence["hours_in_service_7d"]) for f in result.findings] == [("gpu", 24.0)]
