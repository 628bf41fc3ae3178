"""Oversized notebook instances: InService on a GPU type (p*, g*) or a size of 8xlarge or more.

The guide's advice: explore on small instances, run heavy work as training or processing jobs
(which bill only while they run). Notebook instances publish no utilisation metrics (FACTS.md),
so this cannot say "the GPU sat at 3 %"; the finding says what is known instead: the type, its
price, and how long it has been InService in the last 7 days. The only status change a List
answer carries is `LastModifiedTime` (the last start or update), so the hours InService are those
since then, capped at the 7-day window: a lower bound when the notebook was also up before an
update, never an invented history.

The suggestion is the smallest priced size of the same family (for a CPU family: `xlarge` or the
smallest size above it, still room for a kernel); a GPU type that is already its family's
smallest gets `ml.t3.medium` (exploration needs no GPU). Saving = price difference × the
notebook's observed InService hours scaled to a month.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.models import Finding, FindingKind, ResourceType
from bot.scan.pricing import HOURS_PER_MONTH, PriceTable
from bot.scan.scanners.base import ScanContext, make_finding, read_tags
from bot.scan.scanners.idle_notebooks import get_in_service_notebooks, get_tags, iso

KIND = FindingKind.OVERSIZED_NOTEBOOK
PERMISSIONS = ["sagemaker:ListNotebookInstances", "tag:GetResources"]

WINDOW_HOURS = 7 * 24
LARGE_UNITS = 8  # 8xlarge and above
SMALL_FALLBACK = "ml.t3.medium"
_TYPE = re.compile(r"^ml\.(?P<family>[a-z0-9-]+)\.(?P<size>\d*xlarge|large|medium|small)$")
_NAMED_SIZES = {"small": 0.125, "medium": 0.25, "large": 0.5, "xlarge": 1.0}


def parse_type(instance_type: str | None) -> tuple[str, float] | None:
    """("g4dn", 12.0) for ml.g4dn.12xlarge; None for a type this does not understand."""
    match = _TYPE.match(instance_type or "")
    if not match:
        return None
    size = match["size"]
    units = _NAMED_SIZES.get(size) or float(size.removesuffix("xlarge"))
    return match["family"], units


def is_gpu(family: str) -> bool:
    return family[0] in "pg"


def is_oversized(instance_type: str | None) -> bool:
    parsed = parse_type(instance_type)
    return parsed is not None and (is_gpu(parsed[0]) or parsed[1] >= LARGE_UNITS)


def smaller_type(instance_type: str, known: list[str]) -> str:
    """The suggested type: same family, smaller, priced; else SMALL_FALLBACK."""
    family, units = parse_type(instance_type) or ("", 0.0)
    floor = 0.0 if is_gpu(family) else 1.0
    sizes = sorted(
        (parsed[1], t) for t in known
        if (parsed := parse_type(t)) and parsed[0] == family and floor <= parsed[1] < units
    )
    return sizes[0][1] if sizes else SMALL_FALLBACK


def hours_in_service(summary: dict[str, Any], now: datetime) -> float:
    """Hours InService in the last WINDOW_HOURS, from the last status change (see the module)."""
    since = summary.get("LastModifiedTime") or summary.get("CreationTime") or now
    return round(min(max((now - since).total_seconds() / 3600, 0.0), WINDOW_HOURS), 1)


def find_oversized_notebooks(
    ctx: ScanContext,
    summaries: list[dict[str, Any]],
    tags_by_arn: dict[str, dict[str, str]] | None,
) -> list[Finding]:
    """Pure: summaries + prices + now → findings. `tags_by_arn=None`: tags unreadable, so the
    findings are never offered for action."""
    prices: PriceTable = ctx.prices
    known = sorted(prices.prices.get(ctx.region, {}).get("notebook", {}))
    findings = []
    for nb in summaries:
        instance_type = nb.get("InstanceType")
        if nb.get("NotebookInstanceStatus") != "InService" or not is_oversized(instance_type):
            continue
        suggested = smaller_type(instance_type, known)
        hourly = prices.hourly_usd(ctx.region, "notebook", instance_type)
        suggested_hourly = prices.hourly_usd(ctx.region, "notebook", suggested)
        hours = hours_in_service(nb, ctx.now)
        monthly_hours = round(hours / WINDOW_HOURS * HOURS_PER_MONTH, 1)
        cost = savings = None
        if hourly is not None:
            cost = round(hourly * monthly_hours, 2)
            if suggested_hourly is not None:
                savings = round(max(hourly - suggested_hourly, 0.0) * monthly_hours, 2)
        family = (parse_type(instance_type) or ("?", 0))[0]
        what = "GPU" if is_gpu(family) else "large"
        evidence: dict[str, Any] = {
            "instance_type": instance_type,
            "hourly_usd": hourly,
            "suggested_instance_type": suggested,
            "suggested_hourly_usd": suggested_hourly,
            "hours_in_service_7d": hours,
            "monthly_hours": monthly_hours,
            "in_service_since": iso(nb["LastModifiedTime"]) if nb.get("LastModifiedTime") else None,
            "basis": "hours since the last status change (LastModifiedTime), at most 7 days;"
            " notebook instances publish no utilisation metrics",
            "advice": "explore on a small instance; run heavy work as training or processing jobs",
        }
        if hourly is None:
            evidence["price"] = f"unknown notebook price for {instance_type} in {ctx.region}"
        findings.append(make_finding(
            ctx,
            kind=KIND,
            resource_type=ResourceType.NOTEBOOK_INSTANCE,
            name=nb["NotebookInstanceName"],
            arn=nb["NotebookInstanceArn"],
            instance_type=instance_type,
            est_monthly_cost_usd=cost,
            est_monthly_savings_usd=savings,
            reason=(
                f"{what} notebook InService {hours:g} h of the last 7 d: explore on {suggested},"
                " run heavy work as training/processing jobs"
            ),
            evidence=evidence,
            tags=(tags_by_arn or {}).get(nb["NotebookInstanceArn"], {}),
            tags_unreadable=tags_by_arn is None,
        ))
    return findings


def scan(ctx: ScanContext) -> list[Finding]:
    summaries = [
        nb for nb in get_in_service_notebooks(ctx.clients("sagemaker"))
        if is_oversized(nb.get("InstanceType"))
    ]
    if not summaries:
        return []
    arns = [nb["NotebookInstanceArn"] for nb in summaries]
    tagging = ctx.clients("resourcegroupstaggingapi")
    tags = read_tags(ctx, "GetResources", KIND, lambda: get_tags(tagging, arns))
    return find_oversized_notebooks(ctx, summaries, tags)
