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
        Claim approved → executing (compare-and-set: one winner), then `act`.

    act(services, request, actor) -> Outcome
        For a request this process holds `executing`: re-read, act or stop with a reason,
        executing → succeeded | failed, audit each step with the AWS request id. A mutation
        whose outcome is unknown (a lost reply, a retry answered "not found" or "already
        stopped") is settled by re-reading the resource, never by sending it again.
        SMBOT_DRY_RUN (or a request made in dry-run) runs every step but the AWS mutation.

Requests a crash left `approved` or `executing` are finished by `bot.actions.recovery`, which
skips the ones this process is running right now (`in_flight`).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from bot.actions import approvals, fix_steps, hosting_params, studio_guard
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
from bot.actions.request_params import done_message
from bot.actions.roles import action_clients_for, read_clients_for
from bot.actions.store import RequestStore
from bot.aws import actions
from bot.aws.inference_components import endpoint_components
from bot.aws.session import RegionClients, error_message
from bot.report.ledger import record_outcome
from bot.services import Services

S = RequestState

# Requests this process is acting on now: the recovery sweep in the running bot leaves them alone.
_IN_FLIGHT: set[int] = set()
_IN_FLIGHT_LOCK = threading.Lock()


def in_flight() -> frozenset[int]:
    with _IN_FLIGHT_LOCK:
        return frozenset(_IN_FLIGHT)


@contextmanager
def _running(request_id: int) -> Iterator[None]:
    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT.add(request_id)
    try:
        yield
    finally:
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT.discard(request_id)


def requests_of(services: Services) -> RequestStore:
    return RequestStore(services.store)


# Reads before a request exists use the scan identity; the re-read, the change and the
# reconciliation use the action role of the resource's account (bot.actions.roles).
clients_for = read_clients_for


def _dry(services: Services, request: ActionRequest) -> bool:
    return request.dry_run or services.settings.dry_run


def _say(message: str, dry_run: bool) -> str:
    return f"DRY RUN: {message}" if dry_run and not message.startswith("DRY RUN") else message


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


def outcome_of(request: ActionRequest, code: OutcomeCode, message: str) -> Outcome:
    """What an attempt that moved nothing says (the request keeps its state)."""
    return _outcome(request, code, request.state, message, dry_run=request.dry_run)


def finish(
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
    return act(services, requests.get(request_id) or request, actor)


def act(services: Services, request: ActionRequest, actor: str = "system") -> Outcome:
    """Act on a request this caller holds `executing` (a fresh claim or a resumed one)."""
    with _running(request.id):
        return _act(services, request, actor)


def _act(services: Services, request: ActionRequest, actor: str) -> Outcome:
    requests = requests_of(services)
    not_after = request.params.get("not_after")
    if not_after and services.clock() > datetime.fromisoformat(not_after):
        return finish(
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
        if request.action is ActionKind.DELETE_STUDIO_APP and observation.state == "InService":
            notebook_use = studio_guard.used_since(
                clients, observation.details["app"], request.created_at, services.clock()
            )
        if request.action is ActionKind.DELETE_ENDPOINT and request.baseline:
            components = (
                endpoint_components(clients("sagemaker"), key.name)
                if observation.state != actions.ABSENT else ()
            )
            invocations = actions.invocations_since(
                clients, key.name, observation.variants, request.created_at, services.clock(),
                components,
            )
        traffic = hosting_params.traffic_since(clients, request, observation, services.clock())
    except Exception as exc:
        return finish(
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
    blocked = blocked or hosting_params.traffic_refusal(request, traffic)
    if blocked is None and notebook_use is not None:
        blocked = OutcomeCode.ACTIVE, (
            f"{key.resource_type} {key.name} was used since the request ({notebook_use}): "
            "no longer idle, nothing changed"
        )
    if blocked is not None:
        return finish(services, request, S.FAILED, blocked[0], blocked[1], actor)
    saved = None
    if request.action is ActionKind.RESTORE_ENDPOINT:
        saved = requests.deleted_endpoint(request.restore_of) if request.restore_of else None
        if saved is None:
            return finish(
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
        return finish(
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
            return finish(services, request, S.SUCCEEDED, OutcomeCode.DONE, later, actor, ran=True)
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
        return _settle_unknown(services, request, clients, exc, actor)
    requests.audit(
        now=services.clock(), actor=actor, event="aws-call", request=request,
        from_state=S.EXECUTING, to_state=S.EXECUTING, outcome=guard.operation,
        aws_request_id=aws_id,
    )
    return finish(
        services, request, S.SUCCEEDED, OutcomeCode.DONE, done_message(request, observation.state), actor,
        ran=True, aws_request_id=aws_id,
    )


def _settle_unknown(
    services: Services, request: ActionRequest, clients: RegionClients, exc: Exception, actor: str
) -> Outcome:
    """The mutation raised: it may still have happened (botocore re-sends a call whose reply
    was lost, and the retry is answered "Could not find endpoint" or "not in InService").
    The resource says which: done → succeeded, not done → failed. When even the re-read fails,
    the request stays `executing` for the recovery sweep to settle (never sent blindly again)."""
    key, guard = request.key, actions.GUARDS[request.action]
    refused = error_message(exc)
    try:
        observation = actions.observe(clients, key, request.params)
    except Exception as reread:
        message = (
            f"{request.action.verb} {key.name}: AWS did not answer clearly ({refused}) and a"
            f" re-read failed ({error_message(reread)}); it will be checked again"
        )
        requests_of(services).audit(
            now=services.clock(), actor=actor, event="outcome-unknown", request=request,
            from_state=S.EXECUTING, to_state=S.EXECUTING, outcome="unknown", detail=message,
        )
        return _outcome(request, OutcomeCode.ERROR, S.EXECUTING, message)
    requests_of(services).audit(
        now=services.clock(), actor=actor, event="re-read", request=request,
        from_state=S.EXECUTING, to_state=S.EXECUTING, outcome=observation.state,
        detail=f"after {guard.operation} failed: {refused}",
    )
    if actions.is_done(request.action, observation, request.params):
        return finish(
            services, request, S.SUCCEEDED, OutcomeCode.DONE,
            f"{done_message(request)}; AWS's answer was lost ({refused}) but a re-read shows"
            f" {observation.state}", actor, ran=True,
        )
    return finish(
        services, request, S.FAILED, OutcomeCode.ERROR,
        f"AWS refused to {request.action.verb} {key.name}: {refused}; it is still"
        f" {observation.state}, nothing changed", actor,
    )
