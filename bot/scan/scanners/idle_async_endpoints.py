"""`idle-async-endpoint`: an asynchronous endpoint keeping instances running that processed
nothing over the lookback, with an empty queue.

Async endpoints publish no `Invocations` (AWS: "any metric not listed is not published if the
endpoint is enabled for asynchronous inference"), so `unused-endpoint` leaves them out. They have
their own metrics in `AWS/SageMaker`: `InvocationsProcessed` (dimensions EndpointName +
VariantName, statistic Sum) and `ApproximateBacklogSize` (dimension EndpointName alone, a gauge
whose statistics are Average/Max/Min: its Maximum is read). Checked against AWS's "Monitor
asynchronous endpoint" page (SageMaker developer guide, async-inference-monitor), which lists
these as the exhaustive set published for async endpoints. An async endpoint can
scale to zero instances — requests wait in its queue until autoscaling starts one — so one that
processed nothing and has nothing queued pays for idle instances: the advice is an autoscaling
policy with MinCapacity 0. Offered Snooze only: the fix is a setting, not a delete.

Requests: nothing of its own until the shared endpoint read has found idle async endpoints (their
configs are read anyway); then one GetMetricData batch for their processed counts and backlogs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.aws.metrics import Series, endpoint_series, peak_variant_metric, sum_variant_metric
from bot.models import Finding, FindingKind
from bot.scan.scanners.base import ScanContext
from bot.scan.scanners.endpoint_capacity import (
    endpoint_age_hours,
    endpoint_evidence,
    is_billable,
    live_variants,
    priced_capacity,
)
from bot.scan.scanners.endpoint_findings import capacity_finding
from bot.scan.scanners.unused_endpoints import PERMISSIONS as ENDPOINT_PERMISSIONS
from bot.scan.scanners.unused_endpoints import shared_endpoint_usage

KIND = FindingKind.IDLE_ASYNC_ENDPOINT
PERMISSIONS: list[str] = list(ENDPOINT_PERMISSIONS)
PROCESSED = "InvocationsProcessed"
BACKLOG = "ApproximateBacklogSize"
ADVICE = (
    "Register it with Application Auto Scaling with MinCapacity 0 (a target-tracking policy on "
    "ApproximateBacklogSizePerInstance, and a step policy on HasBacklogWithoutCapacity to start "
    "from zero): requests wait in the queue until an instance starts."
)


def async_candidates(
    endpoints: list[dict[str, Any]], configs: dict[str, dict[str, Any]], now: datetime, lookback_hours: float
) -> list[dict[str, Any]]:
    """Endpoints whose config is asynchronous, older than the lookback, with instances running."""
    return [
        e
        for e in endpoints
        if (configs.get(e.get("EndpointConfigName", "")) or {}).get("AsyncInferenceConfig")
        and endpoint_age_hours(e, now) >= lookback_hours
        and any(is_billable(v) for v in live_variants(e))
    ]


def get_async_activity(
    ctx: ScanContext, endpoints: list[dict[str, Any]], start: datetime, end: datetime
) -> tuple[dict[Series, float], dict[Series, float]]:
    """(InvocationsProcessed summed per variant, ApproximateBacklogSize's peak per endpoint):
    one batch each."""
    cloudwatch = ctx.clients("cloudwatch")
    variants = {(e["EndpointName"], v["VariantName"]) for e in endpoints for v in live_variants(e)}
    processed = sum_variant_metric(cloudwatch, variants, start, end, PROCESSED)
    backlog = peak_variant_metric(cloudwatch, {endpoint_series(e["EndpointName"]) for e in endpoints}, start, end, BACKLOG)
    return processed, backlog


def find_idle_async_endpoints(
    ctx: ScanContext,
    endpoints: list[dict[str, Any]],
    configs: dict[str, dict[str, Any]],
    processed: dict[Series, float],
    backlog: dict[Series, float],
) -> list[Finding]:
    """Pure: async endpoints with instances, nothing processed and nothing queued in the lookback."""
    lookback_hours = ctx.settings.endpoint_lookback_hours
    findings = []
    for endpoint in async_candidates(endpoints, configs, ctx.now, lookback_hours):
        name = endpoint["EndpointName"]
        done = sum(v for (ep, _), v in processed.items() if ep == name)
        queued = backlog.get(endpoint_series(name), 0.0)
        if done > 0 or queued > 0:
            continue
        config = configs[endpoint["EndpointConfigName"]]
        capacity = priced_capacity(ctx, endpoint, config, {})
        evidence = endpoint_evidence(
            ctx, endpoint, capacity, f"0 requests processed in {lookback_hours} h, empty queue"
        )
        evidence.pop("invocations_by_variant", None)  # async endpoints publish no Invocations
        evidence.update(
            invocations_processed=done,
            backlog_peak=queued,
            metrics=f"AWS/SageMaker {PROCESSED} Sum (EndpointName, VariantName), {BACKLOG} Maximum (EndpointName)",
            advice=ADVICE,
        )
        findings.append(
            capacity_finding(
                ctx, KIND, endpoint, capacity,
                reason=(
                    f"Asynchronous endpoint {name} processed 0 requests in the last "
                    f"{lookback_hours} h with an empty queue but keeps {capacity.in_words()} "
                    f"running. {ADVICE}"
                ),
                evidence=evidence,
            )
        )
    return findings


def scan(ctx: ScanContext) -> list[Finding]:
    usage = shared_endpoint_usage(ctx)
    lookback_hours = ctx.settings.endpoint_lookback_hours
    candidates = async_candidates(usage.idle, usage.configs, ctx.now, lookback_hours)
    if not candidates:
        return []
    start = ctx.now - timedelta(hours=lookback_hours)
    processed, backlog = get_async_activity(ctx, candidates, start, ctx.now)
    return find_idle_async_endpoints(ctx, candidates, usage.configs, processed, backlog)
