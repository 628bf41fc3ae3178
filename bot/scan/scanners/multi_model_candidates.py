"""`multi-model-candidate`: three or more lightly used single-model endpoints on one image and
instance type, consolidated onto one multi-model endpoint. No one-click action.

Decided together with the other hosting kinds (`bot.scan.scanners.hosting_advice`): a variant gets one
recommendation, the largest saving; the others are listed in its evidence.
"""

from __future__ import annotations

from bot.models import Finding, FindingKind
from bot.scan.instance_specs import InstanceSpec, load_instance_specs
from bot.scan.scanners.base import ScanContext
from bot.scan.scanners.hosting_findings import hosting_findings
from bot.scan.scanners.hosting_fleet import PERMISSIONS, HostingFleet, get_hosting_fleet

KIND = FindingKind.MULTI_MODEL_CANDIDATE
__all__ = ["KIND", "PERMISSIONS", "find_multi_model_candidates", "scan"]


def find_multi_model_candidates(
    ctx: ScanContext, fleet: HostingFleet, specs: dict[str, InstanceSpec]
) -> list[Finding]:
    """Pure: reads only ctx's data (now, settings, prices, identity), never its clients."""
    return hosting_findings(ctx, KIND, fleet, specs)


def scan(ctx: ScanContext) -> list[Finding]:
    return find_multi_model_candidates(ctx, get_hosting_fleet(ctx), load_instance_specs())
