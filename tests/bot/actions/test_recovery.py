"""Requests a crash left behind: `executing` ones are settled by a re-read (done → succeeded,
still in the starting state → run through every guard, anything else → interrupted), and the
running bot's sweep takes only requests untouched past the grace period and not running here."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import executor, recovery
from bot.actions.messages import SWEEP_JOB_ID, SWEEP_SECONDS
from bot.actions.models import ActionKind, OutcomeCode, RequestState
from bot.aws import actions
from tests.bot.actions import test_executor
from tests.bot.actions.test_executor import Crash, World, crash, nb_key

S = RequestState
world = test_executor.world  # the fixture: one bot process over moto, its clock, its call count


def left_executing(world: World, monkeypatch: pytest.MonkeyPatch) -> int:
    """An approved stop whose process died after the claim, before the AWS call."""
    world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    with monkeypatch.context() as patched:
        patched.setattr(actions, "perform", crash)
        with pytest.raises(Crash):
            world.approve(request.id)
    return request.id


def state_of(world: World, request_id: int) -> RequestState:
    return executor.requests_of(world.services).get(request_id).state


def test_the_sweep_leaves_a_request_alone_within_the_grace_period(world, monkeypatch) -> None:
    request_id = left_executing(world, monkeypatch)
    world.clock.advance(seconds=recovery.RECOVERY_GRACE_SECONDS - 1)
    assert recovery.recover(world.services, recovery.RECOVERY_GRACE_SECONDS) == []
    assert state_of(world, request_id) is S.EXECUTING


def test_the_sweep_runs_a_request_stranded_past_the_grace_period_once(world, monkeypatch) -> None:
    request_id = left_executing(world, monkeypatch)
    world.clock.advance(seconds=recovery.RECOVERY_GRACE_SECONDS)
    [outcome] = recovery.recover(world.services, recovery.RECOVERY_GRACE_SECONDS)
    assert (outcome.request_id, outcome.state, outcome.code) == (request_id, S.SUCCEEDED, OutcomeCode.DONE)
    assert recovery.recover(world.services, recovery.RECOVERY_GRACE_SECONDS) == []
    assert world.calls("StopNotebookInstance") == 1


def test_the_sweep_skips_a_request_this_process_is_running(world, monkeypatch) -> None:
    request_id = left_executing(world, monkeypatch)
    world.clock.advance(hours=1)
    with executor._running(request_id):  # a slow AWS call in a click's thread
        assert recovery.recover(world.services, recovery.RECOVERY_GRACE_SECONDS) == []
    assert world.calls("StopNotebookInstance") == 0


def test_a_resumed_request_still_honours_the_idleness_guard(world, monkeypatch) -> None:
    left_executing(world, monkeypatch)
    world.fleet.set_notebook_last_modified("nb-1", world.clock() + timedelta(minutes=5))
    [outcome] = recovery.recover(world.restart())
    assert (outcome.state, outcome.code) == (S.FAILED, OutcomeCode.ACTIVE)
    assert world.calls("StopNotebookInstance") == 0


def test_a_request_whose_resource_state_cannot_tell_is_interrupted(world, monkeypatch) -> None:
    request_id = left_executing(world, monkeypatch)
    sm = world.fleet.clients("sagemaker")
    sm.stop_notebook_instance(NotebookInstanceName="nb-1")
    sm.delete_notebook_instance(NotebookInstanceName="nb-1")
    [outcome] = recovery.recover(world.restart())
    assert (outcome.request_id, outcome.state, outcome.code) == (request_id, S.FAILED, OutcomeCode.INTERRUPTED)
    assert "Absent" in outcome.message


def test_two_sweeps_that_saw_the_same_stranded_request_resume_it_once(world, monkeypatch) -> None:
    request_id = left_executing(world, monkeypatch)
    seen = executor.requests_of(world.services).get(request_id)
    assert executor.requests_of(world.services).reclaim_executing(seen, world.clock() + timedelta(seconds=1))
    outcome = recovery.resume(world.services, seen)  # the slower sweep, with the row it read
    assert outcome.code is OutcomeCode.NOT_CLAIMED and world.calls("StopNotebookInstance") == 0


def test_the_running_bot_schedules_the_recovery_sweep(services) -> None:
    from bot.runtime.scheduler import build_scheduler

    job = build_scheduler(services, client=None).get_job(SWEEP_JOB_ID)
    assert job.trigger.interval == timedelta(seconds=SWEEP_SECONDS)
