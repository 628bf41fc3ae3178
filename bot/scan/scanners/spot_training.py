"""`spot-eligible-training-job`: training jobs (and hyperparameter tuning jobs) that completed in
the lookback (default 30 d) on demand although managed Spot could have run them — the guide's
"managed Spot training saves up to 90%".

Excluded: what Spot cannot run or would not save on, per the API model — warm pools
(`KeepAlivePeriodInSeconds > 0`), heterogeneous clusters (`InstanceGroups`), `InstancePreferences`
and `InstancePlacementConfig` (both documented as mutually exclusive with managed Spot), training
plans (`TrainingPlanArn`: prepaid capacity) and serverless jobs (`ServerlessJobConfig`: billed per
token). A tuning job's training jobs are judged as one finding for the tuning job, whose training
definition is where Spot is switched on; jobs launched by Autopilot (`AutoMLJobArn`) or a Ground
Truth labeling job (`LabelingJobArn`) are not advised on their own: those services pick the
instances and offer no Spot switch.

Money (monthly means monthly, `bot.scan.training_families`):
- on-demand cost of a job = BillableTimeInSeconds × Σ(instance count × training price) / 3600;
- a job that recurs (two or more runs of its family in the window: the same tuning job, pipeline
  step or base name) counts at its observed rate, cost × 30 / lookback days;
- a one-off job states its own run's cost and what Spot would have saved on that run, with
  `savings_basis` one-off: listed on its own line, never in the monthly headline;
- a tuning job's cost counts every billed child (Completed, Stopped/early-stopped, Failed);
- saving = that × the account-region's realised Spot saving (median of 1 − Billable/Training over
  its Spot jobs in the window) when it has any, else `SMBOT_SPOT_DISCOUNT`. The evidence names the
  source, and whether the job checkpoints (Spot without checkpoints restarts from zero).

Requests: no List carries the Spot flag. `Search(TrainingJob)` returns 100 full records (Spot
flag, billable seconds, resource config, checkpoint config, tags) a call, where List + Describe
costs one call per job: measured with moto's recorder on 300 jobs, ListTrainingJobs +
DescribeTrainingJob = 303 requests, Search = 1 (moto ignores MaxResults; AWS needs 3 pages).
Tuning jobs have no Search support in moto, so they are listed (100 a page) and only those that
ended in the window are described; tags are read only for tuning jobs that become findings.
"""

from __future__ import annotations

import logging
import statistics
from datetime import datetime, timedelta
from typing import Any

from bot.models import Finding, FindingKind, ResourceType, SavingsBasis
from bot.scan.instance_shapes import (
    capacity_hourly_usd,
    capacity_label,
    capacity_types,
    training_capacity,
)
from bot.scan.scanners.base import ScanContext, make_finding, tags_to_dict
from bot.scan.training_families import MIN_RUNS_TO_RECUR, is_billed_run, recurs, runs_per_family

log = logging.getLogger(__name__)

KIND = FindingKind.SPOT_ELIGIBLE_TRAINING_JOB
PERMISSIONS: list[str] = [
    "sagemaker:Search",
    "sagemaker:ListHyperParameterTuningJobs",
    "sagemaker:DescribeHyperParameterTuningJob",
    "sagemaker:ListTags",
]
PAGE_SIZE = 100
# A job that ended in the window started at most this long before it (SageMaker's cap on
# MaxRuntimeInSeconds), which bounds how far back the newest-first Search must page.
MAX_TRAINING_RUNTIME = timedelta(days=28)
DAYS_PER_MONTH = 30


# --- I/O: fetch, decide nothing ---------------------------------------------------------------


def get_training_jobs(ctx: ScanContext, created_after: datetime) -> list[dict[str, Any]]:
    """Training jobs newest first, 100 full records a call, until older than `created_after`.
    Every status: a tuning job's Stopped (early-stopped) and Failed children are billed too.
    (A date filter in the SearchExpression would be tighter on AWS, but moto treats GreaterThan
    as Equals and would return nothing.)"""
    pages = ctx.clients("sagemaker").get_paginator("search").paginate(
        Resource="TrainingJob",
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=PAGE_SIZE,
    )
    jobs: list[dict[str, Any]] = []
    for page in pages:
        records = [r["TrainingJob"] for r in page.get("Results", []) if "TrainingJob" in r]
        jobs.extend(records)
        if records and records[-1]["CreationTime"] < created_after:
            break
    return jobs


def training_window_start(ctx: ScanContext) -> datetime:
    """How far back training jobs are listed: the lookback, plus the longest a job can run."""
    return ctx.now - timedelta(days=ctx.settings.training_lookback_days) - MAX_TRAINING_RUNTIME


def get_shared_training_jobs(ctx: ScanContext) -> list[dict[str, Any]]:
    """The training-job records, searched once per account-region for every scanner that reads
    them (Spot advice, idle warm pools)."""
    return ctx.shared.once("training-jobs", lambda: get_training_jobs(ctx, training_window_start(ctx)))


def get_tuning_job_summaries(ctx: ScanContext, created_after: datetime) -> list[dict[str, Any]]:
    pages = ctx.clients("sagemaker").get_paginator("list_hyper_parameter_tuning_jobs").paginate(
        StatusEquals="Completed", CreationTimeAfter=created_after, MaxResults=PAGE_SIZE
    )
    return [s for page in pages for s in page.get("HyperParameterTuningJobSummaries", [])]


def get_tuning_jobs(ctx: ScanContext, names: list[str]) -> list[dict[str, Any]]:
    sm = ctx.clients("sagemaker")
    return [sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=n) for n in names]


def get_tags(ctx: ScanContext, arn: str) -> dict[str, str]:
    pages = ctx.clients("sagemaker").get_paginator("list_tags").paginate(ResourceArn=arn)
    return tags_to_dict([t for page in pages for t in page.get("Tags", [])])


# --- pure decisions -----------------------------------------------------------------------------


def ended_in_window(ended: datetime | None, now: datetime, lookback_days: int) -> bool:
    return ended is not None and now - timedelta(days=lookback_days) <= ended <= now


# Settings with which managed Spot cannot run or would save nothing, as the API model documents
# them (ResourceConfig, CreateTrainingJob): checked in this order, the first one found is the reason.
RESOURCE_BLOCKERS: tuple[tuple[str, str], ...] = (
    ("KeepAlivePeriodInSeconds", "warm pool (KeepAlivePeriodInSeconds > 0)"),
    ("InstanceGroups", "heterogeneous cluster (InstanceGroups)"),
    (
        "InstancePreferences",
        "instance preferences (InstancePreferences is mutually exclusive with managed Spot)",
    ),
    (
        "InstancePlacementConfig",
        "UltraServer placement (InstancePlacementConfig is mutually exclusive with managed Spot)",
    ),
    ("TrainingPlanArn", "training plan (TrainingPlanArn): its capacity is reserved and prepaid"),
)
# Jobs whose instances a parent service chooses. Tuning jobs are judged as their parent (the
# tuning job's training definition is where Spot is switched on); Autopilot and Ground Truth
# expose no Spot switch, so their jobs are never advised on their own.
PARENT_BLOCKERS: tuple[tuple[str, str], ...] = (
    ("AutoMLJobArn", "launched by a SageMaker Autopilot job (AutoMLJobArn), which picks its instances"),
    ("LabelingJobArn", "launched by a Ground Truth labeling job (LabelingJobArn), which picks its instances"),
)


def spot_blocker(definition: dict[str, Any]) -> str | None:
    """Why Spot cannot run this job or definition, or None when it can."""
    resources = definition.get("ResourceConfig") or {}
    for key, reason in RESOURCE_BLOCKERS:
        if resources.get(key):
            return reason
    if definition.get("ServerlessJobConfig"):
        return "serverless training job (ServerlessJobConfig): billed per token, not per instance"
    for key, reason in PARENT_BLOCKERS:
        if definition.get(key):
            return reason
    return None


def realised_spot_saving(jobs: list[dict[str, Any]]) -> tuple[float | None, int]:
    """Median of 1 − Billable/Training over Spot jobs that report both, and how many did."""
    ratios = [
        min(1.0, max(0.0, 1 - j["BillableTimeInSeconds"] / j["TrainingTimeInSeconds"]))
        for j in jobs
        if j.get("EnableManagedSpotTraining")
        and j.get("TrainingTimeInSeconds")
        and j.get("BillableTimeInSeconds") is not None
    ]
    return (statistics.median(ratios) if ratios else None), len(ratios)


def job_cost_usd(ctx: ScanContext, job: dict[str, Any]) -> float | None:
    capacities = training_capacity(job.get("ResourceConfig"))
    hourly = capacity_hourly_usd(ctx.prices, ctx.region, "training", capacities)
    billable = job.get("BillableTimeInSeconds")
    if hourly is None or billable is None:
        return None
    return billable * hourly / 3600


def _money_fields(
    ctx: ScanContext, cost_usd: float | None, discount: float, discount_evidence: dict[str, Any],
    one_off: bool = False,
) -> tuple[float | None, float | None, dict[str, Any]]:
    """A recurring family's runs at their observed monthly rate; a one-off run's own cost and
    what Spot would have saved on it (`savings_basis` one-off: never in the monthly total)."""
    lookback_days = ctx.settings.training_lookback_days
    scale = 1 if one_off else DAYS_PER_MONTH / lookback_days
    monthly = cost_usd * scale if cost_usd is not None else None
    evidence = {
        "on_demand_cost_usd": round(cost_usd, 2) if cost_usd is not None else None,
        "lookback_days": lookback_days,
        "monthly_basis": (
            "one-off: this run's on-demand cost and what Spot would have saved on it (not monthly)"
            if one_off
            else f"on-demand cost × {DAYS_PER_MONTH} / {lookback_days}-day lookback "
            "(recurring: two or more runs of this job in the window)"
        ),
        **discount_evidence,
    }
    if cost_usd is None:
        evidence["price_note"] = "price unknown (instance type or billable time not known)"
    savings = round(monthly * discount, 2) if monthly is not None else None
    return (round(monthly, 2) if monthly is not None else None), savings, evidence


def _checkpoint_evidence(definition: dict[str, Any]) -> dict[str, Any]:
    has_checkpoints = bool((definition.get("CheckpointConfig") or {}).get("S3Uri"))
    return {
        "checkpointing": has_checkpoints,
        "checkpoint_note": (
            "checkpoints to S3: an interrupted Spot job resumes from its last checkpoint"
            if has_checkpoints
            else "no CheckpointConfig: an interrupted Spot job restarts from zero; add "
            "checkpointing before switching"
        ),
    }


def on_demand_tuning_jobs(
    tuning_jobs: list[dict[str, Any]], now: datetime, lookback_days: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(tuning job, its first on-demand training definition) for tuning jobs that completed in
    the window with an on-demand definition and nothing Spot cannot run."""
    eligible = []
    for tuning in tuning_jobs:
        if tuning.get("HyperParameterTuningJobStatus") != "Completed" or not ended_in_window(
            tuning.get("HyperParameterTuningEndTime"), now, lookback_days
        ):
            continue
        definitions = [tuning["TrainingJobDefinition"]] if tuning.get("TrainingJobDefinition") else []
        definitions += tuning.get("TrainingJobDefinitions") or []
        on_demand = [d for d in definitions if not d.get("EnableManagedSpotTraining")]
        if on_demand and all(_eligible(d, tuning["HyperParameterTuningJobName"]) for d in on_demand):
            eligible.append((tuning, on_demand[0]))
    return eligible


def find_spot_eligible_jobs(
    ctx: ScanContext,
    training_jobs: list[dict[str, Any]],
    tuning_jobs: list[dict[str, Any]],
    tuning_tags: dict[str, dict[str, str]] | None = None,
) -> list[Finding]:
    """Pure: reads only ctx's data (now, settings, prices, identity), never its clients."""
    lookback_days = ctx.settings.training_lookback_days
    recent = [
        j
        for j in training_jobs
        if j.get("TrainingJobStatus") == "Completed"
        and ended_in_window(j.get("TrainingEndTime"), ctx.now, lookback_days)
    ]
    realised, sampled = realised_spot_saving(recent)
    discount = realised if realised is not None else ctx.settings.spot_discount
    discount_evidence = {
        "spot_discount": round(discount, 3),
        "spot_discount_source": (
            f"realised: median of 1 − billable/training time over {sampled} Spot job(s) in this "
            f"account-region in the last {lookback_days} d"
            if realised is not None
            else "default (SMBOT_SPOT_DISCOUNT): no Spot jobs in the window to learn from"
        ),
    }
    billed = [
        j for j in training_jobs
        if is_billed_run(j) and ended_in_window(j.get("TrainingEndTime"), ctx.now, lookback_days)
    ]
    runs = runs_per_family(billed)
    findings = []
    for job in recent:
        if job.get("TuningJobArn") or job.get("EnableManagedSpotTraining"):
            continue
        if not _eligible(job, job["TrainingJobName"]):
            continue
        billable = job.get("BillableTimeInSeconds")
        cost = job_cost_usd(ctx, job)
        hours = f"{billable / 3600:.1f} h" if billable is not None else "an unknown time"
        cost_words = f"${cost:,.2f}" if cost is not None else "an unknown cost"
        findings.append(
            _finding(
                ctx, job["TrainingJobName"], job["TrainingJobArn"], job, cost, discount,
                discount_evidence, tags_to_dict(job.get("Tags")),
                reason=f"Training job {job['TrainingJobName']} billed {hours} on {{capacity}} on "
                f"demand ({cost_words}); managed Spot would save about {discount:.0%}.",
                one_off=not recurs(job, runs),
                billable_seconds=billable,
                training_seconds=job.get("TrainingTimeInSeconds"),
                ended_at=job["TrainingEndTime"].isoformat(),
            )
        )
    runs_by_tuning_job: dict[str, list[dict[str, Any]]] = {}
    for job in billed:  # Completed, Stopped (early-stopped) and Failed children all bill
        if job.get("TuningJobArn"):
            runs_by_tuning_job.setdefault(job["TuningJobArn"], []).append(job)
    for tuning, definition in on_demand_tuning_jobs(tuning_jobs, ctx.now, lookback_days):
        name, arn = tuning["HyperParameterTuningJobName"], tuning["HyperParameterTuningJobArn"]
        runs = runs_by_tuning_job.get(arn, [])
        costs = [job_cost_usd(ctx, run) for run in runs]
        cost = sum(c for c in costs if c is not None) if runs and None not in costs else None
        unpriced = {"price_note": "price unknown: none of its training jobs is in the window"}
        findings.append(
            _finding(
                ctx, name, arn, definition, cost, discount, discount_evidence,
                (tuning_tags or {}).get(arn, {}),
                reason=f"Tuning job {name} ran its training jobs on demand on {{capacity}}; "
                f"enabling managed Spot in its training definition would save about {discount:.0%}.",
                source="hyperparameter tuning job",
                one_off=len(runs) < MIN_RUNS_TO_RECUR,
                training_jobs_priced=len(runs),
                training_jobs_completed=(tuning.get("TrainingJobStatusCounters") or {}).get(
                    "Completed"
                ),
                ended_at=tuning["HyperParameterTuningEndTime"].isoformat(),
                **({} if runs else unpriced),
            )
        )
    return findings


def _eligible(definition: dict[str, Any], name: str) -> bool:
    blocker = spot_blocker(definition)
    if blocker:
        log.debug("%s cannot use Spot: %s", name, blocker)
    return blocker is None


def _finding(
    ctx: ScanContext,
    name: str,
    arn: str,
    definition: dict[str, Any],
    cost_usd: float | None,
    discount: float,
    discount_evidence: dict[str, Any],
    tags: dict[str, str],
    reason: str,
    one_off: bool = False,
    **evidence: Any,
) -> Finding:
    """`definition` is a training job or a tuning job's training definition: both carry
    ResourceConfig (or, for tuning, a pool of InstanceConfigs) and CheckpointConfig."""
    pool = (definition.get("HyperParameterTuningResourceConfig") or {}).get("InstanceConfigs") or []
    capacities = training_capacity(definition.get("ResourceConfig")) or training_capacity(pool[0] if pool else {})
    monthly, savings, money = _money_fields(ctx, cost_usd, discount, discount_evidence, one_off)
    return make_finding(
        ctx,
        kind=KIND,
        resource_type=ResourceType.TRAINING_JOB,
        name=name,
        arn=arn,
        instance_type=capacity_types(capacities),
        instance_count=sum(c.count for c in capacities) or 1,
        est_monthly_cost_usd=monthly,
        est_monthly_savings_usd=savings,
        reason=reason.format(capacity=capacity_label(capacities) or "an unknown instance type"),
        savings_basis=SavingsBasis.ONE_OFF if one_off else SavingsBasis.MONTHLY,
        evidence={
            **money,
            **evidence,
            "hourly_usd": capacity_hourly_usd(ctx.prices, ctx.region, "training", capacities),
            **_checkpoint_evidence(definition),
        },
        tags=tags,
    )


def tuning_jobs_in_window(
    summaries: list[dict[str, Any]], now: datetime, lookback_days: int
) -> list[str]:
    return [
        s["HyperParameterTuningJobName"]
        for s in summaries
        if ended_in_window(s.get("HyperParameterTuningEndTime"), now, lookback_days)
    ]


def scan(ctx: ScanContext) -> list[Finding]:
    lookback_days = ctx.settings.training_lookback_days
    created_after = training_window_start(ctx)
    training_jobs = get_shared_training_jobs(ctx)
    summaries = get_tuning_job_summaries(ctx, created_after)
    tuning_jobs = get_tuning_jobs(ctx, tuning_jobs_in_window(summaries, ctx.now, lookback_days))
    # Describe carries no tags for tuning jobs: read them only for those that become findings.
    tags = {
        tuning["HyperParameterTuningJobArn"]: get_tags(ctx, tuning["HyperParameterTuningJobArn"])
        for tuning, _ in on_demand_tuning_jobs(tuning_jobs, ctx.now, lookback_days)
    }
    return find_spot_eligible_jobs(ctx, training_jobs, tuning_jobs, tags)
