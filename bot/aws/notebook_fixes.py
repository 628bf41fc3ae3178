"""Lasting fixes on notebook instances: attach an auto-stop lifecycle configuration, resize.

Both go through UpdateNotebookInstance, which AWS refuses while the notebook is InService: the
notebook must be Stopped. So a fix either runs at once on a Stopped notebook, or (only when the
requester chose "restart now") stops it, updates it and starts it again; otherwise the caller
remembers it and applies it when a scan next sees the notebook Stopped (`defers`).

The auto-stop configuration is created once per account-region under `AUTO_STOP_CONFIG`. A
notebook that already runs its own configuration gets a new one, `<name>-auto-stop`, whose
on-start runs the auto-stop set-up and then the original script unchanged (its on-create is kept
as is): the original configuration is never replaced silently, and Undo re-attaches it.
"""

from __future__ import annotations

import base64
from importlib import resources
from typing import Any

from botocore.exceptions import ClientError

from bot.actions.models import ActionKind, OutcomeCode, ResourceKey
from bot.aws.session import error_code, request_id

AUTO_STOP_CONFIG = "sm-cost-bot-auto-stop"
AUTO_STOP_SUFFIX = "-auto-stop"
CONFIG_NAME_MAX = 63  # NotebookInstanceLifecycleConfigName
SCRIPT_CONTENT_MAX = 16384  # NotebookInstanceLifecycleConfigContent: base64 text, per script
CRON_MARKER = "sm-cost-bot-autostop"

PERMISSIONS = [
    "sagemaker:UpdateNotebookInstance",
    "sagemaker:CreateNotebookInstanceLifecycleConfig",
    "sagemaker:DescribeNotebookInstanceLifecycleConfig",
]

NOTEBOOK_UPDATES = (
    ActionKind.INSTALL_AUTO_STOP,
    ActionKind.RESTORE_LIFECYCLE_CONFIG,
    ActionKind.RESIZE_NOTEBOOK,
)
# Waiting for Stopped / InService: AWS takes minutes, moto and stubs answer at once.
WAITER_CONFIG = {"Delay": 15, "MaxAttempts": 80}


class FixRefused(ValueError):
    """A fix that cannot be made as asked (script too long, name taken): said to the user."""


# --- the auto-stop script ------------------------------------------------------------------------


def _package_text(name: str) -> str:
    return resources.files("bot.aws").joinpath("auto_stop", name).read_text()


def auto_stop_script(idle_minutes: int, ignore_connections: bool) -> str:
    """The on-start script (plain text) that installs the idle check as a cron job."""
    template = _package_text("on-start.sh")
    return (
        template.replace("__AUTOSTOP_PY__", _package_text("autostop.py").rstrip("\n"))
        .replace("__IDLE_MINUTES__", str(idle_minutes))
        .replace("__IDLE_SECONDS__", str(idle_minutes * 60))
        .replace("__IGNORE_CONNECTIONS__", " --ignore-connections" if ignore_connections else "")
    )


def encode(script: str) -> str:
    return base64.b64encode(script.encode()).decode()


def decode(content: str) -> str:
    return base64.b64decode(content).decode(errors="replace")


def merged_on_start(original: str | None, auto_stop: str) -> str:
    """The auto-stop set-up first, in a subshell (its `set -e` and `exit` stay inside it), then the
    original on-start script unchanged, so an early `exit` in the original cannot skip ours."""
    body = auto_stop.split("\n", 1)[1] if auto_stop.startswith("#!") else auto_stop
    parts = ["#!/bin/bash", "# --- added by sm-cost-bot: auto-stop (the original script follows) ---",
             "(", body.rstrip("\n"), ")"]
    if original:
        parts += ["# --- the original on-start script, unchanged ---", original.rstrip("\n")]
    return "\n".join(parts) + "\n"


def merged_config_name(original: str) -> str:
    return original[: CONFIG_NAME_MAX - len(AUTO_STOP_SUFFIX)].rstrip("-") + AUTO_STOP_SUFFIX


def has_auto_stop(config_name: str | None) -> bool:
    """A configuration this bot made (by its name)."""
    return bool(config_name) and (
        config_name == AUTO_STOP_CONFIG or config_name.endswith(AUTO_STOP_SUFFIX)
    )


def on_start_contents(config: dict[str, Any]) -> str | None:
    hooks = config.get("OnStart") or []
    return decode(hooks[0]["Content"]) if hooks and hooks[0].get("Content") else None


# --- lifecycle configurations (create/describe) -----------------------------------------------


def describe_config(sm: Any, name: str) -> dict[str, Any] | None:
    try:
        return sm.describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=name
        )
    except ClientError as exc:
        if error_code(exc) == "ValidationException" and "does not exist" in str(exc):
            return None  # AWS answers a missing config with a ValidationException
        raise


def ensure_config(sm: Any, name: str, on_start: str, on_create: list[dict[str, str]]) -> bool:
    """Create the configuration unless it exists; True when this call created it. An existing
    one is used as it is (created once per account-region, whoever made it first)."""
    if describe_config(sm, name) is not None:
        return False
    content = encode(on_start)
    if len(content) > SCRIPT_CONTENT_MAX:
        raise FixRefused(
            f"the on-start script with auto-stop added would be {len(content)} characters"
            f" (AWS allows {SCRIPT_CONTENT_MAX}): attach an auto-stop by hand"
        )
    create: dict[str, Any] = {
        "NotebookInstanceLifecycleConfigName": name, "OnStart": [{"Content": content}],
    }
    if on_create:
        create["OnCreate"] = on_create
    try:
        sm.create_notebook_instance_lifecycle_config(**create)
    except ClientError as exc:
        if "already exists" not in str(exc):
            raise
        return False  # created meanwhile by a concurrent fix: the same name, the same content
    return True


def auto_stop_config_for(sm: Any, current: str | None, params: dict[str, Any]) -> str:
    """The name of the configuration to attach, created if needed: ours for a notebook without
    one, else a copy of its own with the auto-stop added."""
    script = auto_stop_script(
        int(params.get("idle_minutes", 60)), bool(params.get("ignore_connections"))
    )
    if not current:
        ensure_config(sm, AUTO_STOP_CONFIG, script, [])
        return AUTO_STOP_CONFIG
    original = describe_config(sm, current)
    if original is None:
        raise FixRefused(f"the notebook's lifecycle configuration {current} cannot be read")
    name = merged_config_name(current)
    on_create = [{"Content": h["Content"]} for h in original.get("OnCreate") or []]
    ensure_config(sm, name, merged_on_start(on_start_contents(original), script), on_create)
    return name


# --- the notebook update ---------------------------------------------------------------------------


def defers(state: str, params: dict[str, Any]) -> bool:
    """An InService notebook whose requester did not choose "restart now": attach at next stop."""
    return state == "InService" and not params.get("restart_now")


def _wait(sm: Any, waiter: str, name: str) -> None:
    sm.get_waiter(waiter).wait(NotebookInstanceName=name, WaiterConfig=WAITER_CONFIG)


def update_notebook(sm: Any, name: str, changes: dict[str, Any]) -> str | None:
    """UpdateNotebookInstance on a Stopped notebook; an InService one is stopped first and started
    again after (the caller has checked that a restart was chosen). Returns the update's id."""
    status = sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
    restart = status == "InService"
    if restart:
        sm.stop_notebook_instance(NotebookInstanceName=name)
        _wait(sm, "notebook_instance_stopped", name)
    answer = sm.update_notebook_instance(NotebookInstanceName=name, **changes)
    if restart:
        # The update moves the notebook to Updating, then back to Stopped.
        _wait(sm, "notebook_instance_stopped", name)
        sm.start_notebook_instance(NotebookInstanceName=name)
    return request_id(answer)


def lifecycle_changes(config: str | None) -> dict[str, Any]:
    return {"LifecycleConfigName": config} if config else {"DisassociateLifecycleConfig": True}


def preflight(
    action: ActionKind, key: ResourceKey, state: str, details: dict[str, Any], params: dict[str, Any]
) -> tuple[OutcomeCode, str] | None:
    """The action-specific "already done" and "cannot" checks, after the common ones. Pure."""
    what = f"notebook-instance {key.name}"
    current = details.get("lifecycle_config")
    if action is ActionKind.INSTALL_AUTO_STOP and has_auto_stop(current):
        return OutcomeCode.ALREADY, f"{what} already runs auto-stop ({current}): nothing changed"
    if action is ActionKind.RESTORE_LIFECYCLE_CONFIG and current == params.get("lifecycle_config"):
        was = current or "no lifecycle configuration"
        return OutcomeCode.ALREADY, f"{what} already has {was}: nothing changed"
    if action is ActionKind.RESIZE_NOTEBOOK:
        target = params.get("instance_type")
        if not target:
            return OutcomeCode.WRONG_STATE, f"no smaller type is known for {what}: nothing changed"
        if details.get("instance_type") == target:
            return OutcomeCode.ALREADY, f"{what} is already {target}: nothing changed"
        if state == "InService" and not params.get("restart_now"):
            return OutcomeCode.WRONG_STATE, (
                f"{what} is InService and a resize needs a restart nobody chose: nothing changed"
            )
    return None


def is_done(action: ActionKind, details: dict[str, Any], params: dict[str, Any]) -> bool:
    """Whether the notebook already looks as the action leaves it (crash recovery). Pure."""
    if action is ActionKind.INSTALL_AUTO_STOP:
        return has_auto_stop(details.get("lifecycle_config"))
    if action is ActionKind.RESTORE_LIFECYCLE_CONFIG:
        return details.get("lifecycle_config") == params.get("lifecycle_config")
    return bool(params.get("instance_type")) and details.get("instance_type") == params["instance_type"]


def perform(clients: Any, action: ActionKind, key: ResourceKey, params: dict[str, Any]) -> str | None:
    sm = clients("sagemaker")
    if action is ActionKind.INSTALL_AUTO_STOP:
        current = sm.describe_notebook_instance(NotebookInstanceName=key.name).get(
            "NotebookInstanceLifecycleConfigName"
        )
        config = auto_stop_config_for(sm, current, params)
        return update_notebook(sm, key.name, lifecycle_changes(config))
    if action is ActionKind.RESTORE_LIFECYCLE_CONFIG:
        return update_notebook(sm, key.name, lifecycle_changes(params.get("lifecycle_config")))
    if action is ActionKind.RESIZE_NOTEBOOK:
        return update_notebook(sm, key.name, {"InstanceType": params["instance_type"]})
    raise ValueError(f"not a notebook fix: {action}")
