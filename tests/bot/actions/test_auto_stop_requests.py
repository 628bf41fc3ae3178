"""Install auto-stop through the approval flow. moto has no UpdateNotebookInstance, so the whole
SageMaker conversation goes through botocore's Stubber: every call's parameters and every answer
are checked against the real service model, in the order the executor must make them."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.stub import ANY

from bot.actions import executor, pending_fixes, recovery
from bot.actions.fix_steps import button_params
from bot.actions.fix_store import FixStore
from bot.actions.models import ActionKind, OutcomeCode, RequestState, Vote
from bot.aws.notebook_fixes import AUTO_STOP_CONFIG
from bot.services import Services, build_services
from bot.storage.store import Store
from tests.fakes.action_world import APPROVERS, REQUESTER, action_settings, undo_and_approve
from tests.fakes.notebook_stub import KEY, StubbedSageMaker

S = RequestState


@pytest.fixture
def aws() -> StubbedSageMaker:
    return StubbedSageMaker()


def services_for(aws: StubbedSageMaker, tmp_path: Path, **settings: object) -> Services:
    config = action_settings(tmp_path / "bot.db", auto_stop_idle_minutes=45, **settings)
    return build_services(config, clients=aws, store=Store(config.db_path))


def ask_and_approve(services: Services, restart_now: bool, action=ActionKind.INSTALL_AUTO_STOP):
    params = button_params(services, action, restart_now=restart_now)
    opened = executor.request_action(services, action, KEY, REQUESTER, params=params)
    assert opened.request is not None, opened.refusal
    return executor.vote_and_run(services, opened.request.id, APPROVERS[0], Vote.APPROVE, APPROVERS)


def stopped_with_team_setup(aws: StubbedSageMaker) -> None:
    """A Stopped notebook running the team's own lifecycle config ("echo hi"): read at request
    time, re-read before acting, read again for its config, whose script is then described."""
    aws.observed("Stopped", config="team-setup")
    aws.observed("Stopped", config="team-setup")
    aws.notebook("Stopped", config="team-setup")
    aws.stub.add_response(
        "describe_notebook_instance_lifecycle_config",
        {"NotebookInstanceLifecycleConfigName": "team-setup",
         "OnStart": [{"Content": "ZWNobyBoaQ=="}]},
        {"NotebookInstanceLifecycleConfigName": "team-setup"},
    )


def test_restart_now_stops_attaches_and_starts_the_notebook(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    aws.observed("InService")  # at request time
    aws.observed("InService")  # the re-read before acting
    aws.notebook("InService")  # which config is attached now
    aws.shared_config_exists()
    aws.stop_update_start({"LifecycleConfigName": AUTO_STOP_CONFIG})
    with aws.stub:
        _, outcome = ask_and_approve(services, restart_now=True)
    aws.stub.assert_no_pending_responses()
    assert (outcome.code, outcome.state, outcome.aws_request_id) == (OutcomeCode.DONE, S.SUCCEEDED, "upd-1")
    assert "stops itself after 45 idle minutes" in outcome.message


def test_without_restart_an_in_service_notebook_is_left_running_and_remembered(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    aws.observed("InService")
    aws.observed("InService")
    with aws.stub:
        _, outcome = ask_and_approve(services, restart_now=False)
    aws.stub.assert_no_pending_responses()  # no stop, no update
    assert outcome.state is S.SUCCEEDED and "when a scan next sees it Stopped" in outcome.message
    assert [r["request_id"] for r in FixStore(services.store).pending()] == [outcome.request_id]


def test_a_remembered_attachment_is_applied_once_the_notebook_is_seen_stopped(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    aws.observed("InService")
    aws.observed("InService")
    with aws.stub:
        _, outcome = ask_and_approve(services, restart_now=False)
    aws.observed("InService")  # first sweep: still running, nothing sent
    aws.observed("Stopped")  # second sweep
    aws.notebook("Stopped")
    aws.shared_config_exists()
    aws.notebook("Stopped")
    aws.update({"LifecycleConfigName": AUTO_STOP_CONFIG}, "upd-2")
    with aws.stub:
        assert [a.result for a in pending_fixes.apply_pending(services)] == ["waiting"]
        assert [a.result for a in pending_fixes.apply_pending(services)] == ["applied"]
        assert pending_fixes.apply_pending(services) == []  # applied once, never again
    aws.stub.assert_no_pending_responses()
    audit = executor.requests_of(services).audit_for(outcome.request_id)
    assert [(e.outcome, e.aws_request_id) for e in audit if e.event == "pending-fix"] == [
        ("applied", "upd-2")
    ]


def test_a_stopped_notebook_is_updated_without_being_started(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    stopped_with_team_setup(aws)
    aws.stub.add_client_error(
        "describe_notebook_instance_lifecycle_config", "ValidationException",
        "Unable to describe Notebook Instance Lifecycle Config (Details: does not exist.)",
        expected_params={"NotebookInstanceLifecycleConfigName": "team-setup-auto-stop"},
    )
    aws.stub.add_response(
        "create_notebook_instance_lifecycle_config", {},
        {"NotebookInstanceLifecycleConfigName": "team-setup-auto-stop", "OnStart": ANY},
    )
    aws.notebook("Stopped", config="team-setup")
    aws.update({"LifecycleConfigName": "team-setup-auto-stop"})
    with aws.stub:
        _, outcome = ask_and_approve(services, restart_now=True)
    aws.stub.assert_no_pending_responses()
    assert outcome.state is S.SUCCEEDED and "started again" not in outcome.message


def test_undo_puts_the_previous_config_back(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    stopped_with_team_setup(aws)
    aws.stub.add_response(
        "describe_notebook_instance_lifecycle_config",
        {"NotebookInstanceLifecycleConfigName": "team-setup-auto-stop"},
        {"NotebookInstanceLifecycleConfigName": "team-setup-auto-stop"},
    )
    aws.notebook("Stopped", config="team-setup")
    aws.update({"LifecycleConfigName": "team-setup-auto-stop"})
    with aws.stub:
        _, installed = ask_and_approve(services, restart_now=False)
    done = executor.requests_of(services).get(installed.request_id)
    aws.observed("Stopped", config="team-setup-auto-stop")
    aws.observed("Stopped", config="team-setup-auto-stop")
    aws.notebook("Stopped", config="team-setup-auto-stop")
    aws.update({"LifecycleConfigName": "team-setup"}, "undo-1")
    with aws.stub:
        undo, undone = undo_and_approve(services, done, APPROVERS[0])
        assert undo.params["lifecycle_config"] == "team-setup"
    aws.stub.assert_no_pending_responses()
    assert (undone.state, undone.aws_request_id) == (S.SUCCEEDED, "undo-1")
    assert "has team-setup again" in undone.message


def test_undo_of_a_waiting_attachment_cancels_it_without_touching_aws(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    aws.observed("InService")
    aws.observed("InService")
    with aws.stub:
        _, outcome = ask_and_approve(services, restart_now=False)
        done = executor.requests_of(services).get(outcome.request_id)
        opened = pending_fixes.open_undo(services, done, REQUESTER)
        assert pending_fixes.apply_pending(services) == []
    assert opened.request is None and "cancelled, nothing had changed" in opened.refusal


def test_a_protected_notebook_gets_no_request(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    aws.observed("InService", tags={"sm-cost-bot:protect": "yes"})
    with aws.stub:
        opened = executor.request_action(
            services, ActionKind.INSTALL_AUTO_STOP, KEY, REQUESTER,
            params=button_params(services, ActionKind.INSTALL_AUTO_STOP, restart_now=True),
        )
    assert opened.request is None and "protected" in opened.refusal


def test_dry_run_sends_no_update(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path, dry_run=True)
    aws.observed("InService")
    aws.observed("InService")
    with aws.stub:
        _, outcome = ask_and_approve(services, restart_now=True)
    aws.stub.assert_no_pending_responses()
    assert outcome.dry_run and outcome.message.startswith("DRY RUN: would install auto-stop")
    assert FixStore(services.store).pending() == []


def test_a_notebook_that_already_runs_auto_stop_is_reported_not_changed(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    aws.observed("InService", config=AUTO_STOP_CONFIG)
    with aws.stub:
        opened = executor.request_action(
            services, ActionKind.INSTALL_AUTO_STOP, KEY, REQUESTER,
            params=button_params(services, ActionKind.INSTALL_AUTO_STOP, restart_now=False),
        )
    assert opened.request is None and "already runs auto-stop" in opened.refusal


class Crash(BaseException):
    """Stands for the process dying mid-call (not an AWS error the executor would catch)."""


def test_a_crash_after_the_attachment_is_reconciled_as_done_at_start_up(
    aws, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.aws import notebook_fixes

    services = services_for(aws, tmp_path)
    aws.observed("Stopped")
    aws.observed("Stopped")

    def attach_then_die(*args: object) -> None:
        raise Crash

    monkeypatch.setattr(notebook_fixes, "perform", attach_then_die)
    with aws.stub, pytest.raises(Crash):
        ask_and_approve(services, restart_now=True)
    monkeypatch.undo()
    aws.observed("Stopped", config=AUTO_STOP_CONFIG)  # what start-up recovery reads
    with aws.stub:
        [outcome] = recovery.recover(services)
    assert (outcome.code, outcome.state) == (OutcomeCode.RECONCILED, S.SUCCEEDED)


def test_a_crash_before_anything_was_attached_is_reported_interrupted(
    aws, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.aws import notebook_fixes

    services = services_for(aws, tmp_path)
    aws.observed("Stopped")
    aws.observed("Stopped")
    monkeypatch.setattr(notebook_fixes, "perform", lambda *a: (_ for _ in ()).throw(Crash()))
    with aws.stub, pytest.raises(Crash):
        ask_and_approve(services, restart_now=True)
    monkeypatch.undo()
    aws.observed("Stopped")
    with aws.stub:
        [outcome] = recovery.recover(services)
    assert (outcome.code, outcome.state) == (OutcomeCode.INTERRUPTED, S.FAILED)
