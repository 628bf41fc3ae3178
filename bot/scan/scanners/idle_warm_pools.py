"""`idle-warm-pool`: training jobs whose warm pool is retained and billed with no job reusing it.

A training job with `ResourceConfig.KeepAlivePeriodInSeconds` keeps its instances after it ends
(a "warm pool", up to 6 h) so the next matching job starts at once. While the pool waits,
`WarmPoolStatus.Status` is `Available` and the instances bill at the training rate
(`ResourceRetainedBillableTimeInSeconds` counts it); once a job picks it up `ReusedByJob` names
that job (AWS docs, "SageMaker AI Managed Warm Pools"; WarmPoolStatus in the API model). A pool
`Available` with no `ReusedByJob` is capacity nobody is using yet.

Money: what the pool still costs if left to expire, the remaining keep-alive time
(`KeepAlivePeriodInSeconds` − time since `TrainingEndTime`) × instance count × training price.
A single pool is a one-off cost (`SavingsBasis.ONE_OFF`): listed on its own line, never in the
monthly headline. The fix is `UpdateTrainingJob` with `KeepAlivePeriodInSeconds` 0, which ends
the pool; no button (it is a one-line change the job's owner may want to keep for the next run).

Requests: none of its own. The records come from the Search the Spot scanner makes
(`spot_training.get_shared_training_jobs`, once per account-region); the window it pages is
weeks long, and a pool lives at most 6 h after its job ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.models import Finding, FindingKind, ResourceType, SavingsBasis
from bot.scan.instance_shapes import (
    capacity_hourly_usd,
    capacity_label,
    capacity_types,
    training_capacity,
)
from bot.scan.scanners.base import ScanContext, age_in_words, make_finding, tags_to_dict
from bot.scan.scanners.idle_notebooks import iso
from bot.scan.scanners.spot_training import get_shared_training_jobs

KIND = FindingKind.IDLE_WARM_POOL
PERMISSIONS = ["sagemaker:Search"]


def remaining_keep_alive_seconds(job: dict[str, Any], now: datetime) -> float:
    """Seconds the pool still has to live; 0 when its keep-alive is over or unknown."""
    keep_alive = (job.get("ResourceConfig") or {}).get("KeepAlivePeriodInSeconds") or 0
    ended = job.get("TrainingEndTime")
    if not keep_alive or ended is None:
        return 0.0
    return max(0.0, keep_alive - (now - ended).total_seconds())


def is_idle_pool(job: dict[str, Any]) -> bool:
    status = job.get("WarmPoolStatus") or {}
    return status.get("Status") == "Available" and not status.get("ReusedByJob")


def find_idle_warm_pools(ctx: ScanContext, jobs: list[dict[str, Any]]) -> list[Finding]:
    """`jobs` are TrainingJob records (Search or DescribeTrainingJob shapes)."""
    findings = []
    for job in jobs:
        remaining = remaining_keep_alive_seconds(job, ctx.now)
        if not is_idle_pool(job) or remaining <= 0:
            continue
        capacities = training_capacity(job.get("ResourceConfig"))
        hourly = capacity_hourly_usd(ctx.prices, ctx.region, "training", capacities)
        cost = round(hourly * remaining / 3600, 2) if hourly is not None else None
        status = job["WarmPoolStatus"]
        evidence: dict[str, Any] = {
            "warm_pool_status": status["Status"],
            "keep_alive_seconds": job["ResourceConfig"]["KeepAlivePeriodInSeconds"],
            "training_ended": iso(job["TrainingEndTime"]),
            "remaining_keep_alive_seconds": int(remaining),
            "retained_billable_seconds": status.get("ResourceRetainedBillableTimeInSeconds"),
            "capacity": capacity_label(capacities),
            "fix": "UpdateTrainingJob with ResourceConfig.KeepAlivePeriodInSeconds=0 ends the pool",
        }
        if cost is None:
            evidence["price_missing"] = ctx.prices.missing_reason(ctx.region, capacity_types(capacities))
        findings.append(make_finding(
            ctx,
            kind=KIND,
            resource_type=ResourceType.TRAINING_JOB,
            name=job["TrainingJobName"],
            arn=job["TrainingJobArn"],
            instance_type=capacity_types(capacities),
            instance_count=sum(c.count for c in capacities) or 1,
            est_monthly_cost_usd=cost,
            est_monthly_savings_usd=cost,
            reason=(f"Warm pool kept for {age_in_words(remaining / 3600)} more with no job "
                    "reusing it: end it if no run is coming"),
            evidence=evidence,
            savings_basis=SavingsBasis.ONE_OFF,
            tags=tags_to_dict(job.get("Tags")),
        ))
    return findings


def scan(ctx: ScanContext) -> list[Finding]:
    return find_idle_warm_pools(ctx, get_shared_training_jobs(ctx))
