"""The one shape of an endpoint finding, shared by the endpoint kinds (unused, intermittent,
orphaned, idle async): resource type, name and ARN from the endpoint record, instance types and
count from what bills, tags from the record (Search returns them), so a change to how an endpoint
is reported is made once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.models import Finding, FindingKind, ResourceType
from bot.scan.scanners.base import ScanContext, make_finding, tags_to_dict
from bot.scan.scanners.endpoint_capacity import PricedCapacity


def endpoint_finding(
    ctx: ScanContext,
    kind: FindingKind,
    endpoint: dict[str, Any],
    *,
    instance_types: Iterable[str],
    instance_count: int,
    cost_usd: float | None,
    savings_usd: float | None,
    reason: str,
    evidence: dict[str, Any],
) -> Finding:
    return make_finding(
        ctx,
        kind=kind,
        resource_type=ResourceType.ENDPOINT,
        name=endpoint["EndpointName"],
        arn=endpoint["EndpointArn"],
        instance_type=", ".join(instance_types) or None,
        instance_count=instance_count,
        est_monthly_cost_usd=cost_usd,
        est_monthly_savings_usd=savings_usd,
        reason=reason,
        evidence=evidence,
        tags=tags_to_dict(endpoint.get("Tags")),
    )


def capacity_finding(
    ctx: ScanContext,
    kind: FindingKind,
    endpoint: dict[str, Any],
    capacity: PricedCapacity,
    *,
    reason: str,
    evidence: dict[str, Any],
    savings_usd: float | None = None,
) -> Finding:
    """An endpoint finding priced from its billable variants; the saving is the whole cost
    unless the kind saves only part of it (an intermittent endpoint's idle hours)."""
    return endpoint_finding(
        ctx, kind, endpoint,
        instance_types=capacity.instance_types,
        instance_count=capacity.instance_count,
        cost_usd=capacity.monthly_usd,
        savings_usd=capacity.monthly_usd if savings_usd is None else savings_usd,
        reason=reason,
        evidence=evidence,
    )
