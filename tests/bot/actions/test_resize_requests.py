"""Resize an oversized notebook through the approval flow, and Undo it (Stubber: moto has no
UpdateNotebookInstance)."""

from __future__ import annotations

from pathlib import Path

from bot.actions import executor
from bot.actions.fix_steps import button_params
from bot.actions.models import ActionKind, OutcomeCode, RequestState, Vote
from bot.models import FindingKind
from bot.services import Services, build_services
from bot.storage.store import Store
from tests.fakes.action_world import APPROVERS, REQUESTER, action_settings, undo_and_approve
from tests.fakes.findings import finding
from tests.fakes.notebook_stub import KEY, NAME, StubbedSageMaker

S = RequestState
OVERSIZED = finding(
    NAME, FindingKind.OVERSIZED_NOTEBOOK, instance_type="ml.p3.8xlarge",
    evidence={"suggested_instance_type": "ml.p3.2xlarge"},
)


def services_for(aws: StubbedSageMaker, tmp_path: Path) -> Services:
    config = action_settings(tmp_path / "bot.db")
    return build_services(config, clients=aws, store=Store(config.db_path))


def resize(services: Services):
    params = button_params(services, ActionKind.RESIZE_NOTEBOOK, True, OVERSIZED)
    opened = executor.request_action(services, ActionKind.RESIZE_NOTEBOOK, KEY, REQUESTER, params=params)
    assert opened.request is not None, opened.refusal
    return executor.vote_and_run(services, opened.request.id, APPROVERS[0], Vote.APPROVE, APPROVERS)


def test_resize_stops_changes_the_type_and_starts_again_then_undo_puts_it_back(tmp_path) -> None:
    aws = StubbedSageMaker()
    services = services_for(aws, tmp_path)
    assert OVERSIZED.key == KEY
    aws.observed("InService", instance_type="ml.p3.8xlarge")
    aws.observed("InService", instance_type="ml.p3.8xlarge")
    aws.stop_update_start({"InstanceType": "ml.p3.2xlarge"}, "rs-1")
    with aws.stub:
        _, outcome = resize(services)
    aws.stub.assert_no_pending_responses()
    assert (outcome.code, outcome.aws_request_id) == (OutcomeCode.DONE, "rs-1")
    assert outcome.message == f"notebook {NAME} is now ml.p3.2xlarge (stopped, updated and started again)"

    done = executor.requests_of(services).get(outcome.request_id)
    aws.observed("InService", instance_type="ml.p3.2xlarge")
    aws.observed("InService", instance_type="ml.p3.2xlarge")
    aws.stop_update_start({"InstanceType": "ml.p3.8xlarge"}, "rs-2")
    with aws.stub:
        _, undone = undo_and_approve(services, done)
    aws.stub.assert_no_pending_responses()
    assert (undone.state, undone.aws_request_id) == (S.SUCCEEDED, "rs-2")


def test_a_notebook_already_at_the_smaller_type_is_reported_not_changed(tmp_path) -> None:
    aws = StubbedSageMaker()
    services = services_for(aws, tmp_path)
    aws.observed("InService", instance_type="ml.p3.2xlarge")
    with aws.stub:
        opened = executor.request_action(
            services, ActionKind.RESIZE_NOTEBOOK, KEY, REQUESTER,
            params=button_params(services, ActionKind.RESIZE_NOTEBOOK, True, OVERSIZED),
        )
    assert opened.request is None and "already ml.p3.2xlarge" in opened.refusal
