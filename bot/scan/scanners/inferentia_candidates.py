"""`inferentia-candidate`: GPU variants (g4dn, g5, p3) serving PyTorch or TensorFlow that an
AWS Inferentia2 type with enough accelerator memory would serve for 30% less or more.

Decided together with the other hosting kinds (`bot.scan.scanners.hosting_advice`): a variant gets one
recommendation, the largest saving; the others are listed in its evidence.
"""

from __future__ import annotations

from bot.models import Finding, FindingKind
from bot.scan.instance_specs import InstanceSpec, load_instance_specs
from bot.scan.scanners.base import ScanContext
from bot.scan.scanners.hosting_findings import hosting_findings
from bot.scan.scanners.hosting_fleet import PERMISSIONS, HostingFleet, get_hosting_fleet

KIND = FindingKind.INFERENTIA_CANDIDATE
__all__ = ["KIND", "PERMISSIONS", "find_inferentia_candidates", "scan"]


def find_inferentia_candidates(
    ctx: ScanContext, fleet: HostingFleet, specs: dict[str, InstanceSpec]
) -> list[Finding]:
    """Pure: reads only ctx's data (now, settings, prices, identity), never its clients."""
    return hosting_findings(ctx, KIND, fleet, specs)


def scan(ctx: ScanContext) -> list[Finding]:
    return find_inferentia_candidates(ctx, get_hosting_fleet(ctx), load_instance_specs())
