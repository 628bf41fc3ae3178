"""idle-warm-pool: table tests on TrainingJob records shaped by the API model (moto never sets
WarmPoolStatus), and the shared Search: the scanner adds no request of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.models import FindingKind, SavingsBasis
from bot.scan.pricing import load_prices
from bot.scan.scanners import idle_warm_pools as pools
from bot.scan.scanners import spot_training
from bot.scan.scanners.base import ScanContext

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PRICE_M5_XLARGE_TRAINING = 0.23


def job(name: str = "sweep-7", *, status: str | None = "Available", ended_minutes_ago: float = 10,
        keep_alive: int | None = 3600, count: int = 2, reused_by: str | None = None) -> dict:
    """A TrainingJob record as Search returns it (botocore model: TrainingJob, WarmPoolStatus)."""
    resources = {"InstanceType": "ml.m5.xlarge", "InstanceCount": count, "VolumeSizeInGB": 30}
    if keep_alive is not None:
        resources["KeepAlivePeriodInSeconds"] = keep_alive
    record = {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "TrainingJobStatus": "Completed",
        "ResourceConfig": resources,
        "CreationTime": NOW - timedelta(hours=2),
        "TrainingEndTime": NOW - timedelta(minutes=ended_minutes_ago),
        "Tags": [{"Key": "team", "Value": "vision"}],
    }
    if status:
        record["WarmPoolStatus"] = {"Status": status, "ResourceRetainedBillableTimeInSeconds": 600}
        if reused_by:
            record["WarmPoolStatus"]["ReusedByJob"] = reused_by
    return record


@pytest.fixture
def ctx():
    return ScanContext(clients=lambda service: None, account_id="123456789012", region="us-east-1",
                       settings=Settings(regions=["us-east-1"]), prices=load_prices(), now=NOW)


def test_an_available_pool_nobody_reuses_is_priced_for_its_remaining_keep_alive(ctx):
    [finding] = pools.find_idle_warm_pools(ctx, [job(ended_minutes_ago=10, keep_alive=3600, count=2)])
    assert finding.kind == FindingKind.IDLE_WARM_POOL
    assert finding.est_monthly_savings_usd == round(PRICE_M5_XLARGE_TRAINING * 2 * 50 / 60, 2)
    assert finding.evidence["remaining_keep_alive_seconds"] == 3000
    assert (finding.instance_type, finding.instance_count) == ("ml.m5.xlarge", 2)


def test_a_pool_is_a_one_off_cost_never_in_the_monthly_figure(ctx):
    [finding] = pools.find_idle_warm_pools(ctx, [job()])
    assert finding.savings_basis == SavingsBasis.ONE_OFF


@pytest.mark.parametrize("status", ["InUse", "Reused", "Terminated", None])
def test_a_pool_that_is_not_available_is_not_flagged(ctx, status):
    assert pools.find_idle_warm_pools(ctx, [job(status=status)]) == []


def test_a_pool_reused_by_another_job_is_not_flagged(ctx):
    assert pools.find_idle_warm_pools(ctx, [job(reused_by="sweep-8")]) == []


def test_a_pool_past_its_keep_alive_is_not_flagged(ctx):
    assert pools.find_idle_warm_pools(ctx, [job(ended_minutes_ago=61, keep_alive=3600)]) == []


def test_the_reason_says_how_long_the_pool_still_bills_and_the_tags_are_kept(ctx):
    [finding] = pools.find_idle_warm_pools(ctx, [job(ended_minutes_ago=10, keep_alive=3600)])
    assert finding.reason.startswith("Warm pool kept for 50 min more with no job reusing it")
    assert finding.tags == {"team": "vision"}


def test_an_unpriced_instance_type_says_why_instead_of_zero(ctx):
    record = job()
    record["ResourceConfig"]["InstanceType"] = "ml.unknown.xlarge"
    [finding] = pools.find_idle_warm_pools(ctx, [record])
    assert finding.est_monthly_savings_usd is None
    assert "ml.unknown.xlarge" in finding.evidence["price_missing"]


def test_warm_pools_and_spot_advice_share_one_search_of_training_jobs(ctx, monkeypatch):
    searches = []

    def search(context, created_after):
        searches.append(created_after)
        return [job()]

    monkeypatch.setattr(spot_training, "get_training_jobs", search)
    assert len(pools.scan(ctx)) == 1
    assert spot_training.get_shared_training_jobs(ctx) == [job()]
    assert len(searches) == 1
