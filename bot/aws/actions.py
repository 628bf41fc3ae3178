"""The mutations the bot may make on SageMaker, declared as data, plus the reads that guard them.

Each action declares the states it may start from and the states that mean "already done"
(as Cloud Custodian declares `valid_origin_status`). Just before acting, the executor re-reads
the resource (`observe`) and asks `preflight` whether acting is still right: gone, already done,
in a state the action cannot start from, protected since, or no longer idle all stop it with a
reason. The same observation decides crash recovery (`is_done`): nothing is re-run blindly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from bot.actions.models import ActionKind, OutcomeCode, ResourceKey
from bot.aws import hosting_actions, notebook_fixes, studio_idle_settings
from bot.aws.endpoint_configs import config_create_params
from bot.aws.metrics import component_series, series_dimensions
from bot.aws.session import request_id
from bot.models import ResourceType
from bot.scan.studio_activity import user_activity

ABSENT = "Absent"  # the state we give a resource that does not exist

PERMISSIONS: list[str] = [
    "sagemaker:DescribeNotebookInstance",
    "sagemaker:StopNotebookInstance",
    "sagemaker:StartNotebookInstance",
    "sagemaker:DescribeEndpoint",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:DeleteEndpoint",
    "sagemaker:CreateEndpoint",
    "sagemaker:CreateEndpointConfig",
    "sagemaker:DescribeApp",
    "sagemaker:DeleteApp",
    "sagemaker:ListTags",
    "sagemaker:AddTags",
    "cloudwatch:GetMetricStatistics",
    "sagemaker:ListInferenceComponents",
    "logs:DescribeLogStreams",  # the Stop guard re-reads the Jupyter log ...
    "cloudtrail:LookupEvents",  # ... and presigned-URL events (bot/actions/notebook_guard.py)
    *notebook_fixes.PERMISSIONS,
    *studio_idle_settings.PERMISSIONS,
    *hosting_actions.PERMISSIONS,
]

Clients = Callable[[str], Any]


@dataclass(frozen=True)
class Guard:
    resource_type: ResourceType
    operation: str  # the mutating API call (what the audit and the tests count)
    valid_states: frozenset[str]
    done_states: frozenset[str]
    absent_is_done: bool = False
    service: str = "sagemaker"  # the operation's IAM prefix


GUARDS: dict[ActionKind, Guard] = {
    ActionKind.STOP_NOTEBOOK: Guard(
        ResourceType.NOTEBOOK_INSTANCE, "StopNotebookInstance",
        frozenset({"InService"}), frozenset({"Stopped", "Stopping"}),
    ),
    ActionKind.START_NOTEBOOK: Guard(
        ResourceType.NOTEBOOK_INSTANCE, "StartNotebookInstance",
        frozenset({"Stopped"}), frozenset({"InService", "Pending"}),
    ),
    ActionKind.DELETE_ENDPOINT: Guard(
        ResourceType.ENDPOINT, "DeleteEndpoint",
        frozenset({"InService", "OutOfService", "Failed", "UpdateRollbackFailed"}),
        frozenset({"Deleting"}), absent_is_done=True,
    ),
    ActionKind.DELETE_STUDIO_APP: Guard(
        ResourceType.STUDIO_APP, "DeleteApp",
        frozenset({"InService", "Failed"}), frozenset({"Deleted", "Deleting"}),
        absent_is_done=True,
    ),
    ActionKind.RESTORE_ENDPOINT: Guard(
        ResourceType.ENDPOINT, "CreateEndpoint",
        frozenset({ABSENT}), frozenset({"InService", "Creating", "Updating"}),
    ),
    # UpdateNotebookInstance needs Stopped; InService is stopped and restarted, or deferred.
    # "Already done" is read from the attached configuration (notebook_fixes.preflight).
    ActionKind.INSTALL_AUTO_STOP: Guard(
        ResourceType.NOTEBOOK_INSTANCE, "UpdateNotebookInstance",
        frozenset({"InService", "Stopped"}), frozenset(),
    ),
    ActionKind.RESTORE_LIFECYCLE_CONFIG: Guard(
        ResourceType.NOTEBOOK_INSTANCE, "UpdateNotebookInstance",
        frozenset({"InService", "Stopped"}), frozenset(),
    ),
    ActionKind.RESIZE_NOTEBOOK: Guard(
        ResourceType.NOTEBOOK_INSTANCE, "UpdateNotebookInstance",
        frozenset({"InService", "Stopped"}), frozenset(),
    ),
    # At a user profile or space the call is UpdateUserProfile / UpdateSpace (same policy).
    ActionKind.ENABLE_IDLE_SHUTDOWN: Guard(
        ResourceType.STUDIO_DOMAIN, "UpdateDomain", frozenset({"InService"}), frozenset(),
    ),
    ActionKind.RESTORE_IDLE_SETTINGS: Guard(
        ResourceType.STUDIO_DOMAIN, "UpdateDomain", frozenset({"InService"}), frozenset(),
    ),
    # Hosting actions: "already done" is read from the variant (hosting_actions.preflight).
    ActionKind.ENABLE_AUTOSCALING: Guard(
        ResourceType.ENDPOINT, "RegisterScalableTarget", frozenset({"InService"}), frozenset(),
        service="application-autoscaling",
    ),
    ActionKind.REMOVE_AUTOSCALING: Guard(
        ResourceType.ENDPOINT, "DeregisterScalableTarget",
        frozenset({"InService", "Updating"}), frozenset(), service="application-autoscaling",
    ),
    ActionKind.RESIZE_ENDPOINT: Guard(
        ResourceType.ENDPOINT, "UpdateEndpoint", frozenset({"InService"}), frozenset(),
    ),
    ActionKind.UNDO_RESIZE_ENDPOINT: Guard(
        ResourceType.ENDPOINT, "UpdateEndpoint", frozenset({"InService"}), frozenset(),
    ),
}

# What a click on an item button means for each resource type.
ACTIONS_BY_BUTTON: dict[tuple[str, ResourceType], ActionKind] = {
    ("stop", ResourceType.NOTEBOOK_INSTANCE): ActionKind.STOP_NOTEBOOK,
    ("start", ResourceType.NOTEBOOK_INSTANCE): ActionKind.START_NOTEBOOK,
    ("delete", ResourceType.ENDPOINT): ActionKind.DELETE_ENDPOINT,
    ("delete", ResourceType.STUDIO_APP): ActionKind.DELETE_STUDIO_APP,
    ("auto-stop", ResourceType.NOTEBOOK_INSTANCE): ActionKind.INSTALL_AUTO_STOP,
    ("auto-stop-restart", ResourceType.NOTEBOOK_INSTANCE): ActionKind.INSTALL_AUTO_STOP,
    ("resize", ResourceType.NOTEBOOK_INSTANCE): ActionKind.RESIZE_NOTEBOOK,
    ("resize", ResourceType.ENDPOINT): ActionKind.RESIZE_ENDPOINT,
    ("autoscale", ResourceType.ENDPOINT): ActionKind.ENABLE_AUTOSCALING,
    **{("enable-idle-shutdown", t): ActionKind.ENABLE_IDLE_SHUTDOWN
       for t in studio_idle_settings.RESOURCE_TYPES},
}
# Buttons that also say "do it now, restarting what has to be restarted".
RESTART_VERBS = frozenset({"auto-stop-restart", "resize"})

_NOT_FOUND_CODES = {"ResourceNotFound", "ResourceNotFoundException"}


def _is_not_found(exc: ClientError) -> bool:
    err = exc.response.get("Error", {})
    code, message = err.get("Code", ""), err.get("Message", "")
    return code in _NOT_FOUND_CODES or (
        code == "ValidationException" and ("Could not find" in message or "RecordNotFound" in message)
    )


@dataclass(frozen=True)
class Observation:
    """What the resource looks like now (state ABSENT when it does not exist)."""

    state: str
    tags: dict[str, str]
    activity: str | None = None  # the idleness marker compared with the request's baseline
    arn: str | None = None
    variants: tuple[str, ...] = ()
    # What the action-specific checks read (a notebook's lifecycle config and instance type).
    details: dict[str, Any] = field(default_factory=dict, compare=False)


def studio_app_params(name: str, params: dict[str, Any]) -> dict[str, str]:
    """DescribeApp/DeleteApp parameters: from the request's params, else the finding name
    `domain/user-profile-or-space/AppType/AppName` (a space is written `space:<name>`)."""
    keys = ("DomainId", "AppType", "AppName")
    if all(params.get(k) for k in keys) and (params.get("UserProfileName") or params.get("SpaceName")):
        out = {k: params[k] for k in keys}
        owner_key = "SpaceName" if params.get("SpaceName") else "UserProfileName"
        out[owner_key] = params[owner_key]
        return out
    parts = name.split("/")
    if len(parts) != 4:
        raise ValueError(f"cannot tell domain/profile/type/app from Studio app name {name!r}")
    domain, owner, app_type, app_name = parts
    out = {"DomainId": domain, "AppType": app_type, "AppName": app_name}
    if owner.startswith("space:"):
        out["SpaceName"] = owner.removeprefix("space:")
    else:
        out["UserProfileName"] = owner
    return out


def _tags(sm: Any, arn: str | None) -> dict[str, str]:
    if not arn:
        return {}
    tags: dict[str, str] = {}
    for page in sm.get_paginator("list_tags").paginate(ResourceArn=arn):
        tags.update({t["Key"]: t.get("Value", "") for t in page.get("Tags", [])})
    return tags


def _stamp(value: Any) -> str | None:
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else None


def observe(clients: Clients, key: ResourceKey, params: dict[str, Any]) -> Observation:
    """Read the resource's state, tags and idleness marker; ABSENT if it does not exist."""
    sm = clients("sagemaker")
    try:
        if key.resource_type is ResourceType.NOTEBOOK_INSTANCE:
            nb = sm.describe_notebook_instance(NotebookInstanceName=key.name)
            arn = nb.get("NotebookInstanceArn")
            details = {
                "lifecycle_config": nb.get("NotebookInstanceLifecycleConfigName"),
                "instance_type": nb.get("InstanceType"),
            }
            return Observation(
                nb["NotebookInstanceStatus"], _tags(sm, arn), _stamp(nb.get("LastModifiedTime")), arn,
                details=details,
            )
        if key.resource_type is ResourceType.ENDPOINT:
            ep = sm.describe_endpoint(EndpointName=key.name)
            arn = ep.get("EndpointArn")
            variants = tuple(v["VariantName"] for v in ep.get("ProductionVariants", []))
            if params.get("variant"):  # a hosting action: the variant's config and scaling
                details = hosting_actions.details_of(clients, ep, params)
                return Observation(
                    ep["EndpointStatus"], _tags(sm, arn), hosting_actions.marker(details), arn,
                    variants, details=details,
                )
            return Observation(ep["EndpointStatus"], _tags(sm, arn), None, arn, variants)
        if key.resource_type in studio_idle_settings.RESOURCE_TYPES:
            record, details = studio_idle_settings.details_of(sm, key)
            arn = record.get(studio_idle_settings.ARN_KEYS[key.resource_type])
            return Observation(record["Status"], _tags(sm, arn), None, arn, details=details)
        if key.resource_type is ResourceType.STUDIO_APP:
            app = sm.describe_app(**studio_app_params(key.name, params))
            app.pop("ResponseMetadata", None)
            arn = app.get("AppArn")
            # Only user-activity evidence is compared: health checks move LastUserActivity too.
            return Observation(
                app["Status"], _tags(sm, arn), _stamp(user_activity(app)), arn,
                details={"app": app},
            )
    except ClientError as exc:
        if _is_not_found(exc):
            return Observation(ABSENT, {})
        raise
    raise ValueError(f"no actions on {key.resource_type}")


def invocations_since(
    clients: Clients,
    endpoint: str,
    variants: tuple[str, ...],
    since: datetime,
    now: datetime,
    components: tuple[str, ...] = (),
) -> float:
    """Sum of Invocations over every variant (EndpointName and VariantName: AWS needs both) and
    every inference component (InferenceComponentName alone), the scan's own rule."""
    # Whole minutes (CloudWatch wants StartTime < EndTime at its one-second resolution); the
    # minute of the request counts as "since", which errs towards keeping the endpoint.
    start = since.replace(second=0, microsecond=0)
    window_seconds = max((now - start).total_seconds(), 60.0)
    period = max(60, math.ceil(window_seconds / 1440 / 60) * 60)  # ≤ 1440 datapoints per call
    end = start + timedelta(seconds=math.ceil(window_seconds / period) * period)
    cloudwatch = clients("cloudwatch")
    total = 0.0
    series = [(endpoint, v) for v in variants] + [component_series(endpoint, c) for c in components]
    for one in series:
        stats = cloudwatch.get_metric_statistics(
            Namespace="AWS/SageMaker",
            MetricName="Invocations",
            Dimensions=series_dimensions(one),
            StartTime=start,
            EndTime=end,
            Period=period,
            Statistics=["Sum"],
        )
        total += sum(p.get("Sum", 0.0) for p in stats.get("Datapoints", []))
    return total


def baseline_of(observation: Observation) -> dict[str, Any]:
    """What is kept at request time to tell later whether the resource stayed idle."""
    return {"state": observation.state, "activity": observation.activity}


def is_done(
    action: ActionKind, observation: Observation, params: dict[str, Any] | None = None
) -> bool:
    guard = GUARDS[action]
    if action in notebook_fixes.NOTEBOOK_UPDATES:
        return notebook_fixes.is_done(action, observation.details, params or {})
    if action in studio_idle_settings.STUDIO_SETTINGS_ACTIONS:
        return studio_idle_settings.is_done(action, observation.details, params or {})
    if action in hosting_actions.HOSTING_ACTIONS:
        return observation.state != ABSENT and hosting_actions.is_done(
            action, observation.details, params or {}
        )
    return observation.state in guard.done_states or (
        guard.absent_is_done and observation.state == ABSENT
    )


def preflight(
    action: ActionKind,
    key: ResourceKey,
    observation: Observation,
    baseline: dict[str, Any],
    protected_tag_key: str,
    invocations: float = 0.0,
    params: dict[str, Any] | None = None,
) -> tuple[OutcomeCode, str] | None:
    """Why acting now would be wrong, or None when it is still right. Pure."""
    guard = GUARDS[action]
    what = f"{key.resource_type} {key.name}"
    state = observation.state
    if state == ABSENT and ABSENT not in guard.valid_states:
        return OutcomeCode.GONE, f"{what} no longer exists: nothing changed"
    if state in guard.done_states:
        return OutcomeCode.ALREADY, f"{what} is already {state}: nothing changed"
    if state not in guard.valid_states:
        allowed = ", ".join(sorted(guard.valid_states))
        return OutcomeCode.WRONG_STATE, (
            f"{what} is {state}; {action.verb} needs {allowed}: nothing changed"
        )
    if protected_tag_key in observation.tags:
        return OutcomeCode.PROTECTED, (
            f"{what} is tagged {protected_tag_key} (protected): nothing changed"
        )
    if action in (ActionKind.STOP_NOTEBOOK, ActionKind.DELETE_STUDIO_APP):
        before = baseline.get("activity")
        if before and observation.activity and observation.activity != before:
            return OutcomeCode.ACTIVE, (
                f"{what} was used since the request (last activity {observation.activity},"
                f" was {before}): no longer idle, nothing changed"
            )
    if action is ActionKind.DELETE_ENDPOINT and invocations > 0:
        return OutcomeCode.ACTIVE, (
            f"{what} served {invocations:g} invocations since the request: no longer idle,"
            " nothing changed"
        )
    if action in notebook_fixes.NOTEBOOK_UPDATES:
        return notebook_fixes.preflight(action, key, state, observation.details, params or {})
    if action in studio_idle_settings.STUDIO_SETTINGS_ACTIONS:
        return studio_idle_settings.preflight(action, key, observation.details, params or {})
    if action in hosting_actions.HOSTING_ACTIONS:
        return hosting_actions.preflight(action, key, observation.details, params or {}, baseline)
    return None


def snapshot_endpoint(clients: Clients, name: str) -> dict[str, Any]:
    """Everything a restore needs: endpoint config name, variants, tags, the full config."""
    sm = clients("sagemaker")
    endpoint = sm.describe_endpoint(EndpointName=name)
    try:
        config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    except ClientError as exc:
        if not _is_not_found(exc):
            raise
        # an orphaned endpoint: its config was deleted, so there is nothing to restore from
        return {"EndpointName": name, "EndpointConfigName": endpoint["EndpointConfigName"], "EndpointConfig": None}
    config.pop("ResponseMetadata", None)
    return {
        "EndpointName": name,
        "EndpointConfigName": endpoint["EndpointConfigName"],
        "ProductionVariants": config.get("ProductionVariants", []),
        "Tags": [{"Key": k, "Value": v} for k, v in _tags(sm, endpoint.get("EndpointArn")).items()],
        "EndpointConfig": config,
    }


def _config_params(saved: dict[str, Any]) -> dict[str, Any]:
    """CreateEndpointConfig parameters from a saved DescribeEndpointConfig answer."""
    return config_create_params(saved["EndpointConfig"], saved["EndpointConfigName"])


def perform(
    clients: Clients, action: ActionKind, key: ResourceKey, params: dict[str, Any],
    saved: dict[str, Any] | None = None,
) -> str | None:
    """Make the one mutating call (two for a restore whose config was deleted too).
    Returns the AWS request id of the call that matters."""
    if action in notebook_fixes.NOTEBOOK_UPDATES:
        return notebook_fixes.perform(clients, action, key, params)
    if action in studio_idle_settings.STUDIO_SETTINGS_ACTIONS:
        return studio_idle_settings.perform(clients, action, key, params)
    if action in hosting_actions.HOSTING_ACTIONS:
        return hosting_actions.perform(clients, action, key, params)
    sm = clients("sagemaker")
    if action is ActionKind.STOP_NOTEBOOK:
        return request_id(sm.stop_notebook_instance(NotebookInstanceName=key.name))
    if action is ActionKind.START_NOTEBOOK:
        return request_id(sm.start_notebook_instance(NotebookInstanceName=key.name))
    if action is ActionKind.DELETE_ENDPOINT:
        return request_id(sm.delete_endpoint(EndpointName=key.name))
    if action is ActionKind.DELETE_STUDIO_APP:
        return request_id(sm.delete_app(**studio_app_params(key.name, params)))
    if action is ActionKind.RESTORE_ENDPOINT:
        if saved is None:
            raise ValueError("restore needs the saved endpoint configuration")
        try:
            sm.describe_endpoint_config(EndpointConfigName=saved["EndpointConfigName"])
        except ClientError as exc:
            if not _is_not_found(exc):
                raise
            sm.create_endpoint_config(**_config_params(saved))
        create: dict[str, Any] = {
            "EndpointName": key.name, "EndpointConfigName": saved["EndpointConfigName"],
        }
        if saved.get("Tags"):
            create["Tags"] = saved["Tags"]
        return request_id(sm.create_endpoint(**create))
    raise ValueError(f"unknown action {action}")
