"""`stale-stopped-notebook`: notebook instances stopped for more than SMBOT_STOPPED_NOTEBOOK_DAYS.

A stopped notebook instance bills no instance hours, but its ML storage volume (VolumeSizeInGB,
5 GB by default, up to 16 TB) bills every month it is kept. One stopped for months is usually
forgotten. Deleting it deletes the volume and the work on it, so there is no one-click delete:
the finding says how to keep the work first (copy /home/ec2-user/SageMaker to S3), then delete.

Requests: ListNotebookInstances(Stopped, LastModifiedTimeBefore the cutoff) pages, then one
DescribeNotebookInstance per finding (the list summary has no volume size) and GetResources for
the findings' tags: they grow with findings, not with notebooks.

Price: ML storage at the us-east-1 list price ($0.14 per GB-month for notebook instance ML
General Purpose SSD storage); the price table holds instance prices only, so other regions are
priced the same and the evidence says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.models import Finding, FindingKind, ResourceType
from bot.scan.scanners.base import ScanContext, age_in_words, make_finding, read_tags
from bot.scan.scanners.idle_notebooks import get_tags

KIND = FindingKind.STALE_STOPPED_NOTEBOOK
PERMISSIONS = [
    "sagemaker:ListNotebookInstances",
    "sagemaker:DescribeNotebookInstance",
    "tag:GetResources",
]
ML_STORAGE_USD_PER_GB_MONTH = 0.14
DEFAULT_VOLUME_GB = 5  # CreateNotebookInstance's default VolumeSizeInGB
KEEP_THE_WORK = (
    "Copy /home/ec2-user/SageMaker to S3 first (start it, then `aws s3 sync` from its terminal), "
    "then delete it in the console: deleting removes the volume and everything on it."
)


def get_stopped_notebooks(ctx: ScanContext, cutoff: datetime) -> list[dict[str, Any]]:
    pages = ctx.clients("sagemaker").get_paginator("list_notebook_instances").paginate(
        StatusEquals="Stopped", LastModifiedTimeBefore=cutoff, PaginationConfig={"PageSize": 100}
    )
    return [nb for page in pages for nb in page["NotebookInstances"]]


def get_volume_sizes(ctx: ScanContext, names: list[str]) -> dict[str, int | None]:
    sm = ctx.clients("sagemaker")
    return {n: sm.describe_notebook_instance(NotebookInstanceName=n).get("VolumeSizeInGB") for n in names}


def stale(summaries: list[dict[str, Any]], now: datetime, days: int) -> list[dict[str, Any]]:
    """Stopped, with a last status change (the stop, or a later update) older than `days`."""
    cutoff = now - timedelta(days=days)
    return [
        nb for nb in summaries
        if nb.get("NotebookInstanceStatus") == "Stopped" and nb["LastModifiedTime"] <= cutoff
    ]


def find_stale_stopped_notebooks(
    ctx: ScanContext,
    summaries: list[dict[str, Any]],
    volumes: dict[str, int | None],
    tags: dict[str, dict[str, str]] | None,
) -> list[Finding]:
    """Pure: stale stopped notebooks priced at volume size × ML storage price."""
    days = ctx.settings.stopped_notebook_days
    findings = []
    for nb in stale(summaries, ctx.now, days):
        name = nb["NotebookInstanceName"]
        volume_gb = volumes.get(name) or DEFAULT_VOLUME_GB
        monthly = round(volume_gb * ML_STORAGE_USD_PER_GB_MONTH, 2)
        stopped_hours = (ctx.now - nb["LastModifiedTime"]).total_seconds() / 3600
        findings.append(
            make_finding(
                ctx,
                tags=(tags or {}).get(nb["NotebookInstanceArn"], {}),
                tags_unreadable=tags is None,
                kind=KIND,
                resource_type=ResourceType.NOTEBOOK_INSTANCE,
                name=name,
                arn=nb["NotebookInstanceArn"],
                instance_type=nb.get("InstanceType"),
                instance_count=1,
                est_monthly_cost_usd=monthly,
                est_monthly_savings_usd=monthly,
                reason=(
                    f"Notebook instance {name} has been stopped for {age_in_words(stopped_hours)}; "
                    f"its {volume_gb} GB ML storage volume still bills. {KEEP_THE_WORK}"
                ),
                evidence={
                    "stopped_for": age_in_words(stopped_hours),
                    "last_status_change": nb["LastModifiedTime"].isoformat(),
                    "threshold_days": days,
                    "volume_size_gb": volume_gb,
                    "volume_size_known": volumes.get(name) is not None,
                    "monthly_cost_basis": (
                        f"{volume_gb} GB × ${ML_STORAGE_USD_PER_GB_MONTH}/GB-month "
                        "(ML storage, us-east-1 list price)"
                    ),
                    "hint": KEEP_THE_WORK,
                },
            )
        )
    return findings


def scan(ctx: ScanContext) -> list[Finding]:
    days = ctx.settings.stopped_notebook_days
    candidates = stale(get_stopped_notebooks(ctx, ctx.now - timedelta(days=days)), ctx.now, days)
    if not candidates:
        return []
    volumes = get_volume_sizes(ctx, [nb["NotebookInstanceName"] for nb in candidates])
    arns = [nb["NotebookInstanceArn"] for nb in candidates]
    tagging = ctx.clients("resourcegroupstaggingapi")
    tags = read_tags(ctx, "GetResources", KIND, lambda: get_tags(tagging, arns))
    return find_stale_stopped_notebooks(ctx, candidates, volumes, tags)
