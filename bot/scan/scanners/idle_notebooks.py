"""Idle notebook instances: `InService` with no sign of use for SMBOT_NOTEBOOK_IDLE_HOURS.

Notebook instances publish no CloudWatch metrics, so idleness is read from what an outside
observer has (FACTS.md "AWS signals for idleness"):

- status change: `LastModifiedTime` from the list summary (start, stop and update move it);
- Jupyter log: the last event of the `<name>/jupyter.log` stream in CloudWatch Logs;
- presigned URL: the last `CreatePresignedNotebookInstanceUrl` in CloudTrail (someone opened
  Jupyter).

A signal that cannot be read counts as neither activity nor idleness: a notebook is flagged when
every readable signal is older than the threshold. Only notebooks whose `LastModifiedTime` is
already older than the threshold are candidates for the other reads, so the request count grows
with findings, not with notebooks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.aws.session import error_message
from bot.models import Finding, FindingKind, ResourceType
from bot.scan.scanners import lifecycle_evidence
from bot.scan.scanners.base import ScanContext, age_in_words, make_finding, read_tags, tags_to_dict
from bot.scan.scanners.lifecycle_evidence import (
    LifecycleReading,
    auto_stop_evidence,
    get_lifecycle_configs,
)

KIND = FindingKind.IDLE_NOTEBOOK
PERMISSIONS = [
    "sagemaker:ListNotebookInstances",
    "logs:DescribeLogStreams",
    "cloudtrail:LookupEvents",
    "tag:GetResources",
    lifecycle_evidence.PERMISSION,
]

JUPYTER_LOG_GROUP = "/aws/sagemaker/NotebookInstances"
PRESIGNED_URL_EVENT = "CreatePresignedNotebookInstanceUrl"
STATUS_CHANGE = "status change"
JUPYTER_LOG = "Jupyter log"
PRESIGNED_URL = "presigned URL"
TAG_BATCH = 100  # GetResources takes at most 100 ARNs a call


class SignalReading(BaseModel):
    """What one signal says about one notebook: the last activity it saw, or why it cannot tell."""

    model_config = ConfigDict(frozen=True)

    last_activity: datetime | None = None
    unreadable: str | None = None
    note: str | None = None


Readings = dict[str, dict[str, SignalReading]]  # notebook name -> signal name -> reading


class Verdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    last_activity: datetime
    signal: str
    idle_hours: float


# --- get_*: I/O only -------------------------------------------------------------------------


def get_in_service_notebooks(sagemaker: Any) -> list[dict[str, Any]]:
    """Summaries carry type, status, LastModifiedTime and lifecycle config: no Describe needed."""
    pages = sagemaker.get_paginator("list_notebook_instances").paginate(
        StatusEquals="InService", PaginationConfig={"PageSize": 100}
    )
    return [nb for page in pages for nb in page["NotebookInstances"]]


def get_jupyter_log_activity(logs: Any, names: list[str]) -> dict[str, SignalReading]:
    """One DescribeLogStreams per candidate (AWS refuses orderBy=LastEventTime with a prefix)."""
    readings: dict[str, SignalReading] = {}
    for i, name in enumerate(names):
        stream = f"{name}/jupyter.log"
        try:
            found = logs.describe_log_streams(
                logGroupName=JUPYTER_LOG_GROUP, logStreamNamePrefix=stream
            )["logStreams"]
        except Exception as exc:
            reason = error_message(exc)
            readings.update({n: SignalReading(unreadable=reason) for n in names[i:]})
            break
        match = next((s for s in found if s["logStreamName"] == stream), None)
        if match is None:
            # The Jupyter server logs from boot whenever the notebook's role may write logs, so a
            # missing stream says "not enabled", not "nobody used it".
            readings[name] = SignalReading(
                unreadable=f"no log stream {stream} (logging not enabled)"
            )
        elif "lastEventTimestamp" not in match:
            readings[name] = SignalReading(note="log stream has no events")
        else:
            # lastEventTimestamp is eventually consistent (usually < 1 h late): fine at day scale.
            moment = datetime.fromtimestamp(match["lastEventTimestamp"] / 1000, UTC)
            readings[name] = SignalReading(last_activity=moment)
    return readings


def get_cloudtrail_last_events(
    cloudtrail: Any,
    event_name: str,
    start: datetime,
    end: datetime,
    keys_of: Callable[[dict[str, Any]], set[str]],
    wanted: set[str],
) -> dict[str, datetime]:
    """The newest `event_name` per key (keys_of(event) -> keys) in one paginated LookupEvents.

    LookupEvents allows 2 requests/s per account-region: one lookup per scan, stopped as soon as
    every wanted key has been seen (events come newest first); the client's adaptive retry mode
    absorbs throttling. Raises when CloudTrail cannot be read: the caller decides what that means.
    """
    last: dict[str, datetime] = {}
    if not wanted:
        return last
    pages = cloudtrail.get_paginator("lookup_events").paginate(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}],
        StartTime=start,
        EndTime=end,
        PaginationConfig={"PageSize": 50},
    )
    for page in pages:
        for event in page.get("Events", []):
            for key in keys_of(event):
                if key in wanted and key not in last:
                    last[key] = event["EventTime"]
        if wanted <= last.keys():
            break
    return last


def event_request_parameters(event: dict[str, Any]) -> dict[str, Any]:
    try:
        return json.loads(event.get("CloudTrailEvent") or "{}").get("requestParameters") or {}
    except (ValueError, AttributeError):
        return {}


def notebook_names_of(event: dict[str, Any]) -> set[str]:
    names = {r["ResourceName"] for r in event.get("Resources", []) if r.get("ResourceName")}
    name = event_request_parameters(event).get("notebookInstanceName")
    return names | ({name} if name else set())


def get_presigned_url_activity(
    cloudtrail: Any, names: list[str], start: datetime, end: datetime
) -> dict[str, SignalReading]:
    try:
        last = get_cloudtrail_last_events(
            cloudtrail, PRESIGNED_URL_EVENT, start, end, notebook_names_of, set(names)
        )
    except Exception as exc:
        return {n: SignalReading(unreadable=error_message(exc)) for n in names}
    since = f"no {PRESIGNED_URL_EVENT} since {iso(start)}"
    return {n: SignalReading(last_activity=last[n]) if n in last else SignalReading(note=since)
            for n in names}


def get_tags(tagging: Any, arns: list[str]) -> dict[str, dict[str, str]]:
    """Tags of the findings only, 100 ARNs per GetResources call.

    Cheaper than one sagemaker:ListTags per finding as soon as there are two findings. An ARN
    missing from the answer has no tags (GetResources lists only tagged resources).
    """
    tags: dict[str, dict[str, str]] = {arn: {} for arn in arns}
    for i in range(0, len(arns), TAG_BATCH):
        answer = tagging.get_resources(ResourceARNList=arns[i : i + TAG_BATCH])
        for mapping in answer.get("ResourceTagMappingList", []):
            tags[mapping["ResourceARN"]] = tags_to_dict(mapping.get("Tags"))
    return tags


# --- find_*: pure ----------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def hours_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def find_candidates(
    summaries: list[dict[str, Any]], now: datetime, threshold_hours: float
) -> list[dict[str, Any]]:
    """InService notebooks whose last status change is already older than the threshold."""
    cutoff = now - timedelta(hours=threshold_hours)
    return [
        nb for nb in summaries
        if nb.get("NotebookInstanceStatus") == "InService" and nb["LastModifiedTime"] <= cutoff
    ]


def readings_for(summary: dict[str, Any], readings: Readings) -> dict[str, SignalReading]:
    own = {STATUS_CHANGE: SignalReading(last_activity=summary["LastModifiedTime"])}
    return own | readings.get(summary["NotebookInstanceName"], {})


def judge_notebook(
    summary: dict[str, Any], readings: Readings, now: datetime, threshold_hours: float
) -> Verdict | None:
    """Idle when every readable signal is older than the threshold; unreadable ones don't vote."""
    if summary.get("NotebookInstanceStatus") != "InService":
        return None
    seen = [
        (r.last_activity, signal)
        for signal, r in readings_for(summary, readings).items()
        if r.unreadable is None and r.last_activity is not None
    ]
    last_activity, signal = max(seen, key=lambda pair: pair[0])
    idle_hours = hours_between(last_activity, now)
    if idle_hours < threshold_hours:
        return None
    return Verdict(last_activity=last_activity, signal=signal, idle_hours=round(idle_hours, 1))


def signal_evidence(reading: SignalReading, now: datetime) -> dict[str, Any]:
    if reading.unreadable is not None:
        return {"unreadable": reading.unreadable}
    if reading.last_activity is None:
        return {"last_activity": None, "note": reading.note}
    return {
        "last_activity": iso(reading.last_activity),
        "hours_ago": round(hours_between(reading.last_activity, now), 1),
    }


def find_idle_notebooks(
    ctx: ScanContext,
    summaries: list[dict[str, Any]],
    readings: Readings,
    tags_by_arn: dict[str, dict[str, str]] | None,
    lifecycle: dict[str, LifecycleReading] | None = None,
) -> list[Finding]:
    """`tags_by_arn=None` means the tags could not be read: such findings are marked protected
    (never offered for action), since nobody can tell whether they carry the protect tag.
    `lifecycle`: the attached configurations' scripts by name (lifecycle_evidence)."""
    threshold_hours = ctx.settings.notebook_idle_hours
    findings = []
    for nb in summaries:
        verdict = judge_notebook(nb, readings, ctx.now, threshold_hours)
        if verdict is None:
            continue
        signals = readings_for(nb, readings)
        instance_type = nb.get("InstanceType")
        monthly_usd = ctx.prices.monthly_usd(ctx.region, "notebook", instance_type)
        evidence: dict[str, Any] = {
            "last_activity": iso(verdict.last_activity),
            "last_activity_signal": verdict.signal,
            "idle_hours": verdict.idle_hours,
            "threshold_hours": threshold_hours,
            "signals": {name: signal_evidence(r, ctx.now) for name, r in signals.items()},
            "unreadable_signals": sorted(n for n, r in signals.items() if r.unreadable),
            **auto_stop_evidence(
                nb.get("NotebookInstanceLifecycleConfigName"),
                (lifecycle or {}).get(nb.get("NotebookInstanceLifecycleConfigName") or ""),
            ),
        }
        if monthly_usd is None:
            evidence["price"] = f"unknown notebook price for {instance_type} in {ctx.region}"
        finding = make_finding(
            ctx,
            kind=KIND,
            resource_type=ResourceType.NOTEBOOK_INSTANCE,
            name=nb["NotebookInstanceName"],
            arn=nb["NotebookInstanceArn"],
            instance_type=instance_type,
            est_monthly_cost_usd=monthly_usd,
            est_monthly_savings_usd=monthly_usd,  # a stopped notebook bills storage only
            reason=f"No activity for {age_in_words(verdict.idle_hours)} (last: {verdict.signal})",
            evidence=evidence,
            tags=(tags_by_arn or {}).get(nb["NotebookInstanceArn"], {}),
            tags_unreadable=tags_by_arn is None,
        )
        findings.append(finding)
    return findings


# --- glue ------------------------------------------------------------------------------------


def scan(ctx: ScanContext) -> list[Finding]:
    """The List failing raises (the fan-out reports it); a failing signal goes in the evidence."""
    threshold_hours = ctx.settings.notebook_idle_hours
    candidates = find_candidates(
        get_in_service_notebooks(ctx.clients("sagemaker")), ctx.now, threshold_hours
    )
    if not candidates:
        return []
    names = [nb["NotebookInstanceName"] for nb in candidates]
    start = ctx.now - timedelta(hours=threshold_hours)
    # CloudTrail first: one lookup covers every candidate, and the notebooks it shows in use
    # need no per-notebook log read.
    urls = get_presigned_url_activity(ctx.clients("cloudtrail"), names, start, ctx.now)
    readings: Readings = {n: {PRESIGNED_URL: urls[n]} for n in names}
    maybe_idle = [nb for nb in candidates if judge_notebook(nb, readings, ctx.now, threshold_hours)]
    logs = get_jupyter_log_activity(
        ctx.clients("logs"), [nb["NotebookInstanceName"] for nb in maybe_idle]
    )
    for name, reading in logs.items():
        readings[name][JUPYTER_LOG] = reading
    idle = [nb for nb in maybe_idle if judge_notebook(nb, readings, ctx.now, threshold_hours)]
    if not idle:
        return []
    arns = [nb["NotebookInstanceArn"] for nb in idle]
    tagging = ctx.clients("resourcegroupstaggingapi")
    tags = read_tags(ctx, "GetResources", KIND, lambda: get_tags(tagging, arns))
    lifecycle = get_lifecycle_configs(
        ctx.clients("sagemaker"), [nb.get("NotebookInstanceLifecycleConfigName") for nb in idle]
    )
    return find_idle_notebooks(ctx, idle, readings, tags, lifecycle)
