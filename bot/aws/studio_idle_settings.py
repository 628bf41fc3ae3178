"""Switch on Studio's built-in idle shutdown where a `studio-idle-shutdown-off` finding found it off.

The setting lives in `<scope>.<AppType>AppSettings.AppLifecycleManagement.IdleSettings` at the
level the finding names: a domain (`DefaultUserSettings`, `DefaultSpaceSettings`), a user profile
(`UserSettings`) or a space (`SpaceSettings`, which carries only a timeout). The change is one
UpdateDomain / UpdateUserProfile / UpdateSpace that sends, for each app type named, the app
settings as DescribeX returned them with only the IdleSettings changed: the update replaces the
app-type structure it is given, so the other fields (images, lifecycle configs, resource spec)
must travel with it. What was there before is saved by the caller; Undo sends it back.

Idle shutdown stops JupyterLab and Code Editor apps, which exist only in the new Studio: a domain
or profile whose `StudioWebPortal` is DISABLED runs Studio Classic only and is told so instead.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.actions.models import ActionKind, OutcomeCode, ResourceKey
from bot.aws.session import request_id
from bot.models import ResourceType

PERMISSIONS = [
    "sagemaker:DescribeDomain",
    "sagemaker:DescribeUserProfile",
    "sagemaker:DescribeSpace",
    "sagemaker:UpdateDomain",
    "sagemaker:UpdateUserProfile",
    "sagemaker:UpdateSpace",
]

STUDIO_SETTINGS_ACTIONS = (ActionKind.ENABLE_IDLE_SHUTDOWN, ActionKind.RESTORE_IDLE_SETTINGS)
RESOURCE_TYPES = (
    ResourceType.STUDIO_DOMAIN, ResourceType.STUDIO_USER_PROFILE, ResourceType.STUDIO_SPACE
)
# Which scopes each resource type holds, and the update call and ARN key of each.
SCOPES = {
    ResourceType.STUDIO_DOMAIN: ("DefaultUserSettings", "DefaultSpaceSettings"),
    ResourceType.STUDIO_USER_PROFILE: ("UserSettings",),
    ResourceType.STUDIO_SPACE: ("SpaceSettings",),
}
ARN_KEYS = {
    ResourceType.STUDIO_DOMAIN: "DomainArn",
    ResourceType.STUDIO_USER_PROFILE: "UserProfileArn",
    ResourceType.STUDIO_SPACE: "SpaceArn",
}
CLASSIC_ONLY = (
    "runs Studio Classic only (StudioWebPortal DISABLED): idle shutdown stops JupyterLab and"
    " Code Editor apps of the new Studio, which this {what} does not offer; turn on the new"
    " Studio experience first"
)


def identity(key: ResourceKey) -> dict[str, str]:
    """API parameters from the finding name: `d-xxx`, `d-xxx/profile`, `d-xxx/space`."""
    domain, _, name = key.name.partition("/")
    if key.resource_type is ResourceType.STUDIO_DOMAIN:
        return {"DomainId": domain}
    if not name:
        raise ValueError(f"cannot tell domain/name from {key.name!r}")
    if key.resource_type is ResourceType.STUDIO_USER_PROFILE:
        return {"DomainId": domain, "UserProfileName": name}
    return {"DomainId": domain, "SpaceName": name}


def describe(sm: Any, key: ResourceKey) -> dict[str, Any]:
    method = {
        ResourceType.STUDIO_DOMAIN: sm.describe_domain,
        ResourceType.STUDIO_USER_PROFILE: sm.describe_user_profile,
        ResourceType.STUDIO_SPACE: sm.describe_space,
    }[key.resource_type]
    record = method(**identity(key))
    record.pop("ResponseMetadata", None)
    return record


def studio_web_portal(key: ResourceKey, record: dict[str, Any], domain: dict[str, Any]) -> str:
    own = (record.get("UserSettings") or {}).get("StudioWebPortal")
    return own or (domain.get("DefaultUserSettings") or {}).get("StudioWebPortal") or "ENABLED"


def details_of(sm: Any, key: ResourceKey) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the DescribeX answer, what the checks read: the scopes' settings and the portal)."""
    record = describe(sm, key)
    domain = record if key.resource_type is ResourceType.STUDIO_DOMAIN else sm.describe_domain(
        DomainId=record["DomainId"]
    )
    scopes = {scope: record.get(scope) or {} for scope in SCOPES[key.resource_type]}
    return record, {"settings": scopes, "studio_web_portal": studio_web_portal(key, record, domain)}


def _idle(scope_settings: dict[str, Any], app_key: str) -> dict[str, Any] | None:
    app = scope_settings.get(app_key) or {}
    return (app.get("AppLifecycleManagement") or {}).get("IdleSettings")


def wanted_idle(scope: str, current: dict[str, Any] | None, minutes: int) -> dict[str, Any]:
    """IdleSettings switched on at `minutes`; a space takes only the timeout. User-settable bounds
    already set are widened to include `minutes` (AWS refuses a timeout outside them)."""
    if scope == "SpaceSettings":
        return {"IdleTimeoutInMinutes": minutes}
    idle = dict(current or {})
    idle.update(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=minutes)
    if idle.get("MaxIdleTimeoutInMinutes") is not None and idle["MaxIdleTimeoutInMinutes"] < minutes:
        idle["MaxIdleTimeoutInMinutes"] = minutes
    if idle.get("MinIdleTimeoutInMinutes") is not None and idle["MinIdleTimeoutInMinutes"] > minutes:
        idle["MinIdleTimeoutInMinutes"] = minutes
    return idle


def targets(params: dict[str, Any]) -> dict[str, list[str]]:
    """{"DefaultUserSettings": ["JupyterLabAppSettings", ...]} from the request's params."""
    return {scope: list(apps) for scope, apps in (params.get("scopes") or {}).items()}


def is_enabled(scope: str, idle: dict[str, Any] | None, minutes: int) -> bool:
    if not idle:
        return False
    timeout = idle.get("IdleTimeoutInMinutes")
    on = scope == "SpaceSettings" or idle.get("LifecycleManagement") == "ENABLED"
    return on and timeout is not None and timeout <= minutes


def is_done(action: ActionKind, details: dict[str, Any], params: dict[str, Any]) -> bool:
    """Whether the settings already are what the action leaves (crash recovery). Pure."""
    settings = details.get("settings") or {}
    if action is ActionKind.ENABLE_IDLE_SHUTDOWN:
        minutes, wanted = int(params.get("idle_minutes", 0)), targets(params)
        return bool(wanted) and all(
            is_enabled(scope, _idle(settings.get(scope) or {}, app), minutes)
            for scope, apps in wanted.items() for app in apps
        )
    return all(
        _idle(settings.get(scope) or {}, app) == (idle or None)
        for scope, apps in (params.get("before") or {}).items() for app, idle in apps.items()
    )


def preflight(
    action: ActionKind, key: ResourceKey, details: dict[str, Any], params: dict[str, Any]
) -> tuple[OutcomeCode, str] | None:
    """Studio Classic, and "already so", after the common checks. Pure."""
    what = f"{key.resource_type} {key.name}"
    if action is ActionKind.ENABLE_IDLE_SHUTDOWN:
        if details.get("studio_web_portal") == "DISABLED":
            kind = "domain" if key.resource_type is ResourceType.STUDIO_DOMAIN else "user"
            return OutcomeCode.WRONG_STATE, (
                f"{what} {CLASSIC_ONLY.format(what=kind)}: nothing changed"
            )
        if is_done(action, details, params):
            return OutcomeCode.ALREADY, (
                f"{what} already shuts idle apps down within {params.get('idle_minutes')} min:"
                " nothing changed"
            )
    if action is ActionKind.RESTORE_IDLE_SETTINGS and is_done(action, details, params):
        return OutcomeCode.ALREADY, f"{what} already has its earlier idle settings: nothing changed"
    return None


def before_of(details: dict[str, Any], params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{scope: {app key: IdleSettings or None}} for the app types the change touches."""
    settings = details.get("settings") or {}
    return {
        scope: {app: _idle(settings.get(scope) or {}, app) for app in apps}
        for scope, apps in targets(params).items()
    }


def _with_idle(scope_settings: dict[str, Any], app_key: str, idle: dict[str, Any] | None) -> dict:
    app = copy.deepcopy(scope_settings.get(app_key) or {})
    if idle:
        app["AppLifecycleManagement"] = {"IdleSettings": idle}
    else:
        app.pop("AppLifecycleManagement", None)
    return app


def update_params(
    action: ActionKind, key: ResourceKey, record: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any]:
    """The UpdateX parameters: each named app type's settings as described, IdleSettings changed."""
    update: dict[str, Any] = identity(key)
    if action is ActionKind.ENABLE_IDLE_SHUTDOWN:
        minutes = int(params["idle_minutes"])
        for scope, apps in targets(params).items():
            current = record.get(scope) or {}
            update[scope] = {
                app: _with_idle(current, app, wanted_idle(scope, _idle(current, app), minutes))
                for app in apps
            }
    else:  # RESTORE_IDLE_SETTINGS: what was there before, and nothing else
        for scope, apps in (params.get("before") or {}).items():
            current = record.get(scope) or {}
            update[scope] = {app: _with_idle(current, app, idle) for app, idle in apps.items()}
            for app, idle in apps.items():
                if not idle and scope != "SpaceSettings":
                    # Nothing was set: "off" is what the finding saw, and AWS keeps a setting
                    # an update leaves out, so switch it off explicitly.
                    update[scope][app]["AppLifecycleManagement"] = {
                        "IdleSettings": {"LifecycleManagement": "DISABLED"}
                    }
    return update


def perform(clients: Any, action: ActionKind, key: ResourceKey, params: dict[str, Any]) -> str | None:
    sm = clients("sagemaker")
    record = describe(sm, key)
    update = update_params(action, key, record, params)
    call = {
        ResourceType.STUDIO_DOMAIN: sm.update_domain,
        ResourceType.STUDIO_USER_PROFILE: sm.update_user_profile,
        ResourceType.STUDIO_SPACE: sm.update_space,
    }[key.resource_type]
    return request_id(call(**update))
