"""The executor against moto: real state changes, exactly one AWS call however many clicks,
re-reads that stop stale requests, dry-run, and recovery after a crash at every step."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from bot.actions import executor, recovery, request_params
from bot.actions.models import ActionKind, DecisionCode, OutcomeCode, RequestState, Vote
from bot.aws import actions
from bot.aws.session import RegionClients
from bot.demo.moto_fleet import MotoFleet
from bot.services import Services
from tests.fakes.action_world import (
    APPROVERS,
    REQUESTER,
    CallCounter,
    ManualClock,
    action_settings,
    rebuilt_services,
)

S = RequestState
ACCOUNT, REGION = "123456789012", "us-east-1"
PROTECT = "sm-cost-bot:protect"


def nb_key(name: str) -> str:
    return f"{ACCOUNT}:{REGION}:notebook-instance:{name}"


def ep_key(name: str) -> str:
    return f"{ACCOUNT}:{REGION}:endpoint:{name}"


class World:
    """One bot process (services) over moto, its clock, and the count of calls it sent."""

    def __init__(self, tmp_path: Path, **settings: object):
        self.clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
        self.counter = CallCounter()
        self.settings = action_settings(tmp_path / "bot.db", **settings)
        self.services = rebuilt_services(self.settings, self.counter, self.clock)
        self.fleet = MotoFleet(clients=RegionClients(self.services.clients, REGION))

    def restart(self) -> Services:
        """Abandon this process's state; a new one opens the same database."""
        self.services = rebuilt_services(self.settings, self.counter, self.clock)
        return self.services

    def calls(self, operation: str) -> int:
        return self.counter.calls[operation]

    def state(self, key: str) -> str:
        return actions.observe(self.fleet.clients, actions.ResourceKey.parse(key), {}).state

    def open(self, action: ActionKind, key: str, **kwargs: object):
        opened = executor.request_action(self.services, action, key, REQUESTER, **kwargs)
        assert opened.request is not None, opened.refusal
        return opened.request

    def approve(self, request_id: int, user: str = APPROVERS[0]):
        return executor.vote_and_run(self.services, request_id, user, Vote.APPROVE, APPROVERS)


@pytest.fixture
def world(moto_server: str, tmp_path: Path) -> World:
    return World(tmp_path)


def test_an_approved_stop_stops_the_notebook_with_in_process_moto(tmp_path: Path) -> None:
    with mock_aws():
        w = World(tmp_path)
        w.fleet.notebook("nb-1")
        request = w.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
        vote, outcome = w.approve(request.id)
        assert vote.decided_now
        assert (outcome.code, outcome.state) == (OutcomeCode.DONE, S.SUCCEEDED)
        assert w.state(nb_key("nb-1")) == "Stopped"
        assert outcome.aws_request_id
        calls = [e for e in executor.requests_of(w.services).audit_for(request.id) if e.event == "aws-call"]
        assert [(c.outcome, c.aws_request_id) for c in calls] == [
            ("StopNotebookInstance", outcome.aws_request_id)
        ]


def test_an_endpoint_is_deleted_then_restored_over_moto_server(world: World) -> None:
    world.fleet.endpoint("ep-1", tags={"team": "ml"})
    seeded = world.calls("CreateEndpoint")
    delete = world.open(ActionKind.DELETE_ENDPOINT, ep_key("ep-1"))
    _, deleted = world.approve(delete.id)
    assert (deleted.state, world.state(ep_key("ep-1"))) == (S.SUCCEEDED, actions.ABSENT)
    saved = executor.requests_of(world.services).deleted_endpoint(delete.id)
    assert (saved["EndpointConfigName"], saved["Tags"]) == ("ep-1-config", [{"Key": "team", "Value": "ml"}])

    restore = world.open(ActionKind.RESTORE_ENDPOINT, ep_key("ep-1"), restore_of=delete.id)
    _, restored = world.approve(restore.id)
    assert (restored.code, restored.state) == (OutcomeCode.DONE, S.SUCCEEDED)
    assert world.state(ep_key("ep-1")) == "InService"
    assert (world.calls("DeleteEndpoint"), world.calls("CreateEndpoint") - seeded) == (1, 1)


def test_fifty_concurrent_approve_clicks_stop_the_notebook_once(world: World) -> None:
    world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    approvers = [f"UAPP{i:03d}" for i in range(50)]
    barrier = threading.Barrier(50)
    results = []

    def click(user: str) -> None:
        barrier.wait()
        results.append(
            executor.vote_and_run(world.services, request.id, user, Vote.APPROVE, approvers)
        )

    threads = [threading.Thread(target=click, args=(user,)) for user in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 50
    assert world.calls("StopNotebookInstance") == 1
    ran = [outcome for _, outcome in results if outcome is not None]
    assert [(o.code, o.state) for o in ran] == [(OutcomeCode.DONE, S.SUCCEEDED)]
    told = [vote.decision for vote, outcome in results if outcome is None]
    assert len(told) == 49 and {d.code for d in told} == {DecisionCode.ALREADY_DECIDED}
    assert world.state(nb_key("nb-1")) == "Stopped"


def test_dry_run_changes_nothing_and_says_so(moto_server: str, tmp_path: Path) -> None:
    world = World(tmp_path, dry_run=True)
    world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    _, outcome = world.approve(request.id)
    assert (outcome.state, outcome.dry_run) == (S.SUCCEEDED, True)
    assert outcome.message.startswith("DRY RUN")
    assert world.calls("StopNotebookInstance") == 0
    assert world.state(nb_key("nb-1")) == "InService"
    events = [e.event for e in executor.requests_of(world.services).audit_for(request.id)]
    assert "aws-call-skipped" in events and "aws-call" not in events


def test_a_protected_tag_added_since_the_request_stops_it(world: World) -> None:
    arn = world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    world.fleet.clients("sagemaker").add_tags(ResourceArn=arn, Tags=[{"Key": PROTECT, "Value": "1"}])
    _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.PROTECTED, S.FAILED)
    assert world.calls("StopNotebookInstance") == 0
    assert world.state(nb_key("nb-1")) == "InService"


def test_a_notebook_used_since_the_request_is_not_stopped(world: World) -> None:
    world.fleet.notebook("nb-1", last_modified=world.clock.now - timedelta(days=3))
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    world.fleet.set_notebook_last_modified("nb-1", world.clock.now - timedelta(minutes=5))
    _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.ACTIVE, S.FAILED)
    assert world.state(nb_key("nb-1")) == "InService"


def test_an_endpoint_invoked_since_the_request_is_not_deleted(world: World) -> None:
    world.fleet.endpoint("ep-1")
    request = world.open(ActionKind.DELETE_ENDPOINT, ep_key("ep-1"))
    world.fleet.invocations("ep-1", world.clock.now + timedelta(minutes=1), count=5)
    world.clock.advance(minutes=10)
    _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.ACTIVE, S.FAILED)
    assert world.calls("DeleteEndpoint") == 0
    assert world.state(ep_key("ep-1")) == "InService"


def test_an_already_stopped_notebook_is_reported_not_passed_silently(world: World) -> None:
    world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    world.fleet.clients("sagemaker").stop_notebook_instance(NotebookInstanceName="nb-1")
    _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.ALREADY, S.FAILED)
    assert "already Stopped" in outcome.message
    assert world.calls("StopNotebookInstance") == 1  # the test's own stop, not the bot's


def test_a_vanished_endpoint_fails_the_request(world: World) -> None:
    world.fleet.endpoint("ep-1")
    request = world.open(ActionKind.DELETE_ENDPOINT, ep_key("ep-1"))
    world.fleet.clients("sagemaker").delete_endpoint(EndpointName="ep-1")
    _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.GONE, S.FAILED)


def test_a_protected_resource_cannot_even_be_requested(world: World) -> None:
    world.fleet.endpoint("ep-1", tags={PROTECT: "true"})
    opened = executor.request_action(
        world.services, ActionKind.DELETE_ENDPOINT, ep_key("ep-1"), REQUESTER
    )
    assert opened.request is None and "protected" in opened.refusal
    audit = executor.requests_of(world.services).audit_since(world.clock.now - timedelta(hours=1))
    assert [(e.event, e.outcome) for e in audit] == [("request-refused", "protected")]
    assert executor.requests_of(world.services).all() == []


def test_a_second_click_joins_the_open_request(world: World) -> None:
    world.fleet.notebook("nb-1")
    first = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    again = executor.request_action(world.services, ActionKind.STOP_NOTEBOOK, nb_key("nb-1"), "UOTHER")
    assert (again.request.id, again.created) == (first.id, False)


def test_a_schedule_firing_runs_once_per_idempotency_key(world: World) -> None:
    world.fleet.notebook("nb-1")
    first = executor.execute(
        world.services, ActionKind.STOP_NOTEBOOK, nb_key("nb-1"),
        actor="schedule:3", idempotency_key="schedule:3:2026-03-02T18:00",
    )
    second = executor.execute(
        world.services, ActionKind.STOP_NOTEBOOK, nb_key("nb-1"),
        actor="schedule:3", idempotency_key="schedule:3:2026-03-02T18:00",
    )
    assert (first.code, first.state) == (OutcomeCode.DONE, S.SUCCEEDED)
    assert (second.code, second.request_id) == (OutcomeCode.NOT_CLAIMED, first.request_id)
    assert world.calls("StopNotebookInstance") == 1


def crash_before_the_claim(
    world: World, monkeypatch: pytest.MonkeyPatch, action: ActionKind, slot: str, deadline: timedelta
) -> None:
    """A schedule firing whose request was created approved, then the process died unclaimed."""
    not_after = (world.clock() + deadline).isoformat()
    with monkeypatch.context() as patched:
        patched.setattr(executor, "run_request", crash)
        with pytest.raises(Crash):
            executor.execute(
                world.services, action, nb_key("nb-1"), actor="schedule #1",
                idempotency_key=f"schedule:1:{slot}", params={"not_after": not_after},
            )


def test_a_schedule_slot_left_approved_by_a_crash_is_not_run_past_its_deadline(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.fleet.notebook("nb-1", stopped=True)
    crash_before_the_claim(world, monkeypatch, ActionKind.START_NOTEBOOK, "09:00", timedelta(minutes=30))
    world.clock.advance(hours=10)
    [outcome] = recovery.recover(world.restart())
    assert (outcome.code, outcome.state) == (OutcomeCode.TOO_LATE, S.FAILED)
    assert world.calls("StartNotebookInstance") == 0
    assert world.state(nb_key("nb-1")) == "Stopped"


def test_a_schedule_slot_recovered_within_its_deadline_still_runs(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.fleet.notebook("nb-1")
    crash_before_the_claim(world, monkeypatch, ActionKind.STOP_NOTEBOOK, "18:00", timedelta(hours=12))
    world.clock.advance(minutes=40)
    [outcome] = recovery.recover(world.restart())
    assert (outcome.code, outcome.state) == (OutcomeCode.DONE, S.SUCCEEDED)
    assert world.calls("StopNotebookInstance") == 1


def test_an_expired_request_is_expired_at_start_up_and_never_runs(world: World) -> None:
    world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    world.clock.advance(hours=25)
    recovery.recover(world.restart())
    assert executor.requests_of(world.services).get(request.id).state is S.EXPIRED
    vote, outcome = world.approve(request.id)
    assert (vote.decision.code, outcome) == (DecisionCode.EXPIRED, None)
    assert world.calls("StopNotebookInstance") == 0


# --- crashes between transitions -------------------------------------------------------------


class Crash(BaseException):
    """The process dies here (BaseException: nothing in the bot catches it)."""


def crash(*_: object, **__: object) -> None:
    raise Crash


def after_real(real):
    def call_then_crash(*args: object, **kwargs: object) -> None:
        real(*args, **kwargs)
        raise Crash

    return call_then_crash


@pytest.mark.parametrize(
    "where, patch_target, make_patch, final_state, expected_calls",
    [
        # approved (vote committed), dies before claiming: recovery runs it
        ("approved→executing", "run_request", lambda real: crash, S.SUCCEEDED, 1),
        # executing, dies before the re-read: recovery sees InService, runs it through the guards
        ("executing→re-read", "observe", lambda real: crash, S.SUCCEEDED, 1),
        # executing, dies before the AWS call: recovery sees InService, runs it once
        ("executing→aws", "perform", lambda real: crash, S.SUCCEEDED, 1),
        # the AWS call went out, dies before recording success: recovery finds it done
        ("aws→succeeded", "perform", after_real, S.SUCCEEDED, 1),
        # success recorded, dies before anything else: nothing left to do
        ("succeeded→slack", "finish", after_real, S.SUCCEEDED, 1),
    ],
)
def test_a_crash_loses_no_request_and_runs_nothing_twice(
    world: World, monkeypatch: pytest.MonkeyPatch,
    where, patch_target, make_patch, final_state, expected_calls,
) -> None:
    world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    owner = actions if patch_target in ("perform", "observe") else executor
    real = getattr(owner, patch_target)
    with monkeypatch.context() as patched:
        patched.setattr(owner, patch_target, make_patch(real))
        with pytest.raises(Crash):
            world.approve(request.id)

    services = world.restart()
    recovery.recover(services)
    recovery.recover(services)  # a second restart changes nothing
    after = executor.requests_of(services).get(request.id)
    assert after.state is final_state, where
    assert world.calls("StopNotebookInstance") == expected_calls
    assert world.state(nb_key("nb-1")) == ("Stopped" if expected_calls else "InService")
    assert executor.requests_of(services).in_states(S.APPROVED, S.EXECUTING) == []


def test_a_crash_inside_a_vote_rolls_the_vote_back(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    from bot.actions import approvals

    with monkeypatch.context() as patched:
        patched.setattr(approvals, "transition", crash)
        with pytest.raises(Crash):
            world.approve(request.id)
    services = world.restart()
    recovery.recover(services)
    assert executor.requests_of(services).get(request.id).state is S.REQUESTED
    assert executor.requests_of(services).votes(request.id) == []
    vote, outcome = world.approve(request.id)
    assert vote.decided_now and outcome.state is S.SUCCEEDED
    assert world.calls("StopNotebookInstance") == 1


def test_an_idle_studio_app_is_deleted_with_the_parameters_its_finding_carries(tmp_path: Path) -> None:
    """moto has no Studio apps: the real API shapes through botocore's Stubber."""
    import boto3
    from botocore.stub import Stubber

    from bot.models import Finding, FindingKind, ResourceType
    from bot.services import build_services
    from bot.storage.store import Store

    client = boto3.client("sagemaker", region_name=REGION)
    stub = Stubber(client)

    class StubbedFactory:
        def client(self, service: str, region: str, target: object = None) -> object:
            assert (service, region, target) == ("sagemaker", REGION, None)
            return client

    app = {"DomainId": "d-abc", "SpaceName": "team-space", "AppType": "JupyterLab", "AppName": "default"}
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:app/d-abc/team-space/jupyterlab/default"
    described = {"AppArn": arn, "Status": "InService", **app,
                 "LastUserActivityTimestamp": datetime(2026, 3, 1, tzinfo=UTC)}
    for _ in range(2):  # at request time, then the re-read before acting
        stub.add_response("describe_app", described, app)
        stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": arn})
    stub.add_response("delete_app", {"ResponseMetadata": {"RequestId": "del-1"}}, app)

    finding = Finding(
        kind=FindingKind.IDLE_STUDIO_APP, resource_type=ResourceType.STUDIO_APP,
        name="d-abc/team-space/JupyterLab/default", arn=arn, account_id=ACCOUNT, region=REGION,
        reason="idle", detected_at=datetime(2026, 3, 2, tzinfo=UTC),
        evidence={"domain_id": "d-abc", "app_type": "JupyterLab", "space": "team-space",
                  "user_profile": None},
    )
    settings = action_settings(tmp_path / "bot.db")
    services = build_services(settings, clients=StubbedFactory(), store=Store(settings.db_path))
    with stub:
        opened = executor.request_action(
            services, ActionKind.DELETE_STUDIO_APP, finding.key, REQUESTER,
            params=request_params.params_for(finding),
        )
        _, outcome = executor.vote_and_run(
            services, opened.request.id, APPROVERS[0], Vote.APPROVE, APPROVERS
        )
    stub.assert_no_pending_responses()
    assert (outcome.code, outcome.state, outcome.aws_request_id) == (OutcomeCode.DONE, S.SUCCEEDED, "del-1")


def test_an_inference_component_endpoint_whose_component_served_since_the_request_is_not_deleted(
    world: World,
) -> None:
    """The re-check reads the components' Invocations (InferenceComponentName), as the scan does;
    moto has no inference components, so SageMaker answers through Stubber while CloudWatch is moto."""
    from botocore.stub import Stubber

    world.fleet.endpoint("ep-ic")
    request = world.open(ActionKind.DELETE_ENDPOINT, ep_key("ep-ic"))
    world.clock.advance(minutes=10)
    world.fleet.clients("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[{
            "MetricName": "Invocations",
            "Dimensions": [{"Name": "InferenceComponentName", "Value": "llama"}],
            "Timestamp": world.clock.now - timedelta(minutes=5), "Value": 3.0, "Unit": "None",
        }],
    )
    sm = world.services.clients.client("sagemaker", REGION)
    keep = ("EndpointName", "EndpointArn", "EndpointConfigName", "ProductionVariants", "EndpointStatus",
            "CreationTime", "LastModifiedTime")
    described = {k: v for k, v in sm.describe_endpoint(EndpointName="ep-ic").items() if k in keep}
    created = described["CreationTime"]
    config = {
        "EndpointConfigName": "ep-ic-config",
        "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/ep-ic-config",
        "ProductionVariants": [{"VariantName": "AllTraffic", "InstanceType": "ml.m5.xlarge"}],
        "CreationTime": created,
    }
    component = {
        "InferenceComponentName": "llama",
        "InferenceComponentArn": "arn:aws:sagemaker:us-east-1:123456789012:inference-component/llama",
        "EndpointName": "ep-ic", "EndpointArn": described["EndpointArn"], "VariantName": "AllTraffic",
        "CreationTime": created, "LastModifiedTime": created,
    }
    with Stubber(sm) as stub:
        stub.add_response("describe_endpoint", described)
        stub.add_response("list_tags", {"Tags": []})
        stub.add_response("describe_endpoint", described)
        stub.add_response("describe_endpoint_config", config)
        stub.add_response("list_inference_components", {"InferenceComponents": [component]})
        _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.ACTIVE, S.FAILED)
    assert "served 3 invocations" in outcome.message
    assert world.calls("DeleteEndpoint") == 0


def test_an_endpoint_whose_config_was_deleted_is_deleted_with_nothing_saved_to_restore(world: World) -> None:
    world.fleet.endpoint("ep-orphan")
    world.fleet.clients("sagemaker").delete_endpoint_config(EndpointConfigName="ep-orphan-config")
    request = world.open(ActionKind.DELETE_ENDPOINT, ep_key("ep-orphan"))
    _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.DONE, S.SUCCEEDED)
    assert world.state(ep_key("ep-orphan")) == actions.ABSENT
    assert executor.requests_of(world.services).deleted_endpoint(request.id) is None


def test_a_notebook_whose_jupyter_log_moved_since_the_request_is_not_stopped(world: World) -> None:
    """Opening Jupyter moves no field of DescribeNotebookInstance: the guard re-reads the log."""
    world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    world.fleet.jupyter_log("nb-1", world.clock.now + timedelta(minutes=2))
    world.clock.advance(minutes=10)
    _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.ACTIVE, S.FAILED)
    assert "Jupyter log at" in outcome.message
    assert world.state(nb_key("nb-1")) == "InService"


def test_a_jupyter_log_older_than_the_request_does_not_block_the_stop(world: World) -> None:
    world.fleet.notebook("nb-1")
    world.fleet.jupyter_log("nb-1", world.clock.now - timedelta(hours=5))
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    world.clock.advance(minutes=10)
    _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.DONE, S.SUCCEEDED)


def test_a_notebook_opened_through_a_presigned_url_since_the_request_is_not_stopped(world: World) -> None:
    """CloudTrail's CreatePresignedNotebookInstanceUrl (moto lacks LookupEvents: Stubber)."""
    from botocore.stub import Stubber

    world.fleet.notebook("nb-1")
    request = world.open(ActionKind.STOP_NOTEBOOK, nb_key("nb-1"))
    world.clock.advance(minutes=30)
    cloudtrail = world.services.clients.client("cloudtrail", REGION)
    event = {
        "EventId": "0d1e2f", "EventName": "CreatePresignedNotebookInstanceUrl",
        "EventTime": world.clock.now - timedelta(minutes=10),
        "Resources": [{"ResourceType": "AWS::SageMaker::NotebookInstance", "ResourceName": "nb-1"}],
        "CloudTrailEvent": '{"requestParameters": {"notebookInstanceName": "nb-1"}}',
    }
    with Stubber(cloudtrail) as stub:
        stub.add_response("lookup_events", {"Events": [event]})
        _, outcome = world.approve(request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.ACTIVE, S.FAILED)
    assert "presigned URL at" in outcome.message
