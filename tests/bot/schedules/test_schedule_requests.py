"""Approving a schedule: the same approvers, self-approval rule, quorum and time to live as
action requests; every step audited."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.actions.store import RequestStore
from bot.schedules.requests import decide
from bot.schedules.rules import weekdays_preset
from bot.schedules.store import ScheduleStatus, add_schedule, get_schedule
from bot.services import Services

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
KEY = "123456789012:us-east-1:notebook-instance:nb-1"
APPROVERS = {"UA", "UB", "UC"}


@pytest.fixture
def at_now(services: Services) -> Services:
    return dataclasses.replace(services, clock=lambda: NOW)


def pending(services: Services, by: str = "UREQ"):
    return add_schedule(services.store, KEY, weekdays_preset("UTC"), created_by=by, now=NOW,
                        status=ScheduleStatus.PENDING_APPROVAL)


def test_two_required_approvals_activate_on_the_second(at_now: Services) -> None:
    services = dataclasses.replace(at_now, settings=at_now.settings.model_copy(update={"required_approvals": 2}))
    record = pending(services)
    first = decide(services, record.id, "UA", True, APPROVERS)
    assert (first.allowed, first.decided_now, first.record.status) == (True, False, ScheduleStatus.PENDING_APPROVAL)
    assert decide(services, record.id, "UA", True, APPROVERS).reason == "you already voted on this schedule"
    second = decide(services, record.id, "UB", True, APPROVERS)
    assert (second.decided_now, second.record.status) == (True, ScheduleStatus.ACTIVE)


def test_a_schedule_not_approved_in_time_expires(at_now: Services) -> None:
    record = pending(at_now)
    late = dataclasses.replace(at_now, clock=lambda: NOW + timedelta(hours=at_now.settings.request_ttl_hours))
    result = decide(late, record.id, "UA", True, APPROVERS)
    assert not result.allowed and "expired" in result.reason
    assert get_schedule(at_now.store, record.id).status is ScheduleStatus.EXPIRED


def test_the_requester_may_withdraw_but_an_outsider_may_not_reject(at_now: Services) -> None:
    record = pending(at_now)
    assert decide(at_now, record.id, "UOUT", False, APPROVERS).allowed is False
    assert decide(at_now, record.id, "UREQ", False, APPROVERS).record.status is ScheduleStatus.REJECTED


def test_with_no_approvers_configured_nobody_can_approve(at_now: Services) -> None:
    record = pending(at_now)
    assert "no approvers are configured" in decide(at_now, record.id, "UA", True, set()).reason


def test_each_decision_is_audited(at_now: Services) -> None:
    record = pending(at_now)
    decide(at_now, record.id, "UA", True, APPROVERS)
    events = [(e.actor, e.event, e.outcome) for e in RequestStore(at_now.store).audit_since(NOW - timedelta(days=1))]
    assert events == [("UA", "schedule-approved", "active")]
