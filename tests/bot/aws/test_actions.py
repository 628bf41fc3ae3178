"""Guarded SageMaker actions: the preflight table, reads and mutations against moto, and the
Studio app calls (which moto lacks) against botocore's Stubber."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from bot.actions.models import ActionKind, OutcomeCode, ResourceKey
from bot.aws import actions
from bot.aws.actions import ABSENT, Observation
from bot.demo.moto_fleet import MotoFleet

PROTECT = "sm-cost-bot:protect"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def key(resource_type: str, name: str) -> ResourceKey:
    return ResourceKey.parse(f"123456789012:us-east-1:{resource_type}:{name}")


NB = key("notebook-instance", "nb-1")
EP = key("endpoint", "ep-1")
APP = key("studio-app", "d-abc/alice/JupyterLab/default")


@pytest.mark.parametrize(
    "action, resource, observation, baseline, invocations, expected",
    [
        (ActionKind.STOP_NOTEBOOK, NB, Observation(ABSENT, {}), {}, 0, OutcomeCode.GONE),
        (ActionKind.STOP_NOTEBOOK, NB, Observation("Stopped", {}), {}, 0, OutcomeCode.ALREADY),
        (ActionKind.STOP_NOTEBOOK, NB, Observation("Pending", {}), {}, 0, OutcomeCode.WRONG_STATE),
        (ActionKind.STOP_NOTEBOOK, NB, Observation("InService", {PROTECT: ""}), {}, 0,
         OutcomeCode.PROTECTED),
        (ActionKind.STOP_NOTEBOOK, NB, Observation("InService", {}, "2026-03-02T08:00:00+00:00"),
         {"activity": "2026-03-01T08:00:00+00:00"}, 0, OutcomeCode.ACTIVE),
        (ActionKind.STOP_NOTEBOOK, NB, Observation("InService", {}, "2026-03-01T08:00:00+00:00"),
         {"activity": "2026-03-01T08:00:00+00:00"}, 0, None),
        (ActionKind.START_NOTEBOOK, NB, Observation("InService", {}), {}, 0, OutcomeCode.ALREADY),
        (ActionKind.START_NOTEBOOK, NB, Observation("Stopped", {}), {}, 0, None),
        (ActionKind.DELETE_ENDPOINT, EP, Observation(ABSENT, {}), {}, 0, OutcomeCode.GONE),
        (ActionKind.DELETE_ENDPOINT, EP, Observation("Deleting", {}), {}, 0, OutcomeCode.ALREADY),
        (ActionKind.DELETE_ENDPOINT, EP, Observation("Creating", {}), {}, 0,
         OutcomeCode.WRONG_STATE),
        (ActionKind.DELETE_ENDPOINT, EP, Observation("InService", {}), {}, 3, OutcomeCode.ACTIVE),
        (ActionKind.DELETE_ENDPOINT, EP, Observation("InService", {PROTECT: "yes"}), {}, 0,
         OutcomeCode.PROTECTED),
        (ActionKind.DELETE_ENDPOINT, EP, Observation("InService", {}), {}, 0, None),
        (ActionKind.RESTORE_ENDPOINT, EP, Observation("InService", {}), {}, 0, OutcomeCode.ALREADY),
        (ActionKind.RESTORE_ENDPOINT, EP, Observation(ABSENT, {}), {}, 0, None),
        (ActionKind.DELETE_STUDIO_APP, APP, Observation("Deleted", {}), {}, 0,
         OutcomeCode.ALREADY),
        (ActionKind.DELETE_STUDIO_APP, APP, Observation("InService", {}), {}, 0, None),
    ],
)
def test_preflight(action, resource, observation, baseline, invocations, expected) -> None:
    verdict = actions.preflight(action, resource, observation, baseline, PROTECT, invocations)
    assert (verdict[0] if verdict else None) == expected
    if verdict:
        assert "nothing changed" in verdict[1]


def test_every_mutating_operation_is_a_declared_permission() -> None:
    for guard in actions.GUARDS.values():
        assert f"{guard.service}:{guard.operation}" in actions.PERMISSIONS


def test_studio_app_names_split_into_api_parameters() -> None:
    assert actions.studio_app_params("d-abc/space:team/JupyterLab/default", {}) == {
        "DomainId": "d-abc", "SpaceName": "team", "AppType": "JupyterLab", "AppName": "default"
    }
    with pytest.raises(ValueError):
        actions.studio_app_params("no-slashes", {})


@pytest.fixture
def mocked_fleet():
    with mock_aws():
        yield MotoFleet(clients=lambda service: boto3.client(service, region_name="us-east-1"))


def test_stop_reaches_stopped_in_moto(mocked_fleet: MotoFleet) -> None:
    mocked_fleet.notebook("nb-1")
    clients = mocked_fleet.clients
    assert actions.observe(clients, NB, {}).state == "InService"
    request_id = actions.perform(clients, ActionKind.STOP_NOTEBOOK, NB, {})
    assert request_id
    assert actions.observe(clients, NB, {}).state == "Stopped"
    assert actions.is_done(ActionKind.STOP_NOTEBOOK, actions.observe(clients, NB, {}))


def test_observe_reads_tags_and_absence(mocked_fleet: MotoFleet) -> None:
    mocked_fleet.endpoint("ep-1", tags={PROTECT: "1"}, variants=["a", "b"])
    seen = actions.observe(mocked_fleet.clients, EP, {})
    assert (seen.state, seen.tags, seen.variants) == ("InService", {PROTECT: "1"}, ("a", "b"))
    assert actions.observe(mocked_fleet.clients, key("endpoint", "nope"), {}).state == ABSENT
    assert actions.observe(mocked_fleet.clients, key("notebook-instance", "nope"), {}).state == ABSENT


def test_restore_recreates_a_deleted_config_from_the_saved_copy(mocked_fleet: MotoFleet) -> None:
    mocked_fleet.endpoint("ep-1", tags={"team": "ml"})
    clients = mocked_fleet.clients
    saved = actions.snapshot_endpoint(clients, "ep-1")
    sm = clients("sagemaker")
    sm.delete_endpoint(EndpointName="ep-1")
    sm.delete_endpoint_config(EndpointConfigName=saved["EndpointConfigName"])
    assert actions.perform(clients, ActionKind.RESTORE_ENDPOINT, EP, {}, saved)
    endpoint = sm.describe_endpoint(EndpointName="ep-1")
    assert endpoint["EndpointConfigName"] == "ep-1-config"
    config = sm.describe_endpoint_config(EndpointConfigName="ep-1-config")
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.xlarge"
    assert actions.observe(clients, EP, {}).tags == {"team": "ml"}


def test_invocations_since_counts_only_after_the_request(mocked_fleet: MotoFleet) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    mocked_fleet.endpoint("ep-1")
    mocked_fleet.invocations("ep-1", now - timedelta(hours=5), count=7)
    since = now - timedelta(hours=1)
    assert actions.invocations_since(mocked_fleet.clients, "ep-1", ("AllTraffic",), since, now) == 0
    mocked_fleet.invocations("ep-1", now - timedelta(minutes=10), count=4)
    assert actions.invocations_since(mocked_fleet.clients, "ep-1", ("AllTraffic",), since, now) == 4


APP_PARAMS = {
    "DomainId": "d-abc", "UserProfileName": "alice", "AppType": "JupyterLab", "AppName": "default"
}
APP_ARN = "arn:aws:sagemaker:us-east-1:123456789012:app/d-abc/alice/jupyterlab/default"


def stubbed_sagemaker():
    client = boto3.client("sagemaker", region_name="us-east-1")
    return client, Stubber(client)


def test_studio_app_observe_and_delete_through_the_real_api_shapes() -> None:
    client, stub = stubbed_sagemaker()
    stub.add_response(
        "describe_app",
        {"AppArn": APP_ARN, "Status": "InService", **APP_PARAMS,
         "LastUserActivityTimestamp": NOW - timedelta(days=3)},
        APP_PARAMS,
    )
    stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": APP_ARN})
    stub.add_response(
        "delete_app", {"ResponseMetadata": {"RequestId": "req-123"}}, APP_PARAMS
    )
    with stub:
        seen = actions.observe(lambda _: client, APP, {})
        assert (seen.state, seen.activity) == ("InService", (NOW - timedelta(days=3)).isoformat())
        assert actions.perform(lambda _: client, ActionKind.DELETE_STUDIO_APP, APP, {}) == "req-123"
    stub.assert_no_pending_responses()


def test_a_studio_app_that_is_gone_reads_absent() -> None:
    client, stub = stubbed_sagemaker()
    stub.add_client_error("describe_app", "ResourceNotFound", "App does not exist", 400)
    with stub:
        assert actions.observe(lambda _: client, APP, {}).state == ABSENT


def test_the_action_policy_grants_every_declared_permission() -> None:
    import json
    from pathlib import Path

    policy = json.loads((Path(__file__).parents[3] / "iam" / "action-policy.json").read_text())
    granted: set[str] = set()
    for statement in policy["Statement"]:
        value = statement["Action"]
        granted.update([value] if isinstance(value, str) else value)
    assert set(actions.PERMISSIONS) <= granted, set(actions.PERMISSIONS) - granted
