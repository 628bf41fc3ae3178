"""The life of an action request: a transition table, who may decide, and the store-backed moves.

    requested → approved | rejected | expired
    approved  → executing
    executing → succeeded | failed

`may_approve` / `may_reject` are pure: request + user + approvers + settings + now → a Decision
with a sentence for the user. `transition` and `vote` apply them to the store: each move is one
compare-and-set UPDATE (the rowcount names the single winner among concurrent clickers), written
in the same BEGIN IMMEDIATE transaction as its audit row, so a move is never left unaudited.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.actions.models import (
    ActionRequest,
    Approval,
    Decision,
    DecisionCode,
    RequestState,
    Vote,
)
from bot.actions.store import RequestStore
from bot.config import Settings

if TYPE_CHECKING:
    from sqlite_utils import Database

S = RequestState
TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED, S.EXPIRED}),
    S.APPROVED: frozenset({S.EXECUTING}),
    S.EXECUTING: frozenset({S.SUCCEEDED, S.FAILED}),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
    S.SUCCEEDED: frozenset(),
    S.FAILED: frozenset(),
}


class TransitionError(ValueError):
    """A move the transition table does not allow: a bug, never a user error."""


def can_transition(current: RequestState, new: RequestState) -> bool:
    return new in TRANSITIONS[current]


def expires_at(created_at: datetime, settings: Settings) -> datetime:
    return created_at + timedelta(hours=settings.request_ttl_hours)


def is_expired(request: ActionRequest, now: datetime) -> bool:
    return request.state is S.REQUESTED and now >= request.expires_at


def approvals_of(votes: Collection[Approval]) -> list[str]:
    return [v.user for v in votes if v.vote is Vote.APPROVE]


def describe_state(request: ActionRequest, votes: Collection[Approval] = ()) -> str:
    """'already approved by <@U1>' and the like: what a late clicker is told."""
    approvers = ", ".join(f"<@{u}>" for u in approvals_of(votes))
    rejecters = ", ".join(f"<@{v.user}>" for v in votes if v.vote is Vote.REJECT)
    state = request.state
    if state is S.APPROVED:
        return f"already approved by {approvers}; about to run"
    if state is S.EXECUTING:
        return f"already approved by {approvers}; running now"
    if state is S.SUCCEEDED:
        return f"already approved by {approvers} and done" + (
            f": {request.reason}" if request.reason else ""
        )
    if state is S.FAILED:
        return f"already approved by {approvers} and it failed: {request.reason or 'no reason'}"
    if state is S.REJECTED:
        return f"already rejected by {rejecters or 'the requester'}"
    if state is S.EXPIRED:
        return "already expired"
    return f"still waiting for approval ({len(approvals_of(votes))} so far)"


def may_approve(
    request: ActionRequest,
    user: str,
    approvers: Collection[str],
    settings: Settings,
    now: datetime,
    votes: Collection[Approval] = (),
) -> Decision:
    """May `user` approve `request` now? Pure; the reason is shown to the user as is."""
    if not approvers:
        return Decision(
            code=DecisionCode.NO_APPROVERS,
            reason="no approvers are configured (SMBOT_APPROVERS or SMBOT_APPROVER_GROUP)",
        )
    if user not in approvers:
        return Decision(
            code=DecisionCode.NOT_APPROVER, reason="you are not an approver for this action"
        )
    if request.state is S.EXPIRED or (request.state is S.REQUESTED and now >= request.expires_at):
        return Decision(
            code=DecisionCode.EXPIRED,
            reason=f"request #{request.id} expired at {request.expires_at:%Y-%m-%d %H:%M} UTC;"
            " ask again from the digest",
        )
    if request.state is not S.REQUESTED:
        return Decision(
            code=DecisionCode.ALREADY_DECIDED,
            reason=f"request #{request.id} was {describe_state(request, votes)}",
        )
    if user == request.requester and not settings.allow_self_approval:
        return Decision(
            code=DecisionCode.SELF_APPROVAL,
            reason="you asked for this action, so someone else has to approve it",
        )
    if any(v.user == user for v in votes):
        return Decision(
            code=DecisionCode.ALREADY_VOTED, reason="you already voted on this request"
        )
    return Decision(code=DecisionCode.ALLOWED, reason="approved")


def may_reject(
    request: ActionRequest,
    user: str,
    approvers: Collection[str],
    now: datetime,
    votes: Collection[Approval] = (),
) -> Decision:
    """Approvers may reject; the requester may withdraw their own request."""
    if user not in approvers and user != request.requester:
        return Decision(
            code=DecisionCode.NOT_APPROVER, reason="you are not an approver for this action"
        )
    if request.state is not S.REQUESTED:
        return Decision(
            code=DecisionCode.ALREADY_DECIDED,
            reason=f"request #{request.id} was {describe_state(request, votes)}",
        )
    if now >= request.expires_at:
        return Decision(code=DecisionCode.EXPIRED, reason=f"request #{request.id} already expired")
    return Decision(code=DecisionCode.ALLOWED, reason="rejected")


# --- store-backed moves ----------------------------------------------------------------------


def transition(
    requests: RequestStore,
    request: ActionRequest,
    new: RequestState,
    now: datetime,
    actor: str,
    *,
    reason: str | None = None,
    outcome: str | None = None,
    aws_request_id: str | None = None,
    db: Database | None = None,
) -> bool:
    """Compare-and-set `request.state → new` and audit it; False if someone else moved it first."""
    if not can_transition(request.state, new):
        raise TransitionError(f"request #{request.id}: {request.state} → {new} is not allowed")
    with requests.joined_transaction(db) as tx:
        won = requests.compare_and_set(
            request.id, request.state, new, now,
            reason=reason, aws_request_id=aws_request_id, db=tx,
        )
        if won:
            requests.audit(
                now=now, actor=actor, event="transition", request=request,
                from_state=request.state, to_state=new, outcome=outcome or reason,
                aws_request_id=aws_request_id, dry_run=request.dry_run, db=tx,
            )
        return won


class VoteResult(BaseModel):
    decision: Decision
    request: ActionRequest  # as it stands after this vote
    votes: list[Approval]
    decided_now: bool = False  # this vote moved the request (approved or rejected)
    approvals_needed: int = 1


def vote(
    requests: RequestStore,
    request_id: int,
    user: str,
    choice: Vote,
    approvers: Collection[str],
    settings: Settings,
    now: datetime,
) -> VoteResult:
    """Record one Approve/Reject click: decided, recorded and audited in one transaction.

    Concurrent clicks are serialised by BEGIN IMMEDIATE and the move is a compare-and-set, so of
    50 simultaneous approvals exactly one gets `decided_now`; the others learn what happened.
    """
    needed = settings.required_approvals
    with requests.store.transaction() as db:
        request = requests.get(request_id, db=db)
        if request is None:
            raise LookupError(f"no request #{request_id}")
        votes = requests.votes(request_id, db=db)
        if choice is Vote.APPROVE:
            decision = may_approve(request, user, approvers, settings, now, votes)
        else:
            decision = may_reject(request, user, approvers, now, votes)
        if decision.code is DecisionCode.EXPIRED and request.state is S.REQUESTED:
            transition(requests, request, S.EXPIRED, now, "system", reason="expired", db=db)
        if not decision.allowed:
            requests.audit(
                now=now, actor=user, event=f"{choice}-denied", request=request,
                from_state=request.state, to_state=request.state, outcome=str(decision.code),
                dry_run=request.dry_run, detail=decision.reason, db=db,
            )
            after = requests.get(request_id, db=db) or request
            return VoteResult(
                decision=decision, request=after, votes=votes, approvals_needed=needed
            )
        requests.add_vote(request_id, user, choice, now, db)
        requests.audit(
            now=now, actor=user, event=str(choice), request=request,
            from_state=request.state, to_state=request.state, outcome="recorded",
            dry_run=request.dry_run, db=db,
        )
        votes = requests.votes(request_id, db=db)
        decided = False
        if choice is Vote.REJECT:
            decided = transition(
                requests, request, S.REJECTED, now, user, reason=f"rejected by <@{user}>", db=db
            )
        elif len(approvals_of(votes)) >= needed:
            names = ", ".join(f"<@{u}>" for u in approvals_of(votes))
            decided = transition(
                requests, request, S.APPROVED, now, user, reason=f"approved by {names}", db=db
            )
        after = requests.get(request_id, db=db) or request
    return VoteResult(
        decision=decision, request=after, votes=votes, decided_now=decided, approvals_needed=needed
    )


def expire_due(requests: RequestStore, now: datetime) -> list[ActionRequest]:
    """Move every request past its deadline to `expired`; returns those this call expired."""
    expired = []
    for request in requests.in_states(S.REQUESTED):
        if is_expired(request, now) and transition(
            requests, request, S.EXPIRED, now, "system", reason="expired before approval"
        ):
            expired.append(requests.get(request.id) or request)
    return expired
