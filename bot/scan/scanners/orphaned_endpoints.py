"""`orphaned-endpoint`: an idle endpoint whose endpoint configuration was deleted under it.

AWS allows DeleteEndpointConfig while an endpoint still uses the config; the endpoint keeps
running, and billing, until it is deleted. Without its config the other endpoint kinds cannot
tell what it runs, so they left it out; this kind reports it from what DescribeEndpoint/Search
still say: the variants' live instance counts (and the instance type where `InstancePools` name
it — otherwise the price is unknown, never $0). It is offered Delete, and the confirm dialog says
that no Restore is possible: the bot keeps a config to recreate from, and there is none.

Judged like `unused-endpoint` (no invocation over the lookback nor in the last 7 days) from the
same shared read: the config is read only for idle endpoints, so finding an orphan costs no
request beyond the DescribeEndpointConfig that answered "Could not find".
"""

from __future__ import annotations

from typing import Any

from bot.models import Finding, FindingKind
from bot.scan.pricing import HOURS_PER_MONTH
from bot.scan.scanners.base import ScanContext, age_in_words
from bot.scan.scanners.endpoint_capacity import (
    endpoint_age_hours,
    idle_candidates,
    instance_count,
    live_variants,
)
from bot.scan.scanners.endpoint_findings import endpoint_finding
from bot.scan.scanners.unused_endpoints import PERMISSIONS as ENDPOINT_PERMISSIONS
from bot.scan.scanners.unused_endpoints import EndpointUsage, shared_endpoint_usage, used_this_week

KIND = FindingKind.ORPHANED_ENDPOINT
PERMISSIONS: list[str] = list(ENDPOINT_PERMISSIONS)
NO_RESTORE = "Its endpoint configuration is gone: once deleted, it cannot be restored by the bot."


def orphan_variant(ctx: ScanContext, variant: dict[str, Any]) -> dict[str, Any]:
    """A variant as DescribeEndpoint gives it: instances live, and the type only in InstancePools."""
    pools = variant.get("InstancePools") or []
    if pools:
        priced = [
            (p.get("InstanceType"), int(p.get("CurrentInstanceCount") or 0),
             ctx.prices.hourly_usd(ctx.region, "hosting", p.get("InstanceType")))
            for p in pools
        ]
        count = sum(c for _, c, _ in priced)
        monthly = None if any(h is None for _, c, h in priced if c) else round(
            sum((h or 0.0) * c * HOURS_PER_MONTH for _, c, h in priced), 2
        )
        types = sorted({t for t, c, _ in priced if t and c})
    else:
        count, monthly, types = instance_count(variant), None, []
    return {
        "variant": variant["VariantName"],
        "instance_count": count,
        "instance_types": types,
        "monthly_usd": monthly if count else 0.0,
    }


def find_orphaned_endpoints(
    ctx: ScanContext, endpoints: list[dict[str, Any]], usage: EndpointUsage
) -> list[Finding]:
    """Pure: idle endpoints (no invocation over the lookback nor this week) whose config is gone."""
    lookback_hours = ctx.settings.endpoint_lookback_hours
    findings = []
    for endpoint in idle_candidates(endpoints, usage.invocations, ctx.now, lookback_hours):
        name = endpoint["EndpointName"]
        if endpoint.get("EndpointConfigName") not in usage.missing_configs:
            continue
        if used_this_week(name, usage, ctx.now, lookback_hours):
            continue
        variants = [orphan_variant(ctx, v) for v in live_variants(endpoint)]
        billable = [v for v in variants if v["instance_count"]]
        monthly = [v["monthly_usd"] for v in billable]
        cost = round(sum(monthly), 2) if billable and None not in monthly else None
        count = sum(v["instance_count"] for v in billable)
        types = sorted({t for v in billable for t in v["instance_types"]})
        age_hours = endpoint_age_hours(endpoint, ctx.now)
        evidence: dict[str, Any] = {
            "summary": f"endpoint config {endpoint.get('EndpointConfigName')} deleted; 0 invocations",
            "endpoint_config": endpoint.get("EndpointConfigName"),
            "endpoint_config_status": "deleted",
            "lookback_hours": lookback_hours,
            "endpoint_age": age_in_words(age_hours),
            "variants": variants,
            "restore": NO_RESTORE,
        }
        if cost is None:
            evidence["price_note"] = (
                "price unknown: with its config deleted, DescribeEndpoint names the instance type "
                "only for variants with InstancePools"
            )
        findings.append(
            endpoint_finding(
                ctx, KIND, endpoint, instance_types=types, instance_count=count, cost_usd=cost,
                savings_usd=cost,
                reason=(
                    f"Endpoint {name} keeps {count} instance{'s' if count != 1 else ''} running with "
                    f"its endpoint config {endpoint.get('EndpointConfigName')} deleted, and served "
                    f"0 invocations in the last {lookback_hours} h. {NO_RESTORE}"
                ),
                evidence=evidence,
            )
        )
    return findings


def scan(ctx: ScanContext) -> list[Finding]:
    usage = shared_endpoint_usage(ctx)
    return find_orphaned_endpoints(ctx, usage.idle, usage)
