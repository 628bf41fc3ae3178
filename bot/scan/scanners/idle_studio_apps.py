"""Idle Studio apps: JupyterLab, CodeEditor, KernelGateway and JupyterServer apps `InService` with
no user activity for SMBOT_STUDIO_IDLE_HOURS.

The main signal is DescribeApp's `LastUserActivityTimestamp` (ListApps does not carry it). AWS
documents that health checks without user activity also update it, to the health check's own
time, so an idle app can look fresh. The finding therefore says how sure it is:

- high: the activity is older than the threshold and CloudTrail shows nobody opening the app's
  space or user profile in Studio (`CreatePresignedDomainUrl`) since;
- medium: as above but the cross-check was impossible (CloudTrail unreadable, or no activity
  timestamp at all, so the app's age stands in);
- low: either the owner did open Studio within the threshold, or the activity is recent but
  equals (within a minute) the last health check (the documented refresh) and nothing else shows
  use. Low-confidence findings are listed with weak evidence: not counted in the headline, and
  offered Delete only on request (`/sm-idle`), with a warning (reports.findings).

Apps on the free `system` instance type (the Studio Classic JupyterServer UI) bill nothing and are
skipped. Apps younger than the threshold cannot have been idle that long and are not described,
so DescribeApp calls stay near the number of old apps. ListApps and the CloudTrail lookup (with
ListSpaces for private spaces' owners) are made once per account-region and shared with the
Canvas scanner (`ctx.shared`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.aws.session import error_code, error_message
from bot.models import Finding, FindingKind, ResourceType, SavingsBasis
from bot.scan.instance_shapes import studio_instance_type
from bot.scan.scanners.base import (
    ScanContext,
    age_in_words,
    get_sagemaker_tags,
    make_finding,
    read_tags,
)
from bot.scan.scanners.idle_notebooks import (
    event_request_parameters,
    get_cloudtrail_last_events,
    hours_between,
    iso,
)
from bot.scan.studio_activity import refreshed_by_health_check

KIND = FindingKind.IDLE_STUDIO_APP
PERMISSIONS = [
    "sagemaker:ListApps",
    "sagemaker:DescribeApp",
    "sagemaker:ListSpaces",
    "sagemaker:ListTags",
    "cloudtrail:LookupEvents",
]

APP_TYPES = ("JupyterLab", "CodeEditor", "KernelGateway", "JupyterServer")
FREE_INSTANCE_TYPE = "system"
STUDIO_OPEN_EVENT = "CreatePresignedDomainUrl"


class StudioOpened(BaseModel):
    """When the app's owner (space or user profile) last opened Studio, or why we cannot tell."""

    model_config = ConfigDict(frozen=True)

    last: datetime | None = None
    unreadable: str | None = None


class AppVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    confidence: str
    why: str
    idle_hours: float | None


# --- get_*: I/O only -------------------------------------------------------------------------


def get_apps(sagemaker: Any) -> list[dict[str, Any]]:
    """ListApps without DomainIdEquals spans every domain of the region: no ListDomains needed."""
    pages = sagemaker.get_paginator("list_apps").paginate(PaginationConfig={"PageSize": 100})
    return [app for page in pages for app in page["Apps"]]


def get_shared_apps(ctx: ScanContext) -> list[dict[str, Any]]:
    """Every app of the account-region, listed once for the Studio and the Canvas scanners."""
    return ctx.shared.once("studio-apps", lambda: get_apps(ctx.clients("sagemaker")))


def get_app_descriptions(sagemaker: Any, apps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """DescribeApp per candidate; an app deleted since the List is simply gone."""
    described = []
    for app in apps:
        params = {k: app[k] for k in ("DomainId", "AppType", "AppName") if k in app}
        for key in ("UserProfileName", "SpaceName"):
            if app.get(key):
                params[key] = app[key]
        try:
            answer = sagemaker.describe_app(**params)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFound":
                continue
            raise  # without the main signal the whole kind is unknowable: a ScanError
        answer.pop("ResponseMetadata", None)
        described.append(answer)
    return described


def get_space_owners(sagemaker: Any) -> dict[str, str]:
    """Private spaces' owners, so a space app can be matched to its user's CloudTrail events."""
    owners = {}
    pages = sagemaker.get_paginator("list_spaces").paginate(PaginationConfig={"PageSize": 100})
    for page in pages:
        for space in page["Spaces"]:
            owner = space.get("OwnershipSettingsSummary", {}).get("OwnerUserProfileName")
            if owner:
                owners[f"space:{space['DomainId']}/{space['SpaceName']}"] = owner
    return owners


def owner_keys(app: dict[str, Any], space_owners: dict[str, str]) -> set[str]:
    domain = app["DomainId"]
    keys = set()
    if app.get("SpaceName"):
        space_key = f"space:{domain}/{app['SpaceName']}"
        keys.add(space_key)
        if space_key in space_owners:
            keys.add(f"user:{domain}/{space_owners[space_key]}")
    if app.get("UserProfileName"):
        keys.add(f"user:{domain}/{app['UserProfileName']}")
    return keys


def studio_open_keys(event: dict[str, Any]) -> set[str]:
    params = event_request_parameters(event)
    domain = params.get("domainId")
    keys = set()
    if domain and params.get("userProfileName"):
        keys.add(f"user:{domain}/{params['userProfileName']}")
    if domain and params.get("spaceName"):
        keys.add(f"space:{domain}/{params['spaceName']}")
    return keys


class SignIns(BaseModel):
    """The newest Studio sign-in per owner key, for every running app of an account-region."""

    model_config = ConfigDict(frozen=True)

    keys_by_app: dict[str, set[str]]  # by app_name(): ListApps items carry no ARN
    last: dict[str, datetime] = {}
    unreadable: str | None = None


def read_sign_ins(ctx: ScanContext) -> SignIns:
    """One ListSpaces (private spaces' owners) and one paginated LookupEvents for the owners of
    every running app, over the longest window any Studio kind needs (Studio apps, Canvas)."""
    apps = [a for a in get_shared_apps(ctx) if a.get("Status") == "InService"]
    try:
        spaces = any(a.get("SpaceName") for a in apps)
        owners = get_space_owners(ctx.clients("sagemaker")) if spaces else {}
    except Exception as exc:
        ctx.report_error("ListSpaces", exc, KIND)
        owners = {}
    keys = {app_name(app): owner_keys(app, owners) for app in apps}
    hours = max(ctx.settings.studio_idle_hours, ctx.settings.canvas_idle_hours)
    try:
        last = get_cloudtrail_last_events(
            ctx.clients("cloudtrail"), STUDIO_OPEN_EVENT, ctx.now - timedelta(hours=hours), ctx.now,
            studio_open_keys, set().union(*keys.values()),
        )
    except Exception as exc:
        return SignIns(keys_by_app=keys, unreadable=error_message(exc))
    return SignIns(keys_by_app=keys, last=last)


def get_studio_opened(
    ctx: ScanContext, apps: list[dict[str, Any]], start: datetime
) -> dict[str, StudioOpened]:
    """When each app's owner last opened Studio since `start`, by AppArn: from the sign-ins read
    once per account-region for every Studio kind (not one lookup per kind, nor per app)."""
    sign_ins = ctx.shared.once("studio-sign-ins", lambda: read_sign_ins(ctx))
    opened = {}
    for app in apps:
        if sign_ins.unreadable is not None:
            opened[app["AppArn"]] = StudioOpened(unreadable=sign_ins.unreadable)
            continue
        keys = sign_ins.keys_by_app.get(app_name(app), set())
        newest = max((sign_ins.last[k] for k in keys if k in sign_ins.last), default=None)
        opened[app["AppArn"]] = StudioOpened(last=newest if newest and newest >= start else None)
    return opened



# --- find_*: pure ----------------------------------------------------------------------------


def find_candidates(
    apps: list[dict[str, Any]], now: datetime, threshold_hours: float
) -> list[dict[str, Any]]:
    """InService, billed, and older than the threshold (a younger app cannot be that idle)."""
    cutoff = now - timedelta(hours=threshold_hours)
    return [
        app for app in apps
        if app.get("Status") == "InService"
        and app.get("AppType") in APP_TYPES
        and app.get("ResourceSpec", {}).get("InstanceType") != FREE_INSTANCE_TYPE
        and app["CreationTime"] <= cutoff
    ]


def cross_check_words(opened: StudioOpened, owner_recent: bool) -> str:
    if opened.unreadable is not None:
        return "CloudTrail unreadable, no cross-check"
    if owner_recent and opened.last is not None:
        return f"but the owner opened Studio at {iso(opened.last)}"
    return "no Studio sign-in by the owner in CloudTrail since"


def judge_app(
    app: dict[str, Any], opened: StudioOpened, now: datetime, threshold_hours: float
) -> AppVerdict | None:
    """Idle or not, and how sure (see the module docstring for the rules)."""
    age_hours = hours_between(app["CreationTime"], now)
    if app.get("Status") != "InService" or age_hours < threshold_hours:
        return None
    activity = app.get("LastUserActivityTimestamp")
    health = app.get("LastHealthCheckTimestamp")
    owner_recent = opened.last is not None and hours_between(opened.last, now) < threshold_hours
    cross_check = cross_check_words(opened, owner_recent)
    if activity is None:
        idle_hours = age_hours
        confidence, why = "medium", "no user activity recorded, the app's age stands in"
    elif hours_between(activity, now) >= threshold_hours:
        idle_hours = hours_between(activity, now)
        confidence = "medium" if opened.unreadable is not None else "high"
        why = "last user activity is older than the threshold"
    elif refreshed_by_health_check(activity, health) and not owner_recent:
        why = ("last user activity equals the last health check, which AWS documents can "
               "refresh it without any user")
        return AppVerdict(confidence="low", why=f"{why}; {cross_check}", idle_hours=None)
    else:
        return None  # recent activity that no health check explains: in use
    if owner_recent:
        confidence = "low"
    return AppVerdict(
        confidence=confidence, why=f"{why}; {cross_check}", idle_hours=round(idle_hours, 1)
    )


def app_evidence(
    app: dict[str, Any], verdict: AppVerdict, seen: StudioOpened, threshold_hours: float,
    now: datetime,
) -> dict[str, Any]:
    """What the verdict rests on, and the parameters DeleteApp needs (request_params.params_for)."""
    activity = app.get("LastUserActivityTimestamp")
    health = app.get("LastHealthCheckTimestamp")
    return {
        "confidence": verdict.confidence,
        "confidence_why": verdict.why,
        "idle_hours": verdict.idle_hours,
        "threshold_hours": threshold_hours,
        "last_user_activity": iso(activity) if activity else None,
        "last_health_check": iso(health) if health else None,
        "app_age_hours": round(hours_between(app["CreationTime"], now), 1),
        "studio_opened_by_owner": (
            {"unreadable": seen.unreadable} if seen.unreadable
            else {"last": iso(seen.last) if seen.last else None}
        ),
        "domain_id": app["DomainId"],
        "app_type": app["AppType"],
        "space": app.get("SpaceName"),
        "user_profile": app.get("UserProfileName"),
    }


def app_name(app: dict[str, Any]) -> str:
    owner = app.get("SpaceName") or app.get("UserProfileName") or "-"
    return f"{app['DomainId']}/{owner}/{app['AppType']}/{app['AppName']}"


def find_idle_apps(
    ctx: ScanContext,
    apps: list[dict[str, Any]],
    opened: dict[str, StudioOpened],
    tags_by_arn: dict[str, dict[str, str]] | None,
) -> list[Finding]:
    """`apps` are DescribeApp answers. `tags_by_arn=None`: tags unreadable, never actionable."""
    findings = []
    for app, verdict, evidence in judged_apps(ctx, apps, opened, ctx.settings.studio_idle_hours):
        instance_type = studio_instance_type(app.get("AppType"), app.get("ResourceSpec"))
        monthly_usd = ctx.prices.monthly_usd(ctx.region, f"studio:{app.get('AppType')}", instance_type)
        if monthly_usd is None:
            evidence["price"] = f"unknown Studio price for {instance_type} in {ctx.region}"
        if verdict.idle_hours is None:
            reason = (f"Possibly idle {app['AppType']} app: its last activity is only a health "
                      f"check (confidence {verdict.confidence})")
        else:
            reason = (f"No user activity for {age_in_words(verdict.idle_hours)} "
                      f"(confidence {verdict.confidence})")
        findings.append(app_finding(
            ctx, KIND, app, verdict, reason=reason, evidence=evidence, monthly_usd=monthly_usd,
            instance_type=instance_type, tags_by_arn=tags_by_arn,
        ))
    return findings


def judged_apps(
    ctx: ScanContext, apps: list[dict[str, Any]], opened: dict[str, StudioOpened], threshold_hours: float
) -> Iterator[tuple[dict[str, Any], AppVerdict, dict[str, Any]]]:
    """(DescribeApp answer, verdict, evidence) for each app judged idle past the threshold."""
    for app in apps:
        seen = opened.get(app["AppArn"], StudioOpened(unreadable="not looked up"))
        verdict = judge_app(app, seen, ctx.now, threshold_hours)
        if verdict is not None:
            yield app, verdict, app_evidence(app, verdict, seen, threshold_hours, ctx.now)


def app_finding(
    ctx: ScanContext, kind: FindingKind, app: dict[str, Any], verdict: AppVerdict, *, reason: str,
    evidence: dict[str, Any], monthly_usd: float | None, instance_type: str | None,
    tags_by_arn: dict[str, dict[str, str]] | None,
) -> Finding:
    """A Studio-domain app's finding (Studio IDE or Canvas): deleting it stops what bills, so the
    saving is its whole cost. Low confidence (a health-check-refreshed timestamp, or its owner
    opened Studio lately) is listed, never counted in the headline."""
    return make_finding(
        ctx,
        kind=kind,
        resource_type=ResourceType.STUDIO_APP,
        name=app_name(app),
        arn=app["AppArn"],
        instance_type=instance_type,
        est_monthly_cost_usd=monthly_usd,
        est_monthly_savings_usd=monthly_usd,
        reason=reason,
        evidence=evidence,
        savings_basis=SavingsBasis.WEAK_EVIDENCE if verdict.confidence == "low" else SavingsBasis.MONTHLY,
        tags=(tags_by_arn or {}).get(app["AppArn"], {}),
        tags_unreadable=tags_by_arn is None,
    )


# --- glue ------------------------------------------------------------------------------------


def scan_apps(
    ctx: ScanContext,
    kind: FindingKind,
    threshold_hours: float,
    candidates_of: Callable[[list[dict[str, Any]], datetime, float], list[dict[str, Any]]],
    find: Callable[..., list[Finding]],
) -> list[Finding]:
    """The shared read path of Studio-domain app kinds: the account-region's ListApps (shared),
    DescribeApp and the CloudTrail sign-ins for the candidates only, tags for the idle only."""
    sagemaker = ctx.clients("sagemaker")
    candidates = candidates_of(get_shared_apps(ctx), ctx.now, threshold_hours)
    if not candidates:
        return []
    described = get_app_descriptions(sagemaker, candidates)
    if not described:
        return []
    opened = get_studio_opened(ctx, described, ctx.now - timedelta(hours=threshold_hours))
    idle = [
        app for app in described
        if judge_app(app, opened[app["AppArn"]], ctx.now, threshold_hours)
    ]
    if not idle:
        return []
    arns = [app["AppArn"] for app in idle]
    tags = read_tags(ctx, "ListTags", kind, lambda: get_sagemaker_tags(sagemaker, arns))
    return find(ctx, idle, opened, tags)


def scan(ctx: ScanContext) -> list[Finding]:
    return scan_apps(ctx, KIND, ctx.settings.studio_idle_hours, find_candidates, find_idle_apps)
