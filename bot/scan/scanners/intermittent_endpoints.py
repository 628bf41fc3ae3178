"""`intermittent-endpoint`: idle for the whole lookback, yet used within the last 7 days.

The typical one serves office hours: scanned on Monday morning it shows 0 invocations since
Saturday, and deleting it would break Monday's users. It is not unused, but it bills through every
idle night and weekend. The finding gives its weekly shape in words ("Mon–Fri 08–19 UTC, idle 67% of
hours"), the cost of its idle hours, and the advice: a schedule (delete at night and at weekends,
restore in the morning) or a serverless / asynchronous endpoint that scales to zero. It is never
offered Delete; Schedule and Snooze only.

Reads nothing of its own: it shares the endpoint reads of `unused_endpoints` (one Search, one
ListMetrics, the lookback sums, the hourly week of idle endpoints only) through `ctx.shared`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.aws.metrics import Series
from bot.models import Finding, FindingKind
from bot.scan.scanners.base import ScanContext
from bot.scan.scanners.endpoint_capacity import (
    component_evidence,
    endpoint_evidence,
    idle_candidates,
    judgeable_config,
    priced_capacity,
)
from bot.scan.scanners.endpoint_findings import capacity_finding
from bot.scan.scanners.unused_endpoints import PERMISSIONS as ENDPOINT_PERMISSIONS
from bot.scan.scanners.unused_endpoints import EndpointUsage, shared_endpoint_usage, weekly_shape_of
from bot.scan.weekly_traffic import WEEKDAYS

KIND = FindingKind.INTERMITTENT_ENDPOINT
PERMISSIONS: list[str] = list(ENDPOINT_PERMISSIONS)
ADVICE = (
    "Schedule it: delete at night and at weekends, restore in the morning — or move it to a "
    "serverless or asynchronous endpoint that scales to zero."
)


def find_intermittent_endpoints(
    ctx: ScanContext,
    endpoints: list[dict[str, Any]],
    invocations: dict[Series, float],
    configs: dict[str, dict[str, Any]],
    weekly: dict[Series, dict[datetime, float]],
    components: dict[str, list[str]] | None = None,
) -> list[Finding]:
    """Pure: endpoints idle over the lookback with traffic in the last 7 days; the saving is
    the share of the month's cost that falls in idle hours."""
    lookback_hours = ctx.settings.endpoint_lookback_hours
    usage = EndpointUsage(idle=[], invocations=invocations, configs=configs, weekly=weekly)
    findings = []
    for endpoint in idle_candidates(endpoints, invocations, ctx.now, lookback_hours):
        name = endpoint["EndpointName"]
        config = judgeable_config(endpoint, configs, components)
        shape = weekly_shape_of(name, usage, ctx.now, lookback_hours)
        if config is None or shape is None or not shape.invoked:
            continue
        capacity = priced_capacity(ctx, endpoint, config, invocations)
        cost = capacity.monthly_usd
        idle_cost = round(cost * shape.idle_fraction, 2) if cost is not None else None
        evidence = endpoint_evidence(
            ctx, endpoint, capacity, f"0 invocations in {lookback_hours} h; used this week"
        )
        evidence.update(component_evidence(name, invocations, components))
        evidence.update(
            weekly_shape=shape.describe(),
            busy_days=[WEEKDAYS[d] for d in shape.days()],
            busy_hours_utc=shape.hours_of_day(),
            idle_hours_last_7_days=shape.idle_hours,
            idle_fraction=round(shape.idle_fraction, 3),
            saving_basis="monthly cost × share of idle hours in the last 7 days",
            advice=ADVICE,
        )
        findings.append(
            capacity_finding(
                ctx, KIND, endpoint, capacity, savings_usd=idle_cost,
                reason=(
                    f"Endpoint {name} served 0 invocations in the last {lookback_hours} h but was "
                    f"used this week ({shape.describe()}) and keeps {capacity.in_words()} running "
                    f"through idle hours. {ADVICE}"
                ),
                evidence=evidence,
            )
        )
    return findings


def scan(ctx: ScanContext) -> list[Finding]:
    usage = shared_endpoint_usage(ctx)
    return find_intermittent_endpoints(
        ctx, usage.idle, usage.invocations, usage.configs, usage.weekly, usage.components
    )
