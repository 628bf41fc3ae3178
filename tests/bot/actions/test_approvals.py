"""The request state machine: who may decide, and exactly one winner per move."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.actions import approvals
from bot.actions.models import (
    ActionKind,
    ActionRequest,
    Approval,
    DecisionCode,
    RequestState,
    Vote,
)
from bot.actions.store import RequestStore
from bot.storage.store import Store
from tests.fakes.action_world import APPROVERS, OUTSIDER, REQUESTER, action_settings

S = RequestState
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = "123456789012:us-east-1:notebook-instance:nb-1"


def a_request(state: RequestState = S.REQUESTED, **fields: object) -> ActionRequest:
    data = dict(
        id=7, action=ActionKind.STOP_NOTEBOOK, resource_key=KEY, requester=REQUESTER,
        state=state, created_at=NOW, expires_at=NOW + timedelta(hours=24), updated_at=NOW,
    )
    data.update(fields)
    return ActionRequest.model_validate(data)


@pytest.fixture
def requests(tmp_path: Path) -> RequestStore:
    return RequestStore(Store(tmp_path / "approvals.db"))


def opened(requests: RequestStore, settings_ttl_hours: float = 24) -> ActionRequest:
    request, _ = requests.create(
        action=ActionKind.STOP_NOTEBOOK, resource_key=KEY, requester=REQUESTER,
        state=S.REQUESTED, now=NOW, expires_at=NOW + timedelta(hours=settings_ttl_hours),
    )
    return request


# --- the transition table --------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, new",
    [
        (S.REQUESTED, S.APPROVED), (S.REQUESTED, S.REJECTED), (S.REQUESTED, S.EXPIRED),
        (S.APPROVED, S.EXECUTING), (S.EXECUTING, S.SUCCEEDED), (S.EXECUTING, S.FAILED),
    ],
)
def test_allowed_moves_are_in_the_table(current: RequestState, new: RequestState) -> None:
    assert approvals.can_transition(current, new)


@pytest.mark.parametrize(
    "current, new",
    [
        (S.REQUESTED, S.EXECUTING), (S.REQUESTED, S.SUCCEEDED), (S.APPROVED, S.SUCCEEDED),
        (S.APPROVED, S.REJECTED), (S.EXECUTING, S.APPROVED), (S.SUCCEEDED, S.EXECUTING),
        (S.FAILED, S.EXECUTING), (S.REJECTED, S.APPROVED), (S.EXPIRED, S.APPROVED),
    ],
)
def test_other_moves_are_refused(current: RequestState, new: RequestState) -> None:
    assert not approvals.can_transition(current, new)


def test_terminal_states_have_no_way_out() -> None:
    terminal = [s for s, targets in approvals.TRANSITIONS.items() if not targets]
    assert sorted(terminal) == sorted([S.REJECTED, S.EXPIRED, S.SUCCEEDED, S.FAILED])


def test_transition_outside_the_table_raises(requests: RequestStore) -> None:
    request = opened(requests)
    with pytest.raises(approvals.TransitionError):
        approvals.transition(requests, request, S.EXECUTING, NOW, "U1")
    assert requests.get(request.id).state is S.REQUESTED


def test_a_stale_compare_and_set_loses(requests: RequestStore) -> None:
    request = opened(requests)
    assert approvals.transition(requests, request, S.REJECTED, NOW, "U1")
    assert not approvals.transition(requests, request, S.APPROVED, NOW, "U2")
    assert requests.get(request.id).state is S.REJECTED


# --- may_approve (pure) ----------------------------------------------------------------------


def decide(request: ActionRequest, user: str, now: datetime = NOW, votes=(), **settings: object):
    return approvals.may_approve(
        request, user, APPROVERS, action_settings(Path("x.db"), **settings), now, votes
    )


def test_an_approver_may_approve() -> None:
    assert decide(a_request(), APPROVERS[0]).code is DecisionCode.ALLOWED


def test_a_non_approver_is_told_so() -> None:
    decision = decide(a_request(), OUTSIDER)
    assert decision.code is DecisionCode.NOT_APPROVER
    assert decision.reason == "you are not an approver for this action"


def test_the_requester_cannot_approve_their_own_request() -> None:
    request = a_request(requester=APPROVERS[0])
    assert decide(request, APPROVERS[0]).code is DecisionCode.SELF_APPROVAL


def test_self_approval_when_allowed() -> None:
    request = a_request(requester=APPROVERS[0])
    assert decide(request, APPROVERS[0], allow_self_approval=True).code is DecisionCode.ALLOWED


def test_an_expired_request_cannot_be_approved() -> None:
    decision = decide(a_request(), APPROVERS[0], now=NOW + timedelta(hours=24))
    assert decision.code is DecisionCode.EXPIRED


def test_a_decided_request_says_who_decided() -> None:
    votes = [Approval(request_id=7, user=APPROVERS[1], vote=Vote.APPROVE, at=NOW)]
    decision = decide(a_request(S.SUCCEEDED), APPROVERS[0], votes=votes)
    assert decision.code is DecisionCode.ALREADY_DECIDED
    assert f"<@{APPROVERS[1]}>" in decision.reason


def test_one_vote_per_approver() -> None:
    votes = [Approval(request_id=7, user=APPROVERS[0], vote=Vote.APPROVE, at=NOW)]
    assert decide(a_request(), APPROVERS[0], votes=votes).code is DecisionCode.ALREADY_VOTED


def test_nobody_approves_without_configured_approvers() -> None:
    decision = approvals.may_approve(
        a_request(), APPROVERS[0], [], action_settings(Path("x.db")), NOW
    )
    assert decision.code is DecisionCode.NO_APPROVERS


def test_the_requester_may_withdraw_but_an_outsider_may_not_reject() -> None:
    assert approvals.may_reject(a_request(), REQUESTER, APPROVERS, NOW).allowed
    assert approvals.may_reject(a_request(), OUTSIDER, APPROVERS, NOW).code is DecisionCode.NOT_APPROVER


# --- votes on the store ----------------------------------------------------------------------


def test_two_required_approvals_need_two_approvers(requests: RequestStore, tmp_path: Path) -> None:
    settings = action_settings(tmp_path / "x.db", required_approvals=2)
    request = opened(requests)
    first = approvals.vote(requests, request.id, APPROVERS[0], Vote.APPROVE, APPROVERS, settings, NOW)
    assert (first.decided_now, first.request.state) == (False, S.REQUESTED)
    second = approvals.vote(requests, request.id, APPROVERS[1], Vote.APPROVE, APPROVERS, settings, NOW)
    assert (second.decided_now, second.request.state) == (True, S.APPROVED)


def test_a_denied_vote_is_audited_and_changes_nothing(requests: RequestStore, tmp_path: Path) -> None:
    request = opened(requests)
    result = approvals.vote(
        requests, request.id, OUTSIDER, Vote.APPROVE, APPROVERS, action_settings(tmp_path / "x.db"), NOW
    )
    assert result.decision.code is DecisionCode.NOT_APPROVER
    assert requests.get(request.id).state is S.REQUESTED
    assert requests.votes(request.id) == []
    denied = [e for e in requests.audit_for(request.id) if e.event == "approve-denied"]
    assert [(e.actor, e.outcome) for e in denied] == [(OUTSIDER, "not-approver")]


def test_voting_on_an_expired_request_expires_it(requests: RequestStore, tmp_path: Path) -> None:
    request = opened(requests, settings_ttl_hours=1)
    result = approvals.vote(
        requests, request.id, APPROVERS[0], Vote.APPROVE, APPROVERS,
        action_settings(tmp_path / "x.db"), NOW + timedelta(hours=2),
    )
    assert result.decision.code is DecisionCode.EXPIRED
    assert requests.get(request.id).state is S.EXPIRED


def test_fifty_concurrent_approvals_have_exactly_one_winner(
    requests: RequestStore, tmp_path: Path
) -> None:
    approvers = [f"UAPP{i:03d}" for i in range(50)]
    settings = action_settings(tmp_path / "x.db")
    request = opened(requests)
    barrier = threading.Barrier(50)
    results = []

    def click(user: str) -> None:
        barrier.wait()
        results.append(
            approvals.vote(requests, request.id, user, Vote.APPROVE, approvers, settings, NOW)
        )

    threads = [threading.Thread(target=click, args=(u,)) for u in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 50
    assert sum(r.decided_now for r in results) == 1
    losers = [r for r in results if not r.decided_now]
    assert {r.decision.code for r in losers} == {DecisionCode.ALREADY_DECIDED}
    transitions = [e for e in requests.audit_for(request.id) if e.event == "transition"]
    assert [(e.from_state, e.to_state) for e in transitions] == [("requested", "approved")]


def test_expire_due_expires_only_overdue_requests(requests: RequestStore) -> None:
    overdue = opened(requests, settings_ttl_hours=1)
    fresh, _ = requests.create(
        action=ActionKind.DELETE_ENDPOINT, resource_key=KEY.replace("notebook-instance", "endpoint"),
        requester=REQUESTER, state=S.REQUESTED, now=NOW, expires_at=NOW + timedelta(hours=48),
    )
    expired = approvals.expire_due(requests, NOW + timedelta(hours=2))
    assert [r.id for r in expired] == [overdue.id]
    assert requests.get(fresh.id).state is S.REQUESTED


# --- the audit trail -------------------------------------------------------------------------


def test_audit_rows_cannot_be_changed_or_deleted(requests: RequestStore) -> None:
    opened(requests)
    requests.audit(now=NOW, actor="U1", event="click")
    db = requests.store.db
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET actor = 'someone else'")
    db.conn.rollback()
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit")
    db.conn.rollback()
    assert [e.actor for e in requests.audit_since(NOW - timedelta(days=1))] == ["U1"]
