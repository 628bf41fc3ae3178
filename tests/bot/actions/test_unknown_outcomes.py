"""A mutating call whose outcome is unknown ends by re-reading the resource, never by being sent
again blindly: done → succeeded (with Restore for an endpoint delete), not done → a clear
failure, unreadable → left for the recovery sweep. AWS calls are counted as moto received them
(its recorder), so botocore's own retries are counted too."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.actions import executor, recovery
from bot.actions.models import ActionKind, OutcomeCode, RequestState, Vote
from bot.aws.session import RegionClients
from bot.demo.moto_fleet import MotoFleet, MotoRecorder
from bot.services import Services, build_services
from bot.storage.store import Store
from reports.requests import offers_restore
from tests.fakes.action_world import APPROVERS, REQUESTER, action_settings
from tests.fakes.lost_replies import LostReplies

S = RequestState
ACCOUNT, REGION = "123456789012", "us-east-1"
NB_KEY = f"{ACCOUNT}:{REGION}:notebook-instance:nb-1"
EP_KEY = f"{ACCOUNT}:{REGION}:endpoint:ep-1"


@pytest.fixture
def recorder(moto_server: str):
    recorder = MotoRecorder(moto_server)
    recorder.start()
    yield lambda operation: sum(r.operation == operation for r in recorder.stop())


def services_losing(tmp_path: Path, lost: LostReplies) -> Services:
    settings = action_settings(tmp_path / "bot.db")
    return build_services(settings, clients=lost.factory(), store=Store(settings.db_path))


def approve(services: Services, action: ActionKind, key: str):
    opened = executor.request_action(services, action, key, REQUESTER)
    assert opened.request is not None, opened.refusal
    _, outcome = executor.vote_and_run(services, opened.request.id, APPROVERS[0], Vote.APPROVE, APPROVERS)
    return outcome


def fleet_of(services: Services) -> MotoFleet:
    return MotoFleet(clients=RegionClients(services.clients, REGION))


def test_a_delete_whose_reply_was_lost_succeeds_and_offers_restore(moto_server, recorder, tmp_path) -> None:
    services = services_losing(tmp_path, LostReplies("DeleteEndpoint"))
    fleet_of(services).endpoint("ep-1")
    outcome = approve(services, ActionKind.DELETE_ENDPOINT, EP_KEY)
    request = executor.requests_of(services).get(outcome.request_id)
    assert (outcome.state, outcome.code) == (S.SUCCEEDED, OutcomeCode.DONE)
    assert "re-read shows Absent" in request.reason
    assert offers_restore(request) and executor.requests_of(services).deleted_endpoint(request.id)
    assert recorder("DeleteEndpoint") == 2  # the lost one and botocore's retry; nothing more


def test_a_stop_whose_reply_was_lost_is_recorded_done(moto_server, recorder, tmp_path) -> None:
    services = services_losing(tmp_path, LostReplies("StopNotebookInstance"))
    fleet_of(services).notebook("nb-1")
    outcome = approve(services, ActionKind.STOP_NOTEBOOK, NB_KEY)
    assert outcome.state is S.SUCCEEDED
    assert recorder("StopNotebookInstance") == 2


def test_a_stop_that_never_reached_aws_fails_saying_the_notebook_still_runs(
    moto_server, recorder, tmp_path
) -> None:
    services = services_losing(tmp_path, LostReplies("StopNotebookInstance", times=99, reach=False))
    fleet_of(services).notebook("nb-1")
    outcome = approve(services, ActionKind.STOP_NOTEBOOK, NB_KEY)
    assert (outcome.state, outcome.code) == (S.FAILED, OutcomeCode.ERROR)
    assert "still InService, nothing changed" in outcome.message
    assert recorder("StopNotebookInstance") == 0


def test_an_unknown_outcome_that_cannot_be_re_read_is_left_for_the_sweep(
    moto_server, recorder, tmp_path, monkeypatch
) -> None:
    services = services_losing(tmp_path, LostReplies("StopNotebookInstance", times=99, reach=False))
    fleet_of(services).notebook("nb-1")
    from bot.aws import actions

    real_observe, reads = actions.observe, []

    def observe_failing_after_the_call(*args, **kwargs):
        reads.append(1)
        if len(reads) == 3:  # at request, before the call, and this one: after it
            raise ConnectionError("network down")
        return real_observe(*args, **kwargs)

    monkeypatch.setattr(actions, "observe", observe_failing_after_the_call)
    outcome = approve(services, ActionKind.STOP_NOTEBOOK, NB_KEY)
    assert (outcome.state, outcome.code) == (S.EXECUTING, OutcomeCode.ERROR)
    assert "will be checked again" in outcome.message

    later = build_services(
        services.settings, clients=LostReplies("none", times=0).factory(),
        store=Store(services.settings.db_path),
    )
    [swept] = recovery.recover(later)
    assert (swept.state, swept.code) == (S.SUCCEEDED, OutcomeCode.DONE)
    assert recorder("StopNotebookInstance") == 1
