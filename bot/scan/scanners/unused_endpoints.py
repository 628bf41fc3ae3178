"""`unused-endpoint`: InService real-time endpoints that served no invocation over the lookback
(default 48 h) *nor in the last 7 days* while keeping instances running — the guide's "delete
endpoints that had zero invocations in the recent past". An endpoint idle for the lookback but
used within the week (a weekday endpoint seen on Monday morning) is `intermittent-endpoint`
instead, never offered for deletion.

Inference-component endpoints (variants without ModelName) publish `Invocations` per component:
they are judged by the sum over their components (ListInferenceComponents by endpoint), unused
only when every component served nothing; when the components cannot be listed the endpoint is
not judged and the scan's errors say why.

Not flagged: endpoints younger than the lookback (no full window of evidence); variants scaled to
0 instances; serverless variants without provisioned concurrency (billed per request, free when
idle); asynchronous endpoints, which publish no `Invocations` at all — the metric's absence says
nothing about their use, so they are left out (logged at debug level), never called unused.

Request plan per account-region, growing with findings rather than with endpoints:
  Search(Endpoint) pages      ⌈endpoints/100⌉ — status, age, variants' live instance counts, tags
  ListMetrics pages           which (endpoint, variant) Invocations series had data in 14 days
  GetMetricData               ⌈listed series/500⌉ — sums only for series that exist
  GetMetricData (hourly, 7 d) ⌈listed series of idle endpoints/500⌉ — the weekly shape, only for
                              endpoints idle in the lookback whose series had data in 14 days
  DescribeEndpointConfig      one per distinct config of an idle endpoint (instance type, async)
  ListInferenceComponents     one per idle inference-component endpoint, then one more
                              GetMetricData batch for the listed series of its components
Measured with moto's recorder (`benchmarks/scan_bench.py --compare-read-paths`, 300 endpoints,
150 idle; the metric reads are common to all paths and left out): ListEndpoints pages +
DescribeEndpoint + DescribeEndpointConfig + ListTags per idle endpoint = 453 requests; the tagging
API's GetResources instead of ListTags still needs DescribeEndpoint for the variants = 304; Search +
DescribeEndpointConfig per idle endpoint = 151 (moto answers Search in one page; AWS needs 3).
Search is the cheapest correct path: its records carry variants and tags, which no List does.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.aws.inference_components import hosts_inference_components, list_components
from bot.aws.metrics import (
    Series,
    component_series,
    hourly_variant_metric,
    list_invocation_series,
    sum_variant_metric,
)
from bot.aws.session import error_code
from bot.models import Finding, FindingKind
from bot.scan.scanners.base import ScanContext
from bot.scan.scanners.endpoint_capacity import (
    component_evidence,
    endpoint_age_hours,
    endpoint_evidence,
    idle_candidates,
    judgeable_config,
    priced_capacity,
)
from bot.scan.scanners.endpoint_findings import capacity_finding
from bot.scan.scanners.endpoint_reads import shared_endpoint_config, shared_endpoints
from bot.scan.weekly_traffic import WEEK_HOURS, WeeklyShape, weekly_shape, window_start

log = logging.getLogger(__name__)

KIND = FindingKind.UNUSED_ENDPOINT
PERMISSIONS: list[str] = [
    "sagemaker:Search",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:ListInferenceComponents",
    "cloudwatch:ListMetrics",
    "cloudwatch:GetMetricData",
]
CONFIG_NOT_FOUND = "ValidationException"  # how SageMaker says "Could not find endpoint configuration"
CONFIG_READERS = 4


# --- I/O: fetch, decide nothing ---------------------------------------------------------------


def get_endpoints(ctx: ScanContext) -> list[dict[str, Any]]:
    """Full InService endpoint records, 100 a call, with variants and tags (one Search per
    account-region, shared with the hosting kinds)."""
    return shared_endpoints(ctx)


def get_invocations(
    ctx: ScanContext, endpoint_names: list[str], start: datetime, end: datetime
) -> tuple[dict[Series, float], set[str]]:
    """Invocations summed per listed series of these endpoints, and the names of inference
    components with data. A series ListMetrics does not list had no data for 14 days and is
    simply absent (its sum is 0)."""
    cloudwatch = ctx.clients("cloudwatch")
    names = set(endpoint_names)
    listed, components = list_invocation_series(cloudwatch)
    series = {s for s in listed if s[0] in names}
    return sum_variant_metric(cloudwatch, series, start, end), components


def get_components(ctx: ScanContext, endpoint_names: list[str]) -> dict[str, list[str]]:
    """Components per inference-component endpoint; one that cannot be listed is left out (and
    so not judged) with a partial error saying why."""
    sm = ctx.clients("sagemaker")
    components: dict[str, list[str]] = {}
    for name in sorted(endpoint_names):
        try:
            components[name] = list_components(sm, name)
        except Exception as exc:
            ctx.report_error("ListInferenceComponents", exc, KIND)
            log.info("%s hosts inference components that could not be listed: not judged", name)
    return components


def get_weekly_invocations(
    ctx: ScanContext, series: set[Series], end: datetime
) -> dict[Series, dict[datetime, float]]:
    """Hourly Invocations over the 7 days before `end`, for these (listed) series only."""
    if not series:
        return {}
    return hourly_variant_metric(ctx.clients("cloudwatch"), series, window_start(end), end)


def get_endpoint_configs(ctx: ScanContext, names: set[str]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Each distinct config once, a few at a time (botocore's adaptive retries slow the client
    down if SageMaker throttles), and the names of configs deleted under a running endpoint (AWS
    allows it): those endpoints are `orphaned-endpoint`, never judged by the other kinds."""
    sm = ctx.clients("sagemaker")

    def read(name: str) -> tuple[str, dict[str, Any] | None, Exception | None]:
        try:
            return name, shared_endpoint_config(ctx, name), None
        except sm.exceptions.ClientError as exc:
            if error_code(exc) != CONFIG_NOT_FOUND:
                raise
            return name, None, exc

    with ThreadPoolExecutor(max_workers=CONFIG_READERS, thread_name_prefix="configs") as pool:
        results = list(pool.map(read, sorted(names)))
    configs = {name: config for name, config, _ in results if config is not None}
    missing = {name for name, config, exc in results if config is None and exc is not None}
    return configs, missing


# --- pure decisions (the shared rules are in endpoint_capacity) --------------------------------


def find_unused_endpoints(
    ctx: ScanContext,
    endpoints: list[dict[str, Any]],
    invocations: dict[Series, float],
    configs: dict[str, dict[str, Any]],
    weekly: dict[Series, dict[datetime, float]] | None = None,
    components: dict[str, list[str]] | None = None,
) -> list[Finding]:
    """Pure: reads only ctx's data (now, settings, prices, identity), never its clients.

    `weekly` holds the hourly Invocations of the last 7 days for the listed series of idle
    endpoints; an endpoint with any traffic there is intermittent, not unused. `components`
    lists the inference components of the endpoints that host them (their series are in
    `invocations` and `weekly` under `component_series` keys).
    """
    lookback_hours = ctx.settings.endpoint_lookback_hours
    usage = EndpointUsage(idle=[], invocations=invocations, configs=configs, weekly=weekly or {})
    findings = []
    for endpoint in idle_candidates(endpoints, invocations, ctx.now, lookback_hours):
        name = endpoint["EndpointName"]
        config = judgeable_config(endpoint, configs, components)
        if config is None or used_this_week(name, usage, ctx.now, lookback_hours):
            continue
        capacity = priced_capacity(ctx, endpoint, config, invocations)
        summary = f"0 invocations in {lookback_hours} h"
        if lookback_hours < WEEK_HOURS:
            summary += " and none in the last 7 days"
        findings.append(
            capacity_finding(
                ctx, KIND, endpoint, capacity,
                reason=(
                    f"Endpoint {name} served 0 invocations in the last {lookback_hours} h "
                    f"{'and the last 7 days ' if lookback_hours < WEEK_HOURS else ''}"
                    f"but keeps {capacity.in_words()} running."
                ),
                evidence=endpoint_evidence(ctx, endpoint, capacity, summary)
                | component_evidence(name, invocations, components),
            )
        )
    return findings


@dataclass
class EndpointUsage:
    """What the endpoint kinds judge, read once per account-region (ScanContext.shared)."""

    idle: list[dict[str, Any]]  # idle over the lookback and billable
    invocations: dict[Series, float]  # lookback sums, listed series only
    configs: dict[str, dict[str, Any]]  # configs of the idle endpoints
    weekly: dict[Series, dict[datetime, float]] = field(default_factory=dict)  # hourly, 7 days
    components: dict[str, list[str]] = field(default_factory=dict)  # per inference-component endpoint
    missing_configs: set[str] = field(default_factory=set)  # deleted under a running endpoint


def weekly_shape_of(
    name: str, usage: EndpointUsage, now: datetime, lookback_hours: float
) -> WeeklyShape | None:
    """The endpoint's week, or None when the lookback already covers the week (nothing to add)."""
    if lookback_hours >= WEEK_HOURS:
        return None
    return weekly_shape([hours for (ep, _), hours in usage.weekly.items() if ep == name], now)


def used_this_week(name: str, usage: EndpointUsage, now: datetime, lookback_hours: float) -> bool:
    shape = weekly_shape_of(name, usage, now, lookback_hours)
    return shape is not None and shape.invoked


def read_endpoint_usage(ctx: ScanContext) -> EndpointUsage:
    lookback_hours = ctx.settings.endpoint_lookback_hours
    endpoints = get_endpoints(ctx)
    old_enough = [e for e in endpoints if endpoint_age_hours(e, ctx.now) >= lookback_hours]
    start = ctx.now - timedelta(hours=lookback_hours)
    invocations, listed_components = get_invocations(
        ctx, [e["EndpointName"] for e in old_enough], start, ctx.now
    )
    idle = idle_candidates(old_enough, invocations, ctx.now, lookback_hours)
    configs, missing_configs = get_endpoint_configs(ctx, {e["EndpointConfigName"] for e in idle})
    hosting = [
        e["EndpointName"] for e in idle if hosts_inference_components(configs.get(e["EndpointConfigName"]))
    ]
    components = get_components(ctx, hosting) if hosting else {}
    wanted = {component_series(ep, c) for ep, names in components.items() for c in names if c in listed_components}
    if wanted:
        invocations = invocations | sum_variant_metric(ctx.clients("cloudwatch"), wanted, start, ctx.now)
        idle = idle_candidates(idle, invocations, ctx.now, lookback_hours)
    idle_names = {e["EndpointName"] for e in idle}
    weekly: dict[Series, dict[datetime, float]] = {}
    if lookback_hours < WEEK_HOURS:
        # ListMetrics listed only series with data in 14 days: an idle endpoint none of whose
        # series is listed had no traffic this week either, and costs no query.
        weekly = get_weekly_invocations(ctx, {s for s in invocations if s[0] in idle_names}, ctx.now)
    return EndpointUsage(
        idle=idle, invocations=invocations, configs=configs, weekly=weekly, components=components,
        missing_configs=missing_configs,
    )


def shared_endpoint_usage(ctx: ScanContext) -> EndpointUsage:
    return ctx.shared.once("endpoint-usage", lambda: read_endpoint_usage(ctx))


def scan(ctx: ScanContext) -> list[Finding]:
    usage = shared_endpoint_usage(ctx)
    return find_unused_endpoints(
        ctx, usage.idle, usage.invocations, usage.configs, usage.weekly, usage.components
    )
