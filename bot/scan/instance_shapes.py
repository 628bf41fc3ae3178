"""Every shape an instance type takes in SageMaker's answers, read into (type, count) pairs.

`InstanceType` is only the simplest case. A real-time variant may run `InstancePools` (several
types, DescribeEndpoint reporting each pool's `CurrentInstanceCount`) or scale itself through
`ManagedInstanceScaling` (its type is still the config variant's, its count DescribeEndpoint's); a training job may carry `InstancePreferences` and, once placed,
`SelectedInstanceType`/`SelectedInstanceCount`, or run a heterogeneous cluster of
`InstanceGroups`; a Studio app's `ResourceSpec.InstanceType` may be `system` or absent (the app
type's documented default). Pure functions over botocore-shaped dicts, so every scanner prices
the same shapes the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.scan.pricing import PriceTable

# Studio: an app created without an instance type runs on the app type's default. JupyterServer
# runs on `system`, which is free; the others default to ml.t3.medium (AWS Studio docs).
STUDIO_DEFAULT_INSTANCE_TYPES: dict[str, str | None] = {
    "JupyterServer": None,
    "JupyterLab": "ml.t3.medium",
    "CodeEditor": "ml.t3.medium",
    "KernelGateway": "ml.t3.medium",
}
FREE_STUDIO_INSTANCE = "system"


@dataclass(frozen=True)
class Capacity:
    """`count` instances of `instance_type` billing at once."""

    instance_type: str
    count: int

    def label(self) -> str:
        return f"{self.count} × {self.instance_type}"


def variant_capacity(summary: dict[str, Any], config_variant: dict[str, Any] | None, count: int) -> list[Capacity]:
    """What a live variant runs. `summary` is DescribeEndpoint's ProductionVariantSummary,
    `config_variant` the endpoint config's ProductionVariant, `count` its running instances.

    Pools report their running counts; a config that lists pools but whose summary has none is
    priced at its first-priority pool (the type SageMaker tries first).
    """
    pools = [p for p in summary.get("InstancePools") or [] if p.get("InstanceType")]
    if pools:
        return [
            Capacity(p["InstanceType"], int(p.get("CurrentInstanceCount") or 0))
            for p in pools
            if int(p.get("CurrentInstanceCount") or 0) > 0
        ]
    config_variant = config_variant or {}
    instance_type = config_variant.get("InstanceType")
    if not instance_type and config_variant.get("InstancePools"):
        first = min(config_variant["InstancePools"], key=lambda p: p.get("Priority", 0))
        instance_type = first.get("InstanceType")
    return [Capacity(instance_type, count)] if instance_type and count > 0 else []


def training_capacity(resources: dict[str, Any] | None) -> list[Capacity]:
    """What a training job (ResourceConfig) or processing job (ClusterConfig) ran on.

    InstanceGroups: every group; a selected instance (flexible capacity) wins over the
    preferences; with only preferences, the first (most preferred) one.
    """
    resources = resources or {}
    groups = resources.get("InstanceGroups") or []
    if groups:
        return [Capacity(g["InstanceType"], int(g.get("InstanceCount") or 1)) for g in groups if g.get("InstanceType")]
    if resources.get("SelectedInstanceType"):
        count = resources.get("SelectedInstanceCount") or resources.get("InstanceCount") or 1
        return [Capacity(resources["SelectedInstanceType"], int(count))]
    if resources.get("InstanceType"):
        return [Capacity(resources["InstanceType"], int(resources.get("InstanceCount") or 1))]
    preferences = [p for p in resources.get("InstancePreferences") or [] if p.get("InstanceType")]
    if preferences:
        return [Capacity(preferences[0]["InstanceType"], int(preferences[0].get("InstanceCount") or 1))]
    return []


def studio_instance_type(app_type: str | None, resource_spec: dict[str, Any] | None) -> str | None:
    """The billed instance type of a Studio app; None when it runs free (`system`)."""
    instance_type = (resource_spec or {}).get("InstanceType")
    if instance_type and instance_type != FREE_STUDIO_INSTANCE:
        return instance_type
    if instance_type == FREE_STUDIO_INSTANCE and app_type == "JupyterServer":
        return None
    return STUDIO_DEFAULT_INSTANCE_TYPES.get(app_type or "", None)


def capacity_label(capacities: Sequence[Capacity]) -> str:
    return " + ".join(c.label() for c in capacities)


def capacity_types(capacities: Sequence[Capacity]) -> str | None:
    """The finding's `instance_type`: one type, or the distinct types joined."""
    return ", ".join(sorted({c.instance_type for c in capacities})) or None


def capacity_hourly_usd(
    prices: PriceTable, region: str, component: str, capacities: Sequence[Capacity]
) -> float | None:
    """Price of all of it for an hour; None when any part is unpriced (never a partial sum)."""
    if not capacities:
        return None
    total = 0.0
    for capacity in capacities:
        hourly = prices.hourly_usd(region, component, capacity.instance_type)
        if hourly is None:
            return None
        total += hourly * capacity.count
    return total
