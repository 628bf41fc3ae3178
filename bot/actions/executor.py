"""Runs actions on AWS exactly once: approved requests, schedule firings, start-up recovery.

Entry points (all take the process's `Services`; all return values, none raise for AWS errors):

    request_action(services, action, resource_key, requester, *, params=None,
                   est_monthly_cost_usd=None, restore_of=None) -> Opened
        A click on an item button: re-reads the resource, refuses what cannot be done (protected,
        gone, already done), else records a `requested` request with the idleness baseline.

    vote_and_run(services, request_id, user, choice, approvers) -> tuple[VoteResult, Outcome | None]
        An Approve/Reject click; the one vote that approves the request also runs it
        (`cast_vote` + `should_run` + `run_request` for callers that show each step).

    execute(services, action, resource_key, *, actor, idempotency_key, origin="schedule",
            params=None) -> Outcome
        For callers that need no approval (schedule firings): records an `approved` request under
        `idempotency_key` (unique: a second call with the same key never acts twice, it reports
        what the first did) and runs it through the same claim/re-read/act/audit path.

    run_request(services, request_id, actor="system") -> Outcome
        Claim approved → executing (compare-and-set: one winner), re-read, act or stop with a
        reason, executing → succeeded | failed, audit each step with the AWS request id.
        SMBOT_DRY_RUN (or a request made in dry-run) runs every step but the AWS mutation.

    recover(services) -> list[Outcome]
        At start-up: expire overdue requests, run requests left `approved`, and reconcile those
        left `executing` by reading the resource (done → succeeded; not done → failed
        "interrupted"), never re-running them blindly.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from bot.actions import approvals, fix_steps
from bot.actions.models import (
    ActionKind,
    ActionRequest,
    Outcome,
    OutcomeCode,
    RequestState,
    ResourceKey,
    Vote,
)
from bot.actions.notebook_guard import used_since
from bot.actions.roles import action_clients_for, read_clients_for
from bot.actions.store import RequestStore
from bot.aws import actions
from bot.aws.inference_components import endpoint_components
from bot.aws.session import error_message
from bot.models import Finding, ResourceType
from bot.report.ledger import record_outcome
from bot.services import Services

S = RequestState


def requests_of(services: Services) -> RequestStore:
    return RequestStore(services.store)


# Reads before a request exists use the scan identity; the re-read, the change and the
# reconciliation use the action role of the resource's account (bot.actions.roles).
clients_for = read_clients_for


def _dry(services: Services, request: ActionRequest) -> bool:
    return request.dry_run or services.settings.dry_run


def _say(message: str, dry_run: bool) -> str:
    return f"DRY RUN: {message}" if dry_run and not message.startswith("DRY RUN") else message


def params_for(finding: Finding | None) -> dict[str, Any]:
    """API parameters the finding knows and its name does not (a Studio app's owner kind)."""
    if finding is None or finding.resource_type is not ResourceType.STUDIO_APP:
        return {}
    evidence = finding.evidence
    params = {
        "DomainId": evidence.get("domain_id"),
        "AppType": evidence.get("app_type"),
        "AppName": finding.name.rsplit("/", 1)[-1],
    }
    if evidence.get("space"):
        params["SpaceName"] = evidence["space"]
    elif evidence.get("user_profile"):
        params["UserProfileName"] = evidence["user_profile"]
    return {k: v for k, v in params.items() if v}


class Opened(BaseModel):
    """The answer to a click on an item button."""

    request: ActionRequest | None = None
    created: bool = False
    refusal: str | None = None  # why no request was opened, for the clicker


def request_action(
    services: Services,
    action: ActionKind,
    resource_key: str,
    requester: str,
    *,
    params: dict[str, Any] | None = None,
    est_monthly_cost_usd: float | None = None,
    restore_of: int | None = None,
) -> Opened:
    requests, now = requests_of(services), services.clock()
    key = ResourceKey.parse(resource_key)
    params = params or {}
    existing = requests.open_for(resource_key, action)
    if existing is not None:
        requests.audit(
            now=now, actor=requester, event="requested-again", request=existing,
            outcome=str(existing.state), dry_run=existing.dry_run,
        )
        return Opened(request=existing, created=False)

    def refuse(reason: str, outcome: str) -> Opened:
        requests.audit(
            now=now, actor=requester, event="request-refused", action=str(action),
            resource_key=resource_key, outcome=outcome, detail=reason,
            dry_run=services.settings.dry_run,
        )
        return Opened(refusal=reason)

    try:
        observation = actions.observe(clients_for(services, key), key, params)
    except Exception as exc:
        return refuse(f"could not read {key.resource_type} {key.name}: {error_message(exc)}", "error")
    if action is ActionKind.RESTORE_ENDPOINT and (
        restore_of is None or requests.deleted_endpoint(restore_of) is None
    ):
        return refuse(f"no saved configuration to restore {key.name} from", "nothing-saved")
    blocked = actions.preflight(
        action, key, observation, {}, services.settings.protected_tag_key, params=params
    )
    if blocked is not None:
        return refuse(blocked[1], str(blocked[0]))
    request, created = requests.create(
        action=action, resource_key=resource_key, requester=requester, state=S.REQUESTED,
        now=now, expires_at=approvals.expires_at(now, services.settings),
        dry_run=services.settings.dry_run, est_monthly_cost_usd=est_monthly_cost_usd,
        params=params, baseline=actions.baseline_of(observation), restore_of=restore_of,
    )
    requests.audit(
        now=now, actor=requester, event="requested", request=request, to_state=S.REQUESTED,
        outcome="created", dry_run=request.dry_run,
        detail=f"resource state {observation.state}",
    )
    return Opened(request=request, created=created)


def cast_vote(
    services: Services, request_id: int, user: str, choice: Vote, approvers: Collection[str]
) -> approvals.VoteResult:
    """Record an Approve/Reject click (see `approvals.vote`); raises LookupError for no request."""
    return approvals.vote(
        requests_of(services), request_id, user, choice, approvers, services.settings,
        services.clock(),
    )


def should_run(result: approvals.VoteResult) -> bool:
    """True for the one vote that approved the request: its caller runs it."""
    return result.decided_now and result.request.state is S.APPROVED


def vote_and_run(
    services: Services, request_id: int, user: str, choice: Vote, approvers: Collection[str]
) -> tuple[approvals.VoteResult, Outcome | None]:
    result = cast_vote(services, request_id, user, choice, approvers)
    if should_run(result):
        return result, run_request(services, request_id, actor=user)
    return result, None


def execute(
    services: Services,
    action: ActionKind,
    resource_key: str,
    *,
    actor: str,
    idempotency_key: str,
    origin: str = "schedule",
    params: dict[str, Any] | None = None,
) -> Outcome:
    requests, now = requests_of(services), services.clock()
    ResourceKey.parse(resource_key)
    request, created = requests.create(
        action=action, resource_key=resource_key, requester=actor, state=S.APPROVED, now=now,
        expires_at=approvals.expires_at(now, services.settings), origin=origin,
        idempotency_key=idempotency_key, dry_run=services.settings.dry_run, params=params,
    )
    if created:
        requests.audit(
            now=now, actor=actor, event="requested", request=request, to_state=S.APPROVED,
            outcome=f"approved by {origin}", dry_run=request.dry_run,
        )
    return run_request(services, request.id, actor=actor)


def _outcome(
    request: ActionRequest, code: OutcomeCode, state: RequestState, message: str, **extra: Any
) -> Outcome:
    return Outcome(
        request_id=request.id, action=request.action, resource_key=request.resource_key,
        code=code, state=state, message=message, **extra,
    )


def _finish(
    services: Services, request: ActionRequest, state: RequestState, code: OutcomeCode,
    message: str, actor: str, **extra: Any,
) -> Outcome:
    """executing → succeeded | failed, audited; the outcome says what happened either way."""
    dry = _dry(services, request)
    message = _say(message, dry)
    approvals.transition(
        requests_of(services), request, state, services.clock(), actor,
        reason=message, outcome=str(code), aws_request_id=extra.get("aws_request_id"),
    )
    if state is S.SUCCEEDED and not dry:  # realised savings start (or stop) accruing
        record_outcome(
            services.store, request, services.clock(), services.settings.owner_tag_keys, services.prices
        )
    return _outcome(request, code, state, message, dry_run=dry, **extra)


def run_request(services: Services, request_id: int, actor: str = "system") -> Outcome:
    requests = requests_of(services)
    request = requests.get(request_id)
    if request is None:
        raise LookupError(f"no request #{request_id}")
    if request.state is not S.APPROVED or not approvals.transition(
        requests, request, S.EXECUTING, services.clock(), actor
    ):
        current = requests.get(request_id) or request
        return _outcome(
            current, OutcomeCode.NOT_CLAIMED, current.state,
            f"request #{current.id} was {approvals.describe_state(current, requests.votes(current.id))}",
            dry_run=current.dry_run,
        )
    request = requests.get(request_id) or request
    not_after = request.params.get("not_after")
    if not_after and services.clock() > datetime.fromisoformat(not_after):
        return _finish(
            services, request, S.FAILED, OutcomeCode.TOO_LATE,
            f"not run: it was due by {not_after} and it is too late now; nothing changed", actor,
        )
    key, dry = request.key, _dry(services, request)
    guard = actions.GUARDS[request.action]
    try:
        clients = action_clients_for(services, key)
        observation = actions.observe(clients, key, request.params)
        invocations = 0.0
        notebook_use = None
        if request.action is ActionKind.STOP_NOTEBOOK and observation.state == "InService":
            notebook_use = used_since(clients, key.name, request.created_at, services.clock())
        if request.action is ActionKind.DELETE_ENDPOINT and request.baseline:
            components = (
                endpoint_components(clients("sagemaker"), key.name)
                if observation.state != actions.ABSENT else ()
            )
            invocations = actions.invocations_since(
                clients, key.name, observation.variants, request.created_at, services.clock(),
                components,
            )
    except Exception as exc:
        return _finish(
            services, request, S.FAILED, OutcomeCode.ERROR,
            f"could not re-read {key.resource_type} {key.name}: {error_message(exc)};"
            " nothing changed", actor,
        )
    requests.audit(
        now=services.clock(), actor=actor, event="re-read", request=request,
        from_state=S.EXECUTING, to_state=S.EXECUTING, outcome=observation.state, dry_run=dry,
        detail=f"invocations since request: {invocations:g}" if invocations else None,
    )
    blocked = actions.preflight(
        request.action, key, observation, request.baseline, services.settings.protected_tag_key,
        invocations, params=request.params,
    )
    if blocked is None and notebook_use is not None:
        blocked = OutcomeCode.ACTIVE, (
            f"{key.resource_type} {key.name} was used since the request ({notebook_use}): "
            "no longer idle, nothing changed"
        )
    if blocked is not None:
        return _finish(services, request, S.FAILED, blocked[0], blocked[1], actor)
    saved = None
    if request.action is ActionKind.RESTORE_ENDPOINT:
        saved = requests.deleted_endpoint(request.restore_of) if request.restore_of else None
        if saved is None:
            return _finish(
                services, request, S.FAILED, OutcomeCode.NOTHING_SAVED,
                f"no saved configuration for endpoint {key.name}: nothing changed", actor,
            )
    what = f"{request.action.verb} {key.name}"
    if dry:
        requests.audit(
            now=services.clock(), actor=actor, event="aws-call-skipped", request=request,
            from_state=S.EXECUTING, to_state=S.EXECUTING, outcome=guard.operation, dry_run=True,
            detail="dry run: mutation not sent",
        )
        return _finish(
            services, request, S.SUCCEEDED, OutcomeCode.DONE,
            f"would {what} (nothing was changed)", actor, ran=True,
        )
    if request.action in fix_steps.FIX_ACTIONS:
        fix_steps.save_before(services, request, observation)
        later = fix_steps.defer(services, request, observation)
        if later is not None:
            requests.audit(
                now=services.clock(), actor=actor, event="deferred", request=request,
                from_state=S.EXECUTING, to_state=S.EXECUTING, outcome=guard.operation, detail=later,
            )
            return _finish(services, request, S.SUCCEEDED, OutcomeCode.DONE, later, actor, ran=True)
    try:
        if request.action is ActionKind.DELETE_ENDPOINT:
            snapshot = actions.snapshot_endpoint(clients, key.name)
            if snapshot["EndpointConfig"] is not None:
                requests.save_deleted_endpoint(request.id, request.resource_key, snapshot, services.clock())
            requests.audit(
                now=services.clock(), actor=actor, request=request,
                event="config-saved" if snapshot["EndpointConfig"] is not None else "config-missing",
                from_state=S.EXECUTING, to_state=S.EXECUTING,
                outcome=snapshot["EndpointConfigName"],
            )
        aws_id = actions.perform(clients, request.action, key, request.params, saved)
    except Exception as exc:
        requests.audit(
            now=services.clock(), actor=actor, event="aws-call", request=request,
            from_state=S.EXECUTING, to_state=S.EXECUTING, outcome="error",
            detail=f"{guard.operation}: {error_message(exc)}",
        )
        return _finish(
            services, request, S.FAILED, OutcomeCode.ERROR,
            f"AWS refused to {what}: {error_message(exc)}", actor,
        )
    requests.audit(
        now=services.clock(), actor=actor, event="aws-call", request=request,
        from_state=S.EXECUTING, to_state=S.EXECUTING, outcome=guard.operation,
        aws_request_id=aws_id,
    )
    done = {
        ActionKind.STOP_NOTEBOOK: f"stopped notebook {key.name}",
        ActionKind.START_NOTEBOOK: f"started notebook {key.name}",
        ActionKind.DELETE_ENDPOINT: f"deleted endpoint {key.name} (configuration saved)",
        ActionKind.DELETE_STUDIO_APP: f"deleted Studio app {key.name}",
        ActionKind.RESTORE_ENDPOINT: f"restored endpoint {key.name} from its saved configuration",
    }.get(request.action) or fix_steps.done_message(request, observation.state)
    return _finish(
        services, request, S.SUCCEEDED, OutcomeCode.DONE, done, actor,
        ran=True, aws_request_id=aws_id,
    )


def reconcile(services: Services, request: ActionRequest) -> Outcome:
    """A request found `executing` at start-up: read the resource, never re-run the action."""
    key = request.key
    try:
        observation = actions.observe(action_clients_for(services, key), key, request.params)
    except Exception as exc:
        return _outcome(
            request, OutcomeCode.ERROR, S.EXECUTING,
            f"could not read {key.name} to reconcile: {error_message(exc)}",
        )
    if not _dry(services, request) and (
        actions.is_done(request.action, observation, request.params)
        or fix_steps.is_pending(services, request)
    ):
        return _finish(
            services, request, S.SUCCEEDED, OutcomeCode.RECONCILED,
            f"{request.action.verb} {key.name}: found done after a restart ({observation.state});"
            " not re-run", "system",
        )
    return _finish(
        services, request, S.FAILED, OutcomeCode.INTERRUPTED,
        f"{request.action.verb} {key.name} was interrupted by a restart and is not done"
        f" ({observation.state}); not re-run: ask again if still wanted", "system",
    )


def recover(services: Services) -> list[Outcome]:
    requests = requests_of(services)
    approvals.expire_due(requests, services.clock())
    outcomes = [run_request(services, r.id) for r in requests.in_states(S.APPROVED)]
    outcomes += [reconcile(services, r) for r in requests.in_states(S.EXECUTING)]
    return outcomes
