"""Hosting advice → findings, shared by the five hosting kinds (each reports its own kind).

Every hosting kind reads the same fleet and runs the same `advise`, because "one recommendation
per variant" can only be decided with all advisors' savings side by side.
"""

from __future__ import annotations

from bot.models import Finding, FindingKind, ResourceType
from bot.scan.instance_specs import InstanceSpec
from bot.scan.scanners.base import ScanContext, make_finding
from bot.scan.scanners.hosting_advice import Advice, advise
from bot.scan.scanners.hosting_fleet import HostingFleet


def _group_name(advice: Advice) -> str:
    image = (advice.variant.image or "image").rsplit("/", 1)[-1]
    return f"multi-model {image} on {advice.variant.instance_type}"


def finding_of(ctx: ScanContext, advice: Advice) -> Finding:
    v = advice.variant
    if advice.kind is FindingKind.MULTI_MODEL_CANDIDATE:
        # A group is no single resource: it is named for its image and type, and it is
        # protected when any member is (nobody should be nudged to move a protected model).
        protected = next((m.tags for m in advice.members if ctx.is_protected(m.tags)), {})
        return make_finding(
            ctx, kind=advice.kind, resource_type=ResourceType.ENDPOINT, name=_group_name(advice),
            arn=v.endpoint_arn, instance_type=v.instance_type,
            instance_count=sum(m.instance_count for m in advice.members),
            est_monthly_cost_usd=advice.cost_usd, est_monthly_savings_usd=advice.saving_usd,
            reason=advice.reason, evidence=advice.evidence, tags=protected,
        )
    return make_finding(
        ctx, kind=advice.kind, resource_type=ResourceType.ENDPOINT, name=v.endpoint,
        arn=v.endpoint_arn, instance_type=v.instance_type, instance_count=v.instance_count,
        est_monthly_cost_usd=advice.cost_usd, est_monthly_savings_usd=advice.saving_usd,
        reason=f"Endpoint {v.endpoint}: {advice.reason}", evidence=advice.evidence, tags=v.tags,
    )


def hosting_findings(
    ctx: ScanContext, kind: FindingKind, fleet: HostingFleet, specs: dict[str, InstanceSpec]
) -> list[Finding]:
    """Pure: the findings of `kind` among the fleet's recommendations, one per endpoint (an
    endpoint's variants share one resource key; the biggest saving speaks for it). Endpoints the
    advice could not judge are noted in `ctx.not_assessed` (data, not I/O; the fan-out keeps
    one note per endpoint whichever hosting kinds ran)."""
    advice = advise(fleet, specs, ctx.prices, ctx.region, ctx.settings)
    for name, reason in sorted(advice.not_assessed.items()):
        ctx.note_not_assessed(name, reason)
    by_name: dict[str, Finding] = {}
    for a in advice.recommendations:
        if a.kind is not kind:
            continue
        finding = finding_of(ctx, a)
        kept = by_name.get(finding.name)
        if kept is None or (finding.est_monthly_savings_usd or 0) > (kept.est_monthly_savings_usd or 0):
            by_name[finding.name] = finding
    return list(by_name.values())
