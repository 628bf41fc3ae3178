"""Removing a schedule changes what runs on AWS: from Slack it takes an approver, except that
whoever asked may withdraw a schedule still waiting for approval. Refusals are ephemeral and
audited."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.actions.store import RequestStore
from bot.config import Settings
from bot.schedules.rules import weekdays_preset
from bot.schedules.store import ScheduleStatus, add_schedule, get_schedule
from bot.services import Services

NB_KEY = "123456789012:us-east-1:notebook-instance:nb-1"
APPROVER, REQUESTER, BYSTANDER = "UAPPROVER1", "UREQUESTER", "UBYSTANDER"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "bot.db", regions=["us-east-1"], approvers=[APPROVER])


def schedule(services: Services, status: ScheduleStatus):
    return add_schedule(services.store, NB_KEY, weekdays_preset("UTC"), created_by=REQUESTER,
                        now=services.clock(), status=status)


def remove(bolt_app, signed, record, user: str) -> dict:
    response = bolt_app.dispatch(signed.command("/sm-schedule", f"remove {record.id}", user=user).bolt_request())
    assert response.status == 200
    return json.loads(response.body)


def test_a_non_approver_cannot_remove_an_approved_schedule(bolt_app, signed, services):
    record = schedule(services, ScheduleStatus.ACTIVE)

    answer = remove(bolt_app, signed, record, BYSTANDER)

    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == (
        f":no_entry_sign: Only an approver, or whoever asked for it while it waits for approval,"
        f" can remove schedule #{record.id}."
    )
    assert get_schedule(services.store, record.id).status is ScheduleStatus.ACTIVE


def test_the_requester_cannot_remove_their_schedule_once_approved(bolt_app, signed, services):
    record = schedule(services, ScheduleStatus.ACTIVE)

    answer = remove(bolt_app, signed, record, REQUESTER)

    assert answer["text"] == f":no_entry_sign: Schedule #{record.id} is active: only an approver can remove it now."
    assert get_schedule(services.store, record.id).status is ScheduleStatus.ACTIVE


def test_a_refused_removal_is_audited(bolt_app, signed, services):
    record = schedule(services, ScheduleStatus.ACTIVE)

    remove(bolt_app, signed, record, BYSTANDER)

    [entry] = [e for e in RequestStore(services.store).audit_since(services.clock() - timedelta(hours=1))
               if e.event == "schedule-remove-refused"]
    assert (entry.actor, entry.resource_key, entry.outcome) == (BYSTANDER, NB_KEY, "refused")


def test_an_approver_removes_an_approved_schedule(bolt_app, signed, services):
    record = schedule(services, ScheduleStatus.ACTIVE)

    answer = remove(bolt_app, signed, record, APPROVER)

    assert answer["text"].startswith(f"Removed schedule #{record.id}")
    assert get_schedule(services.store, record.id).status is ScheduleStatus.REMOVED


def test_the_requester_withdraws_their_pending_schedule(bolt_app, signed, services):
    record = schedule(services, ScheduleStatus.PENDING_APPROVAL)

    answer = remove(bolt_app, signed, record, REQUESTER)

    assert answer["text"].startswith(f"Removed schedule #{record.id}")
    assert get_schedule(services.store, record.id).status is ScheduleStatus.REMOVED


def test_a_bystander_cannot_withdraw_someone_elses_pending_schedule(bolt_app, signed, services):
    record = schedule(services, ScheduleStatus.PENDING_APPROVAL)

    remove(bolt_app, signed, record, BYSTANDER)

    assert get_schedule(services.store, record.id).status is ScheduleStatus.PENDING_APPROVAL
