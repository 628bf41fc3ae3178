"""`unused-endpoint`: InService real-time endpoints that served no invocation over the lookback
(default 48 h) *nor in the last 7 days* while keeping instances running — the guide's "delete
endpoints that had zero invocations in the recent past". An endpoint idle for the lookback but
used within the week (a weekday endpoint seen on Monday morning) is `intermittent-endpoint`
instead, never offered for deletion.

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

from bot.aws.metrics import Series, hourly_variant_metric, list_variant_series, sum_variant_metric
from bot.aws.session import error_code
from bot.models import Finding, FindingKind, ResourceType
from bot.scan.pricing import HOURS_PER_MONTH
from bot.scan.scanners.base import ScanContext, age_in_words, make_finding, tags_to_dict
from bot.scan.weekly_traffic import WEEK_HOURS, WeeklyShape, weekly_shape, window_start

log = logging.getLogger(__name__)

KIND = FindingKind.UNUSED_ENDPOINT
PERMISSIONS: list[str] = [
    "sagemaker:Search",
    "sagemaker:DescribeEndpointConfig",
    "cloudwatch:ListMetrics",
    "cloudwatch:GetMetricData",
]
PAGE_SIZE = 100  # the API maximum; AWS's default for endpoints is 10
CONFIG_NOT_FOUND = "ValidationException"  # how SageMaker says "Could not find endpoint configuration"
CONFIG_READERS = 4


# --- I/O: fetch, decide nothing ---------------------------------------------------------------


def get_endpoints(ctx: ScanContext) -> list[dict[str, Any]]:
    """Full InService endpoint records, 100 a call, with variants and tags."""
    pages = ctx.clients("sagemaker").get_paginator("search").paginate(
        Resource="Endpoint",
        SearchExpression={
            "Filters": [{"Name": "EndpointStatus", "Operator": "Equals", "Value": "InService"}]
        },
        MaxResults=PAGE_SIZE,
    )
    return [r["Endpoint"] for page in pages for r in page.get("Results", []) if "Endpoint" in r]


def get_invocations(
    ctx: ScanContext, endpoint_names: list[str], start: datetime, end: datetime
) -> dict[Series, float]:
    """Invocations summed per listed series of these endpoints. A series ListMetrics does not
    list had no data for 14 days and is simply absent (its sum is 0)."""
    cloudwatch = ctx.clients("cloudwatch")
    names = set(endpoint_names)
    series = {s for s in list_variant_series(cloudwatch) if s[0] in names}
    return sum_variant_metric(cloudwatch, series, start, end)


def get_weekly_invocations(
    ctx: ScanContext, series: set[Series], end: datetime
) -> dict[Series, dict[datetime, float]]:
    """Hourly Invocations over the 7 days before `end`, for these (listed) series only."""
    if not series:
        return {}
    return hourly_variant_metric(ctx.clients("cloudwatch"), series, window_start(end), end)


def get_endpoint_configs(ctx: ScanContext, names: set[str]) -> dict[str, dict[str, Any]]:
    """Each distinct config once, a few at a time (botocore's adaptive retries slow the client
    down if SageMaker throttles). A config deleted under a running endpoint (AWS allows it) is
    reported as a partial error and left out: without it async endpoints cannot be told apart."""
    sm = ctx.clients("sagemaker")

    def read(name: str) -> tuple[str, dict[str, Any] | None, Exception | None]:
        try:
            return name, sm.describe_endpoint_config(EndpointConfigName=name), None
        except sm.exceptions.ClientError as exc:
            if error_code(exc) != CONFIG_NOT_FOUND:
                raise
            return name, None, exc

    with ThreadPoolExecutor(max_workers=CONFIG_READERS, thread_name_prefix="configs") as pool:
        results = list(pool.map(read, sorted(names)))
    configs: dict[str, dict[str, Any]] = {}
    for name, config, exc in results:
        if config is not None:
            configs[name] = config
        elif exc is not None:
            ctx.report_error("DescribeEndpointConfig", exc, KIND)
    return configs


# --- pure decisions -----------------------------------------------------------------------------


def live_variants(endpoint: dict[str, Any]) -> list[dict[str, Any]]:
    return list(endpoint.get("ProductionVariants") or []) + list(
        endpoint.get("ShadowProductionVariants") or []
    )


def instance_count(variant: dict[str, Any], config_variant: dict[str, Any] | None = None) -> int:
    """Running instances: CurrentInstanceCount, else Desired, else the config's initial count."""
    for key in ("CurrentInstanceCount", "DesiredInstanceCount"):
        if variant.get(key) is not None:
            return int(variant[key])
    if variant.get("CurrentServerlessConfig") or variant.get("DesiredServerlessConfig"):
        return 0
    return int((config_variant or {}).get("InitialInstanceCount") or 0)


def provisioned_concurrency(variant: dict[str, Any]) -> int:
    serverless = variant.get("CurrentServerlessConfig") or variant.get("DesiredServerlessConfig")
    return int((serverless or {}).get("ProvisionedConcurrency") or 0)


def is_billable(variant: dict[str, Any]) -> bool:
    """Instances running, or serverless capacity kept warm; plain serverless bills per request."""
    return instance_count(variant) > 0 or provisioned_concurrency(variant) > 0


def endpoint_age_hours(endpoint: dict[str, Any], now: datetime) -> float:
    return (now - endpoint["CreationTime"]).total_seconds() / 3600


def total_invocations(name: str, invocations: dict[Series, float]) -> float:
    """Every series of the endpoint counts, including variants since replaced by an update."""
    return sum(value for (endpoint, _), value in invocations.items() if endpoint == name)


def idle_candidates(
    endpoints: list[dict[str, Any]],
    invocations: dict[Series, float],
    now: datetime,
    lookback_hours: float,
) -> list[dict[str, Any]]:
    """InService, older than the lookback, 0 invocations, and something billing by the hour."""
    return [
        e
        for e in endpoints
        if e.get("EndpointStatus") == "InService"
        and endpoint_age_hours(e, now) >= lookback_hours
        and total_invocations(e["EndpointName"], invocations) == 0
        and any(is_billable(v) for v in live_variants(e))
    ]


def _variant_evidence(
    ctx: ScanContext,
    variant: dict[str, Any],
    config_variant: dict[str, Any],
    invocations: dict[Series, float],
    endpoint_name: str,
) -> dict[str, Any]:
    count = instance_count(variant, config_variant)
    concurrency = provisioned_concurrency(variant)
    instance_type = config_variant.get("InstanceType") if count else None
    hourly = ctx.prices.hourly_usd(ctx.region, "hosting", instance_type) if count else None
    series = (endpoint_name, variant["VariantName"])
    return {
        "variant": variant["VariantName"],
        "instance_type": instance_type,
        "instance_count": count,
        "provisioned_concurrency": concurrency or None,
        "invocations": invocations.get(series, 0.0),
        "metric_series_listed": series in invocations,
        "hourly_usd": hourly,
        "monthly_usd": round(hourly * HOURS_PER_MONTH * count, 2) if hourly is not None else None,
        "billable": count > 0 or concurrency > 0,
    }


def _describe_capacity(variants: list[dict[str, Any]]) -> str:
    parts = []
    for v in variants:
        if v["instance_count"]:
            parts.append(f"{v['instance_count']} × {v['instance_type'] or 'unknown type'}")
        elif v["provisioned_concurrency"]:
            parts.append(f"provisioned concurrency {v['provisioned_concurrency']}")
    return " + ".join(parts)


def judgeable_config(
    endpoint: dict[str, Any], configs: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The endpoint's config when it can be judged by Invocations: readable and not async."""
    name = endpoint["EndpointName"]
    config = configs.get(endpoint.get("EndpointConfigName", ""))
    if config is None:
        log.debug("%s: endpoint config unreadable, not judged", name)
        return None
    if config.get("AsyncInferenceConfig"):
        log.info("%s is asynchronous: it publishes no Invocations, not judged", name)
        return None
    return config


@dataclass(frozen=True)
class PricedCapacity:
    """An endpoint's variants as evidence, and what its billable ones cost a month."""

    variants: list[dict[str, Any]]
    billable: list[dict[str, Any]]
    monthly_usd: float | None
    instance_types: list[str]

    @property
    def instance_count(self) -> int:
        return sum(v["instance_count"] for v in self.billable)

    def in_words(self) -> str:
        return _describe_capacity(self.billable)


def priced_capacity(
    ctx: ScanContext, endpoint: dict[str, Any], config: dict[str, Any], invocations: dict[Series, float]
) -> PricedCapacity:
    name = endpoint["EndpointName"]
    config_variants = {
        v["VariantName"]: v
        for v in (config.get("ProductionVariants") or [])
        + (config.get("ShadowProductionVariants") or [])
    }
    variants = [
        _variant_evidence(ctx, v, config_variants.get(v["VariantName"], {}), invocations, name)
        for v in live_variants(endpoint)
    ]
    billable = [v for v in variants if v["billable"]]
    monthly = [v["monthly_usd"] for v in billable]
    return PricedCapacity(
        variants=variants,
        billable=billable,
        monthly_usd=round(sum(monthly), 2) if None not in monthly else None,
        instance_types=sorted({v["instance_type"] for v in billable if v["instance_type"]}),
    )


def endpoint_evidence(
    ctx: ScanContext, endpoint: dict[str, Any], capacity: PricedCapacity, summary: str
) -> dict[str, Any]:
    lookback_hours = ctx.settings.endpoint_lookback_hours
    age_hours = endpoint_age_hours(endpoint, ctx.now)
    evidence: dict[str, Any] = {
        "summary": summary,
        "lookback_hours": lookback_hours,
        "invocations_by_variant": {v["variant"]: v["invocations"] for v in capacity.variants},
        "endpoint_age": age_in_words(age_hours),
        "endpoint_age_hours": round(age_hours, 1),
        "created_at": endpoint["CreationTime"].isoformat(),
        "endpoint_config": endpoint.get("EndpointConfigName"),
        "variants": capacity.variants,
        "monthly_cost_basis": f"hosting price × {HOURS_PER_MONTH} h × instances, per variant",
    }
    if capacity.monthly_usd is None:
        evidence["price_note"] = (
            "price unknown for a billable variant (instance type not in the price table, or "
            "serverless provisioned concurrency, which is billed per GB-second)"
        )
    return evidence


def find_unused_endpoints(
    ctx: ScanContext,
    endpoints: list[dict[str, Any]],
    invocations: dict[Series, float],
    configs: dict[str, dict[str, Any]],
    weekly: dict[Series, dict[datetime, float]] | None = None,
) -> list[Finding]:
    """Pure: reads only ctx's data (now, settings, prices, identity), never its clients.

    `weekly` holds the hourly Invocations of the last 7 days for the listed series of idle
    endpoints; an endpoint with any traffic there is intermittent, not unused.
    """
    lookback_hours = ctx.settings.endpoint_lookback_hours
    usage = EndpointUsage(idle=[], invocations=invocations, configs=configs, weekly=weekly or {})
    findings = []
    for endpoint in idle_candidates(endpoints, invocations, ctx.now, lookback_hours):
        name = endpoint["EndpointName"]
        config = judgeable_config(endpoint, configs)
        if config is None or used_this_week(name, usage, ctx.now, lookback_hours):
            continue
        capacity = priced_capacity(ctx, endpoint, config, invocations)
        summary = f"0 invocations in {lookback_hours} h"
        if lookback_hours < WEEK_HOURS:
            summary += " and none in the last 7 days"
        findings.append(
            make_finding(
                ctx,
                kind=KIND,
                resource_type=ResourceType.ENDPOINT,
                name=name,
                arn=endpoint["EndpointArn"],
                instance_type=", ".join(capacity.instance_types) or None,
                instance_count=capacity.instance_count,
                est_monthly_cost_usd=capacity.monthly_usd,
                est_monthly_savings_usd=capacity.monthly_usd,
                reason=(
                    f"Endpoint {name} served 0 invocations in the last {lookback_hours} h "
                    f"{'and the last 7 days ' if lookback_hours < WEEK_HOURS else ''}"
                    f"but keeps {capacity.in_words()} running."
                ),
                evidence=endpoint_evidence(ctx, endpoint, capacity, summary),
                tags=tags_to_dict(endpoint.get("Tags")),
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
    invocations = get_invocations(ctx, [e["EndpointName"] for e in old_enough], start, ctx.now)
    idle = idle_candidates(old_enough, invocations, ctx.now, lookback_hours)
    idle_names = {e["EndpointName"] for e in idle}
    weekly: dict[Series, dict[datetime, float]] = {}
    if lookback_hours < WEEK_HOURS:
        # ListMetrics listed only series with data in 14 days: an idle endpoint none of whose
        # series is listed had no traffic this week either, and costs no query.
        weekly = get_weekly_invocations(ctx, {s for s in invocations if s[0] in idle_names}, ctx.now)
    configs = get_endpoint_configs(ctx, {e["EndpointConfigName"] for e in idle})
    return EndpointUsage(idle=idle, invocations=invocations, configs=configs, weekly=weekly)


def shared_endpoint_usage(ctx: ScanContext) -> EndpointUsage:
    return ctx.shared.once("endpoint-usage", lambda: read_endpoint_usage(ctx))


def scan(ctx: ScanContext) -> list[Finding]:
    usage = shared_endpoint_usage(ctx)
    return find_unused_endpoints(ctx, usage.idle, usage.invocations, usage.configs, usage.weekly)
