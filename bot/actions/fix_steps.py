"""The executor's extra steps for lasting fixes (auto-stop, idle shutdown, resize).

Before the change, what it replaces is saved for Undo (`save_before`); an auto-stop an InService
notebook cannot take without a restart nobody chose is remembered for its next stop instead of
sent (`defer`); and the outcome says what changed in words (`done_message`).
"""

from __future__ import annotations

from typing import Any

from bot.actions.fix_store import FixStore
from bot.actions.models import ActionKind, ActionRequest
from bot.aws import notebook_fixes, studio_idle_settings
from bot.aws.actions import Observation
from bot.models import Finding
from bot.services import Services

FIX_ACTIONS = frozenset(
    notebook_fixes.NOTEBOOK_UPDATES + studio_idle_settings.STUDIO_SETTINGS_ACTIONS
)


def scopes_of(finding: Finding | None) -> dict[str, list[str]]:
    """{"DefaultUserSettings": ["JupyterLabAppSettings"]}: the levels and app types a
    studio-idle-shutdown-off finding names (its evidence keys are `<scope>.<app settings>`)."""
    scopes: dict[str, list[str]] = {}
    for path in sorted((finding.evidence if finding else {}).get("settings") or {}):
        scope, _, app = path.partition(".")
        scopes.setdefault(scope, []).append(app)
    return scopes


def button_params(
    services: Services, action: ActionKind, restart_now: bool, finding: Finding | None = None
) -> dict[str, Any]:
    """A fix request's parameters, fixed when it is asked for (the idle time it will install,
    whether the requester chose to restart the notebook now, the settings the finding names)."""
    settings = services.settings
    if action is ActionKind.ENABLE_IDLE_SHUTDOWN:
        return {"scopes": scopes_of(finding), "idle_minutes": settings.studio_max_idle_minutes}
    if action is ActionKind.RESIZE_NOTEBOOK:
        target = (finding.evidence if finding else {}).get("suggested_instance_type")
        return {"instance_type": target, "restart_now": True}
    if action is ActionKind.INSTALL_AUTO_STOP:
        return {
            "restart_now": restart_now,
            "idle_minutes": settings.auto_stop_idle_minutes,
            "ignore_connections": settings.auto_stop_ignore_connections,
        }
    return {}


def save_before(services: Services, request: ActionRequest, observation: Observation) -> None:
    before = dict(observation.details)
    if request.action in studio_idle_settings.STUDIO_SETTINGS_ACTIONS:
        before = studio_idle_settings.before_of(observation.details, request.params)
    FixStore(services.store).save_before(
        request.id, request.resource_key, str(request.action), before, services.clock(),
    )


def defer(services: Services, request: ActionRequest, observation: Observation) -> str | None:
    """Remember an auto-stop for the notebook's next stop; the sentence saying so, or None."""
    if request.action is not ActionKind.INSTALL_AUTO_STOP:
        return None
    if not notebook_fixes.defers(observation.state, request.params):
        return None
    FixStore(services.store).add_pending(
        request.id, request.resource_key, str(request.action), request.params, services.clock()
    )
    return (
        f"notebook {request.key.name} is InService and no restart was chosen: auto-stop will be"
        " attached when a scan next sees it Stopped"
    )


def is_pending(services: Services, request: ActionRequest) -> bool:
    """An auto-stop remembered for the next stop before a crash: that was the whole action."""
    return (
        request.action is ActionKind.INSTALL_AUTO_STOP
        and FixStore(services.store).pending_of(request.id) is not None
    )


def done_message(request: ActionRequest, state_before: str) -> str:
    name = request.key.name
    restarted = " (stopped, updated and started again)" if state_before == "InService" else ""
    if request.action is ActionKind.INSTALL_AUTO_STOP:
        return (
            f"attached auto-stop to notebook {name}{restarted}: it stops itself after"
            f" {request.params.get('idle_minutes', 60)} idle minutes"
        )
    if request.action is ActionKind.RESTORE_LIFECYCLE_CONFIG:
        config = request.params.get("lifecycle_config") or "no lifecycle configuration"
        return f"notebook {name} has {config} again{restarted}"
    if request.action is ActionKind.RESIZE_NOTEBOOK:
        return f"notebook {name} is now {request.params.get('instance_type')}{restarted}"
    if request.action is ActionKind.ENABLE_IDLE_SHUTDOWN:
        apps = sorted({a.removesuffix("AppSettings") for a in
                       sum(studio_idle_settings.targets(request.params).values(), [])})
        return (
            f"{request.key.resource_type} {name} has idle shutdown after"
            f" {request.params.get('idle_minutes')} min for {' and '.join(apps)} apps"
        )
    if request.action is ActionKind.RESTORE_IDLE_SETTINGS:
        return f"{request.key.resource_type} {name} has its earlier idle settings again"
    return f"{request.action.verb} {name}: done"
