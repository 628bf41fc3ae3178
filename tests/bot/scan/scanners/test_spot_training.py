"""spot-eligible-training-job: table tests of the pure judgement and money, the scan on moto over
HTTP (training and tuning jobs), request counts from moto's recorder, and the error path."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from bot.demo.moto_fleet import MotoRecorder
from bot.models import FindingKind
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import spot_training as st
from bot.scan.scanners.base import ScanContext

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
P3 = 3.825  # ml.p3.2xlarge training, us-east-1, $/h
TUNING_ARN = "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/{}"



def job(
    name: str,
    *,
    spot: bool = False,
    ended_days_ago: float = 2,
    training: int = 3600,
    billable: int | None = None,
    count: int = 1,
    instance_type: str = "ml.p3.2xlarge",
    status: str = "Completed",
    **extra: Any,
) -> dict:
    resources = {"InstanceType": instance_type, "InstanceCount": count, "VolumeSizeInGB": 50}
    resources.update(extra.pop("resources", {}))
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "TrainingJobStatus": status,
        "CreationTime": NOW - timedelta(days=ended_days_ago, seconds=training + 300),
        "TrainingEndTime": NOW - timedelta(days=ended_days_ago),
        "ResourceConfig": resources,
        "EnableManagedSpotTraining": spot,
        "TrainingTimeInSeconds": training,
        "BillableTimeInSeconds": billable if billable is not None else training,
        **extra,
    }


def tuning(name: str, *, spot: bool = False, ended_days_ago: float = 1, **resources: Any) -> dict:
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobArn": TUNING_ARN.format(name),
        "HyperParameterTuningJobStatus": "Completed",
        "HyperParameterTuningEndTime": NOW - timedelta(days=ended_days_ago),
        "TrainingJobDefinition": {
            "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1, **resources},
            "EnableManagedSpotTraining": spot,
        },
        "TrainingJobStatusCounters": {"Completed": 2},
    }


CASES = [
    ("on demand in the window", [job("j")], ["j"]),
    ("spot", [job("j", spot=True)], []),
    ("warm pool", [job("j", resources={"KeepAlivePeriodInSeconds": 600})], []),
    ("heterogeneous cluster", [job("j", resources={"InstanceGroups": [{"InstanceGroupName": "g"}]})], []),
    ("ended before the window", [job("j", ended_days_ago=31)], []),
    ("not completed", [job("j", status="Failed")], []),
    ("launched by a tuning job", [job("j", TuningJobArn=TUNING_ARN.format("t"))], []),
    # shapes from botocore's ResourceConfig / DescribeTrainingJob model, which moto never returns
    (
        "instance preferences (exclusive with Spot)",
        [job("j", resources={
            "InstanceType": None, "InstancePreferences": [{"InstanceType": "ml.p3.2xlarge"}],
            "SelectedInstanceType": "ml.p3.2xlarge", "SelectedInstanceCount": 1,
        })],
        [],
    ),
    (
        "UltraServer placement (exclusive with Spot)",
        [job("j", resources={"InstancePlacementConfig": {"EnableMultipleJobs": False}})],
        [],
    ),
    (
        "training plan (prepaid)",
        [job("j", resources={"TrainingPlanArn": "arn:aws:sagemaker:us-east-1:123456789012:training-plan/p"})],
        [],
    ),
    ("serverless job (per token)", [job("j", ServerlessJobConfig={"BaseModelArn": "arn:m", "JobType": "FineTuning"})], []),
    (
        "launched by Autopilot",
        [job("j", AutoMLJobArn="arn:aws:sagemaker:us-east-1:123456789012:automl-job/a")],
        [],
    ),
    (
        "launched by a Ground Truth labeling job",
        [job("j", LabelingJobArn="arn:aws:sagemaker:us-east-1:123456789012:labeling-job/l")],
        [],
    ),
    ("warm pool kept 0 s is no warm pool", [job("j", resources={"KeepAlivePeriodInSeconds": 0})], ["j"]),
]


@pytest.mark.parametrize(
    ("resources", "reason"),
    [
        ({"InstancePreferences": [{"InstanceType": "ml.p3.2xlarge"}]}, "mutually exclusive with managed Spot"),
        ({"TrainingPlanArn": "arn:aws:sagemaker:us-east-1:123456789012:training-plan/p"}, "prepaid"),
    ],
)
def test_the_reason_spot_cannot_run_names_the_setting(resources, reason):
    assert reason in st.spot_blocker({"ResourceConfig": resources})


def test_a_tuning_job_whose_definition_uses_a_training_plan_is_not_eligible(ctx):
    plan = tuning("t", TrainingPlanArn="arn:aws:sagemaker:us-east-1:123456789012:training-plan/p")
    assert st.find_spot_eligible_jobs(ctx, [], [plan]) == []


@pytest.mark.parametrize(("case", "jobs", "flagged"), CASES, ids=[c[0] for c in CASES])
def test_which_training_jobs_are_spot_eligible(ctx, case, jobs, flagged):
    assert [f.name for f in st.find_spot_eligible_jobs(ctx, jobs, [])] == flagged


def test_cost_is_billable_seconds_times_instances_times_price(ctx):
    [finding] = st.find_spot_eligible_jobs(ctx, [job("j", training=7200, count=3)], [])
    cost = 7200 * 3 * P3 / 3600
    assert finding.evidence["on_demand_cost_usd"] == round(cost, 2)
    assert finding.est_monthly_cost_usd == round(cost, 2)  # 30-day lookback: the job's own cost
    assert (finding.instance_type, finding.instance_count) == ("ml.p3.2xlarge", 3)


def test_a_longer_lookback_spreads_the_cost_over_more_months(ctx):
    ctx.settings = ctx.settings.model_copy(update={"training_lookback_days": 90})
    [finding] = st.find_spot_eligible_jobs(ctx, [job("j", ended_days_ago=60)], [])
    assert finding.est_monthly_cost_usd == round(P3 * 30 / 90, 2)
    assert "30 / 90-day lookback" in finding.evidence["monthly_basis"]


def test_without_spot_history_the_default_discount_is_used(ctx):
    [finding] = st.find_spot_eligible_jobs(ctx, [job("j")], [])
    assert finding.evidence["spot_discount"] == 0.6
    assert finding.evidence["spot_discount_source"].startswith("default")
    assert finding.est_monthly_savings_usd == round(P3 * 0.6, 2)


def test_the_accounts_realised_spot_saving_is_the_median_over_its_spot_jobs(ctx):
    spot_jobs = [
        job("s1", spot=True, training=1000, billable=500),  # saved 50%
        job("s2", spot=True, training=1000, billable=300),  # saved 70%
        job("s3", spot=True, training=1000, billable=100),  # saved 90%
        job("s-old", spot=True, training=1000, billable=1000, ended_days_ago=45),  # outside
    ]
    [finding] = st.find_spot_eligible_jobs(ctx, [job("j"), *spot_jobs], [])
    assert finding.evidence["spot_discount"] == 0.7
    assert finding.evidence["spot_discount_source"].startswith("realised")
    assert "3 Spot job(s)" in finding.evidence["spot_discount_source"]
    assert finding.est_monthly_savings_usd == round(P3 * 0.7, 2)


@pytest.mark.parametrize(("checkpoint", "expected"), [(True, True), (False, False)])
def test_evidence_says_whether_the_job_checkpoints(ctx, checkpoint, expected):
    extra = {"CheckpointConfig": {"S3Uri": "s3://b/ckpt/"}} if checkpoint else {}
    [finding] = st.find_spot_eligible_jobs(ctx, [job("j", **extra)], [])
    assert finding.evidence["checkpointing"] is expected
    assert ("restarts from zero" in finding.evidence["checkpoint_note"]) is not expected


def test_an_unknown_instance_type_gives_a_null_cost_not_zero(ctx):
    [finding] = st.find_spot_eligible_jobs(ctx, [job("j", instance_type="ml.x9.mega")], [])
    assert finding.est_monthly_cost_usd is None
    assert finding.est_monthly_savings_usd is None
    assert "price unknown" in finding.evidence["price_note"]


def test_a_protected_job_is_reported_as_protected(ctx):
    tags = [{"Key": "sm-cost-bot:protect", "Value": "1"}]
    [finding] = st.find_spot_eligible_jobs(ctx, [job("j", Tags=tags)], [])
    assert finding.protected is True


def test_an_on_demand_tuning_job_is_one_finding_priced_from_its_training_jobs(ctx):
    runs = [job(f"t-{i}", TuningJobArn=TUNING_ARN.format("t"), training=1800) for i in range(4)]
    findings = st.find_spot_eligible_jobs(ctx, runs, [tuning("t")], {TUNING_ARN.format("t"): {"team": "ml"}})
    [finding] = findings
    assert (finding.name, finding.arn) == ("t", TUNING_ARN.format("t"))
    assert finding.est_monthly_cost_usd == round(4 * 1800 * P3 / 3600, 2)
    assert finding.evidence["training_jobs_priced"] == 4
    assert finding.tags == {"team": "ml"}


@pytest.mark.parametrize(
    ("tuning_job", "flagged"),
    [
        (tuning("t", spot=True), []),
        (tuning("t", KeepAlivePeriodInSeconds=300), []),
        (tuning("t", ended_days_ago=40), []),
        (tuning("t"), ["t"]),
    ],
    ids=["spot", "warm pool", "outside the window", "on demand"],
)
def test_which_tuning_jobs_are_spot_eligible(ctx, tuning_job, flagged):
    assert [f.name for f in st.find_spot_eligible_jobs(ctx, [], [tuning_job])] == flagged


def test_a_tuning_job_without_known_training_jobs_has_a_null_cost(ctx):
    [finding] = st.find_spot_eligible_jobs(ctx, [], [tuning("t")])
    assert finding.est_monthly_cost_usd is None
    assert "none of its training jobs" in finding.evidence["price_note"]
    assert finding.est_monthly_savings_usd is None


# --- the real scan path: moto over HTTP ---------------------------------------------------------


@pytest.fixture
def training_fleet(fleet, now):
    fleet.training_job("on-demand", ended=now - timedelta(days=2), instance_count=2, training_seconds=7200)
    fleet.training_job("on-demand-ckpt", ended=now - timedelta(days=5), checkpoint=True)
    fleet.training_job("spot-a", spot=True, billable_seconds=1200, ended=now - timedelta(days=3))
    fleet.training_job("spot-b", spot=True, billable_seconds=2400, ended=now - timedelta(days=4))
    fleet.training_job("warm-pool", keep_alive_seconds=600, ended=now - timedelta(days=1))
    fleet.training_job("too-old", ended=now - timedelta(days=45))
    fleet.tuning_job("hpo-on-demand", ended=now - timedelta(days=1), tags={"team": "ranking"})
    fleet.tuning_job("hpo-spot", spot=True, ended=now - timedelta(days=1))
    fleet.tuning_job("hpo-old", ended=now - timedelta(days=50))
    return fleet


def scan_training(factory, settings, now, regions=None):
    return run_scan(
        factory, settings, load_prices(), now,
        regions=regions, kinds=[FindingKind.SPOT_ELIGIBLE_TRAINING_JOB],
    )


def test_the_scan_flags_on_demand_jobs_with_the_accounts_realised_discount(
    training_fleet, client_factory, settings, now
):
    result = scan_training(client_factory, settings, now)
    assert result.errors == []
    by_name = {f.name: f for f in result.findings}
    assert sorted(by_name) == ["hpo-on-demand", "on-demand", "on-demand-ckpt"]
    realised = (1 - 1200 / 3600 + 1 - 2400 / 3600) / 2  # median of two = their mean
    on_demand = by_name["on-demand"]
    assert on_demand.evidence["spot_discount"] == round(realised, 3)
    assert on_demand.est_monthly_cost_usd == round(7200 * 2 * P3 / 3600, 2)
    assert on_demand.est_monthly_savings_usd == round(7200 * 2 * P3 / 3600 * realised, 2)
    assert (by_name["on-demand"].evidence["checkpointing"], by_name["on-demand-ckpt"].evidence["checkpointing"]) == (
        False, True,
    )
    assert by_name["hpo-on-demand"].tags == {"team": "ranking"}


def test_requests_stay_at_the_lower_bound(training_fleet, moto_server, client_factory, settings, now):
    recorder = MotoRecorder(moto_server)
    recorder.start()
    scan_training(client_factory, settings, now)
    recorded = recorder.stop()
    calls = Counter(r.operation for r in recorded)
    paged = {"Search", "ListHyperParameterTuningJobs"}
    assert [r.params["MaxResults"] for r in recorded if r.operation in paged] == [100, 100]
    # One Search page carries every job's Spot flag: no DescribeTrainingJob. Tuning jobs: one
    # list page, a Describe for each of the two that ended in the window, tags for the finding.
    assert calls == Counter(
        GetCallerIdentity=1, Search=1, ListHyperParameterTuningJobs=1,
        DescribeHyperParameterTuningJob=2, ListTags=1,
    )


def test_access_denied_on_search_is_a_scan_error(fleet, client_factory, settings, now):
    sagemaker = client_factory.client("sagemaker", "us-east-1")
    with Stubber(sagemaker) as stub:
        stub.add_client_error(
            "search", service_error_code="AccessDeniedException",
            service_message="not authorized to perform: sagemaker:Search", http_status_code=400,
        )
        result = scan_training(client_factory, settings, now)
    assert result.findings == []
    [error] = result.errors
    assert (error.region, error.operation, error.code, error.kind) == (
        "us-east-1", "Search", "AccessDeniedException", FindingKind.SPOT_ELIGIBLE_TRAINING_JOB,
    )


def test_search_stops_paging_once_jobs_are_older_than_the_window_allows(settings):
    import boto3

    sagemaker = boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    ctx = ScanContext(
        clients=lambda service: sagemaker, account_id="123456789012", region="us-east-1",
        settings=settings, prices=load_prices(), now=NOW,
    )
    cutoff = NOW - timedelta(days=58)
    newer, older = job("newer", ended_days_ago=1), job("older", ended_days_ago=70)
    with Stubber(sagemaker) as stub:
        stub.add_response(
            "search",
            {"Results": [{"TrainingJob": newer}, {"TrainingJob": older}], "NextToken": "more"},
        )
        jobs = st.get_training_jobs(ctx, cutoff)
        stub.assert_no_pending_responses()
    assert [j["TrainingJobName"] for j in jobs] == ["newer", "older"]
