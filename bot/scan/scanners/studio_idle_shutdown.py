"""Studio domains, user profiles and spaces whose built-in idle shutdown is off or too lax.

Idle shutdown (GA 2024-09) is the cheapest fix the guide names for Studio: JupyterLab and Code
Editor apps stop themselves after `IdleTimeoutInMinutes` without use. It is configured in
`*AppSettings.AppLifecycleManagement.IdleSettings` at three levels, each overriding the one above:

- domain: `DefaultUserSettings` (and `DefaultSpaceSettings` for shared spaces). A domain whose
  default leaves it unset or `DISABLED` is a finding; `DefaultSpaceSettings` only when it sets
  the value explicitly (most domains leave it to the user defaults);
- user profile: `UserSettings`, a finding only when it overrides with `DISABLED` or a timeout
  above SMBOT_STUDIO_MAX_IDLE_MINUTES (no override inherits the domain's, reported there);
- space: `SpaceSettings` carries only a timeout (the switch belongs to the domain or user).

No List operation carries these settings, so each resource is described once. Cost is None:
this is a setting, and the waste it allows shows up as idle-studio-app findings.
"""

from __future__ import annotations

from typing import Any

from bot.aws.session import error_code
from bot.models import Finding, FindingKind, ResourceType
from bot.scan.scanners.base import ScanContext, get_sagemaker_tags, make_finding, read_tags

KIND = FindingKind.STUDIO_IDLE_SHUTDOWN_OFF
PERMISSIONS = [
    "sagemaker:ListDomains",
    "sagemaker:DescribeDomain",
    "sagemaker:ListUserProfiles",
    "sagemaker:DescribeUserProfile",
    "sagemaker:ListSpaces",
    "sagemaker:DescribeSpace",
    "sagemaker:ListTags",
]

APP_SETTINGS = {"JupyterLab": "JupyterLabAppSettings", "CodeEditor": "CodeEditorAppSettings"}
GONE_STATUSES = {"Deleting", "Delete_Failed"}

# --- get_*: I/O only -------------------------------------------------------------------------


def _describe_each(sagemaker: Any, method: str, items: list[dict], keys: tuple[str, ...]) -> list:
    """Describe every listed item; one deleted since the List is simply gone."""
    described = []
    for item in items:
        try:
            answer = getattr(sagemaker, method)(**{k: item[k] for k in keys})
        except Exception as exc:
            if error_code(exc) == "ResourceNotFound":
                continue
            raise  # a setting we cannot read must not look compliant: the fan-out reports it
        answer.pop("ResponseMetadata", None)
        described.append(answer)
    return described


def _list_all(sagemaker: Any, operation: str, key: str) -> list[dict[str, Any]]:
    # Without DomainIdEquals the List spans every domain of the region: one pagination.
    pages = sagemaker.get_paginator(operation).paginate(PaginationConfig={"PageSize": 100})
    return [item for page in pages for item in page[key]]


def get_domains(sagemaker: Any) -> list[dict[str, Any]]:
    domains = _list_all(sagemaker, "list_domains", "Domains")
    return _describe_each(sagemaker, "describe_domain", domains, ("DomainId",))


def get_user_profiles(sagemaker: Any) -> list[dict[str, Any]]:
    profiles = _list_all(sagemaker, "list_user_profiles", "UserProfiles")
    keys = ("DomainId", "UserProfileName")
    return _describe_each(sagemaker, "describe_user_profile", profiles, keys)


def get_spaces(sagemaker: Any) -> list[dict[str, Any]]:
    spaces = _list_all(sagemaker, "list_spaces", "Spaces")
    return _describe_each(sagemaker, "describe_space", spaces, ("DomainId", "SpaceName"))



# --- find_*: pure ----------------------------------------------------------------------------


def idle_settings_of(settings: dict[str, Any] | None, app_key: str) -> dict[str, Any] | None:
    app = (settings or {}).get(app_key) or {}
    return (app.get("AppLifecycleManagement") or {}).get("IdleSettings")


def judge_idle_settings(
    idle: dict[str, Any] | None, max_minutes: int, *, required: bool
) -> str | None:
    """What is wrong with one IdleSettings, or None. `required`: absence is itself a problem
    (domain defaults); elsewhere absence inherits the level above."""
    if not idle:
        return "not configured (idle shutdown off)" if required else None
    switch = idle.get("LifecycleManagement")
    if switch == "DISABLED" or (required and switch is None):
        return "disabled"
    timeout = idle.get("IdleTimeoutInMinutes")
    if timeout is not None and timeout > max_minutes:
        return f"timeout {timeout} min > {max_minutes} min"
    return None


def problems_of(
    settings_by_scope: dict[str, tuple[dict[str, Any] | None, bool]], max_minutes: int
) -> dict[str, dict[str, Any]]:
    """{"DefaultUserSettings.JupyterLabAppSettings": {"problem", "lifecycle_management",
    "idle_timeout_minutes"}} for every scope × app type that has a problem."""
    problems = {}
    for scope, (settings, required) in settings_by_scope.items():
        for app_key in APP_SETTINGS.values():
            idle = idle_settings_of(settings, app_key)
            problem = judge_idle_settings(idle, max_minutes, required=required)
            if problem:
                problems[f"{scope}.{app_key}"] = {
                    "problem": problem,
                    "lifecycle_management": (idle or {}).get("LifecycleManagement"),
                    "idle_timeout_minutes": (idle or {}).get("IdleTimeoutInMinutes"),
                }
    return problems


def reason_for(problems: dict[str, dict[str, Any]], max_minutes: int) -> str:
    apps = sorted({path.split(".")[-1].removesuffix("AppSettings") for path in problems})
    what = " and ".join(apps)
    if all("timeout" in p["problem"] for p in problems.values()):
        longest = max(p["idle_timeout_minutes"] for p in problems.values())
        return (f"Idle shutdown waits {longest} min for {what}: "
                f"lower IdleTimeoutInMinutes to {max_minutes} or less")
    return (f"Idle shutdown is off for {what}: enable AppLifecycleManagement.IdleSettings "
            f"with IdleTimeoutInMinutes of {max_minutes} or less")


def scopes_of(resource_type: ResourceType, record: dict[str, Any]) -> dict[str, tuple[Any, bool]]:
    if resource_type is ResourceType.STUDIO_DOMAIN:
        space_defaults = record.get("DefaultSpaceSettings")
        return {
            "DefaultUserSettings": (record.get("DefaultUserSettings"), True),
            "DefaultSpaceSettings": (space_defaults, False),
        }
    if resource_type is ResourceType.STUDIO_USER_PROFILE:
        return {"UserSettings": (record.get("UserSettings"), False)}
    return {"SpaceSettings": (record.get("SpaceSettings"), False)}


IDENTITY = {
    ResourceType.STUDIO_DOMAIN: ("DomainArn", lambda r: r["DomainId"]),
    ResourceType.STUDIO_USER_PROFILE: (
        "UserProfileArn", lambda r: f"{r['DomainId']}/{r['UserProfileName']}"
    ),
    ResourceType.STUDIO_SPACE: ("SpaceArn", lambda r: f"{r['DomainId']}/{r['SpaceName']}"),
}


def find_idle_shutdown_off(
    ctx: ScanContext,
    records: list[tuple[ResourceType, dict[str, Any]]],
    tags_by_arn: dict[str, dict[str, str]] | None,
) -> list[Finding]:
    """`records`: (resource type, Describe* answer). `tags_by_arn=None`: tags unreadable, so the
    findings are never offered for action."""
    max_minutes = ctx.settings.studio_max_idle_minutes
    findings = []
    for resource_type, record in records:
        if record.get("Status") in GONE_STATUSES:
            continue
        problems = problems_of(scopes_of(resource_type, record), max_minutes)
        if not problems:
            continue
        arn_key, name_of = IDENTITY[resource_type]
        evidence: dict[str, Any] = {
            "settings": problems,
            "max_idle_minutes": max_minutes,
            "domain_id": record["DomainId"],
        }
        if record.get("DomainName"):
            evidence["domain_name"] = record["DomainName"]
        finding = make_finding(
            ctx,
            kind=KIND,
            resource_type=resource_type,
            name=name_of(record),
            arn=record[arn_key],
            instance_type=None,
            est_monthly_cost_usd=None,  # a setting: its cost shows as idle-studio-app findings
            est_monthly_savings_usd=None,
            reason=reason_for(problems, max_minutes),
            evidence=evidence,
            tags=(tags_by_arn or {}).get(record[arn_key], {}),
            tags_unreadable=tags_by_arn is None,
        )
        findings.append(finding)
    return findings


# --- glue ------------------------------------------------------------------------------------


def scan(ctx: ScanContext) -> list[Finding]:
    sagemaker = ctx.clients("sagemaker")
    domains = get_domains(sagemaker)
    if not domains:
        return []  # no Studio in this region: nothing else to list
    records = [(ResourceType.STUDIO_DOMAIN, d) for d in domains]
    records += [(ResourceType.STUDIO_USER_PROFILE, p) for p in get_user_profiles(sagemaker)]
    records += [(ResourceType.STUDIO_SPACE, s) for s in get_spaces(sagemaker)]
    findings = find_idle_shutdown_off(ctx, records, {})
    if not findings:
        return []
    arns = [f.arn for f in findings]
    tags = read_tags(ctx, "ListTags", KIND, lambda: get_sagemaker_tags(sagemaker, arns))
    return find_idle_shutdown_off(ctx, records, tags)
