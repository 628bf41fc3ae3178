"""`endpoint-without-autoscaling`: variants with 2 or more instances and no scalable target,
whose hourly traffic would have needed fewer instances most of the day.

Decided together with the other hosting kinds (`bot.scan.scanners.hosting_advice`): a variant gets one
recommendation, the largest saving; the others are listed in its evidence.
"""

from __future__ import annotations

from bot.models import Finding, FindingKind
from bot.scan.instance_specs import InstanceSpec, load_instance_specs
from bot.scan.scanners.base import ScanContext
from bot.scan.scanners.hosting_findings import hosting_findings
from bot.scan.scanners.hosting_fleet import PERMISSIONS, HostingFleet, get_hosting_fleet

KIND = FindingKind.ENDPOINT_WITHOUT_AUTOSCALING
__all__ = ["KIND", "PERMISSIONS", "find_endpoints_without_autoscaling", "scan"]


def find_endpoints_without_autoscaling(
    ctx: ScanContext, fleet: HostingFleet, specs: dict[str, InstanceSpec]
) -> list[Finding]:
    """Pure: reads only ctx's data (now, settings, prices, identity), never its clients."""
    return hosting_findings(ctx, KIND, fleet, specs)


def scan(ctx: ScanContext) -> list[Finding]:
    return find_endpoints_without_autoscaling(ctx, get_hosting_fleet(ctx), load_instance_specs())
