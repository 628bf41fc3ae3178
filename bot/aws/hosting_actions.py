"""Enable autoscaling and Resize on one endpoint variant, and their Undo: the reads that guard
them, the calls, and how a lost reply is settled.

A request's params are fixed when it is asked for (`bot.actions.hosting_params` builds them from
the finding): `variant`, `instance_count` and `from_config` (what the advice saw), plus
  enable-autoscaling     min_capacity, max_capacity, target_invocations_per_instance
  resize-endpoint        advised_type, advised_count, to_config (a new config, cloned)
  undo-resize-endpoint   to_config (the config the resize replaced and kept)
  remove-autoscaling     nothing more
Just before acting the variant is re-read (`details_of`) and `preflight` refuses what would be
wrong now: the variant gone, already done, autoscaled (AWS refuses to change an autoscaled
variant's instance type), or a configuration that changed since the advice (another config,
another instance count, other variants). Traffic is checked by the executor's caller
(`bot.actions.hosting_params.traffic_refusal`), which knows the time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from bot.actions.models import ActionKind, OutcomeCode, ResourceKey
from bot.aws.endpoint_configs import config_create_params
from bot.aws.endpoint_scaling import DIMENSION, NAMESPACE, resource_id
from bot.aws.metrics import series_dimensions
from bot.aws.session import error_code, request_id

K = ActionKind
HOSTING_ACTIONS = (
    K.ENABLE_AUTOSCALING, K.REMOVE_AUTOSCALING, K.RESIZE_ENDPOINT, K.UNDO_RESIZE_ENDPOINT,
)
SWITCHES_CONFIG = (K.RESIZE_ENDPOINT, K.UNDO_RESIZE_ENDPOINT)
POLICY_NAME = "sm-cost-bot-invocations-per-instance"
# Invocations per instance per minute, averaged over the variant (AWS predefined metric).
PREDEFINED_METRIC = "SageMakerVariantInvocationsPerInstance"
CONFIG_NAME_MAX = 63  # EndpointConfigName: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}
UPDATING_DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html"

PERMISSIONS = [
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:DeleteScalingPolicy",
    "application-autoscaling:DeregisterScalableTarget",
    "sagemaker:UpdateEndpoint",
]
# Checked by AWS on the bot's behalf, never called by it (SageMaker guide, "Auto scaling
# prerequisites"; Application Auto Scaling guide, "Permissions for target services and
# CloudWatch"): registering a variant validates it and creates the service-linked role once,
# a target-tracking policy creates and deletes its CloudWatch alarms in the caller's name.
IMPLIED_PERMISSIONS = [
    "sagemaker:UpdateEndpointWeightsAndCapacities",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:DeleteAlarms",
    "iam:CreateServiceLinkedRole",
]
# DeleteScalingPolicy / DeregisterScalableTarget of something absent: AWS says
# ObjectNotFoundException; moto says ValidationException "No scalable target found…".
_ABSENT_CODES = {"ObjectNotFoundException", "ValidationException"}
# What each action cannot run without (a finding from before these fields existed lacks them).
REQUIRED = {
    K.ENABLE_AUTOSCALING: ("variant", "from_config", "max_capacity", "target_invocations_per_instance"),
    K.REMOVE_AUTOSCALING: ("variant",),
    K.RESIZE_ENDPOINT: ("variant", "from_config", "to_config", "advised_type", "advised_count"),
    K.UNDO_RESIZE_ENDPOINT: ("variant", "from_config", "to_config"),
}


def _target(endpoint: str, variant: str) -> dict[str, str]:
    return {
        "ServiceNamespace": NAMESPACE, "ResourceId": resource_id(endpoint, variant),
        "ScalableDimension": DIMENSION,
    }


def details_of(clients: Any, endpoint: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """What the guards compare, from a DescribeEndpoint answer and the variant's scalable target.
    `pending_config` is the config an update in progress is deploying (PendingDeploymentSummary)."""
    variant = params["variant"]
    live = {v["VariantName"]: v for v in endpoint.get("ProductionVariants") or []}
    mine = live.get(variant, {})
    aas = clients("application-autoscaling")
    target = _target(endpoint["EndpointName"], variant)
    targets = aas.describe_scalable_targets(
        ServiceNamespace=NAMESPACE, ScalableDimension=DIMENSION, ResourceIds=[target["ResourceId"]],
    ).get("ScalableTargets", [])
    policies = [
        p["PolicyName"] for p in aas.describe_scaling_policies(**target).get("ScalingPolicies", [])
    ] if targets else []
    return {
        "config": endpoint.get("EndpointConfigName"),
        "pending_config": (endpoint.get("PendingDeploymentSummary") or {}).get("EndpointConfigName"),
        "variants": sorted(live),
        "has_variant": variant in live,
        "instance_count": mine.get("DesiredInstanceCount", mine.get("CurrentInstanceCount")),
        "autoscaled": bool(targets),
        "policies": sorted(policies),
    }


def marker(details: dict[str, Any]) -> str:
    """The configuration as one string: kept as the request's baseline, compared before acting."""
    return (
        f"config={details.get('config')};variants={','.join(details.get('variants') or [])};"
        f"count={details.get('instance_count')}"
    )


def _runs(details: dict[str, Any], config: str | None) -> bool:
    return config is not None and config in (details.get("config"), details.get("pending_config"))


def is_done(action: ActionKind, details: dict[str, Any], params: dict[str, Any]) -> bool:
    """After a lost reply or a crash: did the change happen? (read, never re-sent)."""
    if action is K.ENABLE_AUTOSCALING:  # the policy is the second call: it is what tells
        return bool(details.get("autoscaled")) and POLICY_NAME in (details.get("policies") or [])
    if action is K.REMOVE_AUTOSCALING:
        return not details.get("autoscaled")
    return _runs(details, params.get("to_config"))


def preflight(
    action: ActionKind, key: ResourceKey, details: dict[str, Any], params: dict[str, Any],
    baseline: dict[str, Any],
) -> tuple[OutcomeCode, str] | None:
    """Why the hosting action would be wrong now, or None. Pure."""
    what, variant = f"endpoint {key.name}", params.get("variant")
    absent = [k for k in REQUIRED[action] if params.get(k) in (None, "")]
    if absent:
        return OutcomeCode.WRONG_STATE, (
            f"this request lacks what {action.verb} needs ({', '.join(absent)}): run a new"
            " scan and click again; nothing changed"
        )
    if not details.get("has_variant"):
        return OutcomeCode.GONE, f"{what} has no variant {variant} any more: nothing changed"
    if action is K.REMOVE_AUTOSCALING:
        if not details.get("autoscaled"):
            return OutcomeCode.ALREADY, f"{what} has no autoscaling on {variant}: nothing changed"
        return None
    # A bare scalable target (no policy: a crash between the two calls, or someone's half-done
    # set-up) scales nothing: enabling registers it again and adds the policy.
    if action is K.ENABLE_AUTOSCALING and details.get("autoscaled") and details.get("policies"):
        return OutcomeCode.ALREADY, f"{what} already autoscales {variant}: nothing changed"
    if action in SWITCHES_CONFIG and _runs(details, params.get("to_config")):
        return OutcomeCode.ALREADY, f"{what} already runs config {params['to_config']}: nothing changed"
    if action is K.RESIZE_ENDPOINT and details.get("autoscaled"):
        return OutcomeCode.WRONG_STATE, (
            f"{what} autoscales {variant}, and AWS refuses to resize an autoscaled variant"
            f" ({UPDATING_DOCS}): remove its autoscaling first; nothing changed"
        )
    if params.get("from_config") and details.get("config") != params["from_config"]:
        return OutcomeCode.WRONG_STATE, (
            f"{what} runs config {details.get('config')}, not {params['from_config']} as when"
            " this was asked: it changed since, nothing changed"
        )
    count = params.get("instance_count")
    if count is not None and details.get("instance_count") != count:
        return OutcomeCode.WRONG_STATE, (
            f"{what} runs {details.get('instance_count')} instance(s) of {variant}, not {count}"
            " as when this was asked: it changed since, nothing changed"
        )
    before = baseline.get("activity")
    if before and before != marker(details):
        return OutcomeCode.WRONG_STATE, (
            f"{what} changed since the request ({marker(details)}, was {before}): nothing changed"
        )
    return None


def resized_config_name(config: str, variant: str, instance_type: str, count: int) -> str:
    """The new config's name, the same for the same advice (a retried request reuses it)."""
    digest = hashlib.sha1(f"{config}:{variant}:{instance_type}:{count}".encode()).hexdigest()[:8]
    return f"{config[: CONFIG_NAME_MAX - 12].rstrip('-')}-rs-{digest}"


def enable_autoscaling(clients: Any, endpoint: str, params: dict[str, Any]) -> str | None:
    aas = clients("application-autoscaling")
    target = _target(endpoint, params["variant"])
    aas.register_scalable_target(
        **target, MinCapacity=int(params["min_capacity"]), MaxCapacity=int(params["max_capacity"]),
    )
    return request_id(aas.put_scaling_policy(
        PolicyName=POLICY_NAME, PolicyType="TargetTrackingScaling", **target,
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": float(params["target_invocations_per_instance"]),
            "PredefinedMetricSpecification": {"PredefinedMetricType": PREDEFINED_METRIC},
        },
    ))


def remove_autoscaling(clients: Any, endpoint: str, params: dict[str, Any]) -> str | None:
    """The bot's policy first, then the target (AWS's documented order; deregistering also
    drops any other policy on it)."""
    aas = clients("application-autoscaling")
    target = _target(endpoint, params["variant"])
    try:
        aas.delete_scaling_policy(PolicyName=POLICY_NAME, **target)
    except ClientError as exc:
        if error_code(exc) not in _ABSENT_CODES:
            raise
    return request_id(aas.deregister_scalable_target(**target))


def _tags_of(sm: Any, arn: str | None) -> list[dict[str, str]]:
    if not arn:
        return []
    tags: list[dict[str, str]] = []
    for page in sm.get_paginator("list_tags").paginate(ResourceArn=arn):
        tags += [{"Key": t["Key"], "Value": t.get("Value", "")} for t in page.get("Tags", [])]
    return tags


def _config_exists(sm: Any, name: str) -> bool:
    try:
        sm.describe_endpoint_config(EndpointConfigName=name)
    except ClientError as exc:
        if error_code(exc) == "ValidationException":  # "Could not find endpoint configuration"
            return False
        raise
    return True


def resize(clients: Any, endpoint: str, params: dict[str, Any]) -> str | None:
    """Clone the running config (every field and its tags) with the advised type and count for
    the variant, then UpdateEndpoint to it. The old config is kept: Undo switches back to it."""
    sm, new_name = clients("sagemaker"), params["to_config"]
    if not _config_exists(sm, new_name):  # a retried request finds the clone it made
        config = sm.describe_endpoint_config(EndpointConfigName=params["from_config"])
        for variant in config.get("ProductionVariants") or []:
            if variant["VariantName"] == params["variant"]:
                variant["InstanceType"] = params["advised_type"]
                variant["InitialInstanceCount"] = int(params["advised_count"])
        tags = _tags_of(sm, config.get("EndpointConfigArn"))
        sm.create_endpoint_config(**config_create_params(config, new_name, tags))
    return request_id(sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=new_name))


def switch_back(clients: Any, endpoint: str, params: dict[str, Any]) -> str | None:
    return request_id(
        clients("sagemaker").update_endpoint(EndpointName=endpoint, EndpointConfigName=params["to_config"])
    )


PERFORM = {
    K.ENABLE_AUTOSCALING: enable_autoscaling,
    K.REMOVE_AUTOSCALING: remove_autoscaling,
    K.RESIZE_ENDPOINT: resize,
    K.UNDO_RESIZE_ENDPOINT: switch_back,
}


def perform(clients: Any, action: ActionKind, key: ResourceKey, params: dict[str, Any]) -> str | None:
    return PERFORM[action](clients, key.name, params)


def busiest_hour_since(
    clients: Any, endpoint: str, variant: str, since: datetime, now: datetime
) -> float:
    """The largest hourly Invocations sum of the variant from the hour of `since` to now
    (EndpointName and VariantName: CloudWatch needs both)."""
    start = since.replace(minute=0, second=0, microsecond=0)
    if now <= start:
        return 0.0
    stats = clients("cloudwatch").get_metric_statistics(
        Namespace="AWS/SageMaker", MetricName="Invocations",
        Dimensions=series_dimensions((endpoint, variant)),
        StartTime=start, EndTime=now, Period=3600, Statistics=["Sum"],
    )
    return max((p.get("Sum", 0.0) for p in stats.get("Datapoints", [])), default=0.0)
