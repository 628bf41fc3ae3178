"""What an endpoint runs and costs, and which endpoints are idle candidates: the pure rules the
endpoint kinds (`unused-endpoint`, `intermittent-endpoint`) share.

Instances come from DescribeEndpoint/Search variants (CurrentInstanceCount, else Desired, else
the config's InitialInstanceCount); serverless variants bill per request unless provisioned
concurrency is set; a month is 730 hours, as in AWS's own estimates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.aws.inference_components import hosts_inference_components
from bot.aws.metrics import Series, component_of
from bot.scan.pricing import HOURS_PER_MONTH
from bot.scan.scanners.base import ScanContext, age_in_words

log = logging.getLogger(__name__)

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
    endpoint: dict[str, Any],
    configs: dict[str, dict[str, Any]],
    components: dict[str, list[str]] | None = None,
) -> dict[str, Any] | None:
    """The endpoint's config when it can be judged by Invocations: readable, not async, and
    for an inference-component endpoint, its components listed."""
    name = endpoint["EndpointName"]
    config = configs.get(endpoint.get("EndpointConfigName", ""))
    if config is None:
        log.debug("%s: endpoint config unreadable, not judged", name)
        return None
    if config.get("AsyncInferenceConfig"):
        log.info("%s is asynchronous: it publishes no Invocations, not judged", name)
        return None
    if hosts_inference_components(config) and name not in (components or {}):
        log.info("%s: inference components unknown, not judged", name)
        return None
    return config


def component_evidence(
    name: str, invocations: dict[Series, float], components: dict[str, list[str]] | None
) -> dict[str, Any]:
    """For an inference-component endpoint: each component's invocations over the lookback."""
    if name not in (components or {}):
        return {}
    listed = {component_of(s): v for s, v in invocations.items() if s[0] == name and component_of(s)}
    return {
        "judged_by": "Invocations per inference component (dimension InferenceComponentName)",
        "inference_components": {c: listed.get(c, 0.0) for c in (components or {})[name]},
    }


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
