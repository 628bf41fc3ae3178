"""What the hosting actions take from the finding that offered them, what their Undo takes from
the request it undoes, the traffic rule checked before a resize, and their outcome in words.

The finding's evidence carries the advice (variant, instance count, endpoint config, busiest
hour, advised type and count, autoscaling target); the request keeps it as `params`, so the
re-read just before acting compares the variant with what the advice was made for.

Traffic rule (README "Actions"): a resize is refused when the variant's busiest hour since the
finding was detected is more than `TRAFFIC_RISE_FACTOR` × the busiest hour of the window the
advice was sized on — the headroom the advice kept (target utilisation t) is for today's peak,
not for a peak that has grown since. Enabling autoscaling is not refused for traffic: its
maximum is today's count, so it never leaves the variant with less than it needs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.actions.models import ActionKind, ActionRequest, OutcomeCode
from bot.aws.actions import Observation
from bot.aws.hosting_actions import HOSTING_ACTIONS, busiest_hour_since, resized_config_name
from bot.models import Finding, FindingKind
from bot.scan.scanners.hosting_advice import autoscaling_target

K = ActionKind
HOSTING_ACTION_KINDS = (FindingKind.OVERPROVISIONED_ENDPOINT, FindingKind.ENDPOINT_WITHOUT_AUTOSCALING)
UNDOABLE = (K.ENABLE_AUTOSCALING, K.RESIZE_ENDPOINT)
TRAFFIC_RISE_FACTOR = 1.2
def hosting_params(finding: Finding) -> dict[str, Any]:
    """Parameters for Enable autoscaling and Resize, both from one finding's evidence."""
    evidence = finding.evidence
    count = int(evidence.get("instance_count") or finding.instance_count)
    busiest = float(evidence.get("busiest_hour_invocations")
                    or (evidence.get("hourly_profile") or {}).get("max") or 0.0)
    params: dict[str, Any] = {
        "variant": evidence.get("variant"),
        "from_config": evidence.get("endpoint_config"),
        "instance_count": count,
        "detected_at": finding.detected_at.isoformat(),
        "busiest_hour_invocations": busiest,
        "min_capacity": 1,
        "max_capacity": count,
        "target_invocations_per_instance": evidence.get("advised_target_invocations_per_instance")
        or autoscaling_target(busiest, count, float(evidence.get("target_utilisation") or 0.6)),
    }
    advised_type, config = evidence.get("advised_type"), evidence.get("endpoint_config")
    if advised_type and config and params["variant"]:
        advised_count = int(evidence.get("advised_count") or count)
        params.update(
            advised_type=advised_type, advised_count=advised_count, instance_type=finding.instance_type,
            to_config=resized_config_name(config, params["variant"], advised_type, advised_count),
        )
    return {k: v for k, v in params.items() if v is not None}


def undo_params(done: ActionRequest) -> dict[str, Any]:
    """Remove autoscaling from the same variant; switch a resized endpoint back to the config
    the resize replaced (kept for exactly this), refusing if it no longer runs the new one."""
    params = done.params
    if done.action is K.ENABLE_AUTOSCALING:
        return {"variant": params["variant"]}
    if done.action is K.RESIZE_ENDPOINT:
        return {
            "variant": params["variant"], "from_config": params["to_config"],
            "to_config": params["from_config"],
        }
    raise ValueError(f"no hosting undo for {done.action}")


def traffic_since(
    clients: Any, request: ActionRequest, observation: Observation, now: datetime
) -> float | None:
    """The busiest hour since the advice, read only where the rule applies (a resize of an
    InService endpoint); None elsewhere."""
    if request.action is not K.RESIZE_ENDPOINT or observation.state != "InService":
        return None
    since = request.params.get("detected_at")
    start = datetime.fromisoformat(since) if since else request.created_at
    return busiest_hour_since(clients, request.key.name, request.params["variant"], start, now)


def traffic_refusal(request: ActionRequest, busiest_since: float | None) -> tuple[OutcomeCode, str] | None:
    """Pure: the traffic rule above."""
    sized_for = request.params.get("busiest_hour_invocations")
    if busiest_since is None or sized_for is None:
        return None
    if busiest_since <= float(sized_for) * TRAFFIC_RISE_FACTOR:
        return None
    return OutcomeCode.ACTIVE, (
        f"endpoint {request.key.name} served {busiest_since:g} invocations in one hour since the"
        f" advice, more than {TRAFFIC_RISE_FACTOR:g} × the {float(sized_for):g} it was sized for:"
        " traffic rose, nothing changed"
    )


def done_message(request: ActionRequest) -> str | None:
    """What a succeeded hosting action says; None for other actions."""
    if request.action not in HOSTING_ACTIONS:
        return None
    name, p = request.key.name, request.params
    variant = p.get("variant")
    if request.action is K.ENABLE_AUTOSCALING:
        return (
            f"endpoint {name} now autoscales {variant} between {p.get('min_capacity')} and"
            f" {p.get('max_capacity')} instances, aiming at {p.get('target_invocations_per_instance')}"
            " invocations per instance per minute"
        )
    if request.action is K.REMOVE_AUTOSCALING:
        return f"endpoint {name} no longer autoscales {variant} (policy and scalable target removed)"
    if request.action is K.RESIZE_ENDPOINT:
        return (
            f"endpoint {name} is updating {variant} to {p.get('advised_count')} ×"
            f" {p.get('advised_type')} (new config {p.get('to_config')}; {p.get('from_config')}"
            " is kept for Undo)"
        )
    return f"endpoint {name} is switching back to config {p.get('to_config')}"
