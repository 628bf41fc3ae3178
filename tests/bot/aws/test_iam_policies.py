"""The shipped IAM policies against what the code calls: every permission tied to a call.

The actions and the lookups before them are run against moto (Studio apps through a Stubber,
which moto lacks) with a botocore hook recording each operation as it leaves the client; the
recorded operations must be exactly what the policy grants (plus what AWS checks implicitly).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from bot.actions.models import ActionKind, ResourceKey
from bot.actions.notebook_guard import used_since
from bot.aws import actions, hosting_actions, notebook_fixes, studio_idle_settings
from bot.aws.inference_components import list_components
from bot.aws.session import ClientFactory, RegionClients
from bot.demo.moto_fleet import MotoFleet
from bot.models import ResourceType
from bot.schedules.requests import LOOKUP_PERMISSIONS, check_resource, find_resource
from bot.services import build_services

IAM = Path(__file__).parents[3] / "iam"
ACCOUNT, REGION = "123456789012", "us-east-1"
# Checked by AWS on the side of a call the bot makes, never a call of its own: PassRole when a
# restored endpoint config carries an execution role; AddTags when CreateEndpoint carries the
# deleted endpoint's tags (SageMaker authorises tag-on-create with sagemaker:AddTags).
IMPLICIT = {"iam:PassRole", "sagemaker:AddTags", *hosting_actions.IMPLIED_PERMISSIONS}
IAM_PREFIXES = {"monitoring": "cloudwatch"}


def statements(name: str, effect: str = "Allow") -> list[dict]:
    policy = json.loads((IAM / name).read_text())
    return [s for s in policy["Statement"] if s["Effect"] == effect]


def granted(name: str, effect: str = "Allow") -> set[str]:
    found: set[str] = set()
    for statement in statements(name, effect):
        value = statement["Action"]
        found.update([value] if isinstance(value, str) else value)
    return found


class Recorder:
    """`service:Operation` of every call, as IAM names it: the service's signing name is its IAM
    prefix for every service used here but CloudWatch (signs as `monitoring`)."""

    def __init__(self) -> None:
        self.permissions: set[str] = set()

    def __call__(self, model, **_: object) -> None:
        prefix = IAM_PREFIXES.get(model.service_model.signing_name, model.service_model.signing_name)
        self.permissions.add(f"{prefix}:{model.name}")

    def session(self) -> boto3.session.Session:
        session = boto3.session.Session()
        session.events.register("before-parameter-build", lambda model, **kw: self(model))
        return session


@pytest.fixture
def recorded(moto_server: str) -> Iterator[tuple[Recorder, RegionClients, MotoFleet]]:
    recorder = Recorder()
    clients = RegionClients(ClientFactory(base_session=recorder.session()), REGION)
    yield recorder, clients, MotoFleet(clients=RegionClients(ClientFactory(), REGION))


def _key(kind: ResourceType, name: str) -> ResourceKey:
    return ResourceKey(account_id=ACCOUNT, region=REGION, resource_type=kind, name=name)


def _exercise_actions(clients: RegionClients, fleet: MotoFleet) -> None:
    """Everything the executor does for each action: observe, re-check, snapshot, act."""
    from datetime import UTC, datetime, timedelta

    fleet.notebook("nb-1")
    fleet.endpoint("ep-1", tags={"team": "ml"})
    nb, ep = _key(ResourceType.NOTEBOOK_INSTANCE, "nb-1"), _key(ResourceType.ENDPOINT, "ep-1")
    actions.observe(clients, nb, {})
    now = datetime.now(UTC)
    used_since(clients, "nb-1", now - timedelta(hours=1), now)  # the Stop guard's re-read
    actions.perform(clients, ActionKind.STOP_NOTEBOOK, nb, {})
    actions.perform(clients, ActionKind.START_NOTEBOOK, nb, {})
    seen = actions.observe(clients, ep, {})
    actions.invocations_since(clients, "ep-1", seen.variants, now - timedelta(hours=1), now)
    saved = actions.snapshot_endpoint(clients, "ep-1")
    actions.perform(clients, ActionKind.DELETE_ENDPOINT, ep, {})
    clients("sagemaker").delete_endpoint_config(EndpointConfigName=saved["EndpointConfigName"])
    actions.perform(clients, ActionKind.RESTORE_ENDPOINT, ep, {}, saved)
    fleet.endpoint("ep-2", instance_count=2)
    ep2 = _key(ResourceType.ENDPOINT, "ep-2")
    scaling = {"variant": "AllTraffic", "min_capacity": 1, "max_capacity": 2,
               "target_invocations_per_instance": 5.0}
    actions.observe(clients, ep2, scaling)  # the hosting guards read the scalable target
    actions.perform(clients, ActionKind.ENABLE_AUTOSCALING, ep2, scaling)
    actions.observe(clients, ep2, scaling)  # ... and, once there is one, its policies
    actions.perform(clients, ActionKind.REMOVE_AUTOSCALING, ep2, scaling)


def _exercise_studio_app(recorder: Recorder) -> None:
    """moto has no Studio apps nor inference components: the same calls through a Stubber with
    real API shapes."""
    client = recorder.session().client("sagemaker", region_name=REGION)
    app = _key(ResourceType.STUDIO_APP, "d-1/alice/JupyterLab/default")
    params = actions.studio_app_params(app.name, {})
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:app/d-1/alice/jupyterlab/default"
    stub = Stubber(client)
    stub.add_response("describe_app", {"AppArn": arn, "Status": "InService", **params}, params)
    stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": arn})
    stub.add_response("delete_app", {}, params)
    # An endpoint hosting inference components (moto has none): the Delete guard lists them.
    stub.add_response("list_inference_components", {"InferenceComponents": []})
    # A resize's Undo switches the endpoint back to its kept config (moto has no UpdateEndpoint).
    switch = {"EndpointName": "ep-1", "EndpointConfigName": "ep-1-config"}
    stub.add_response("update_endpoint", {"EndpointArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/ep-1"}, switch)
    with stub:
        actions.observe(lambda _: client, app, {})
        actions.perform(lambda _: client, ActionKind.DELETE_STUDIO_APP, app, {})
        list_components(client, "ep-1")
        actions.perform(
            lambda _: client, ActionKind.UNDO_RESIZE_ENDPOINT, _key(ResourceType.ENDPOINT, "ep-1"),
            {"to_config": "ep-1-config"},
        )


def test_every_call_an_action_makes_is_granted_by_the_action_policy(recorded) -> None:
    recorder, clients, fleet = recorded
    _exercise_actions(clients, fleet)
    _exercise_studio_app(recorder)
    recorder.permissions.discard("sagemaker:DeleteEndpointConfig")  # the test's own setup call
    assert recorder.permissions <= granted("action-policy.json"), (
        recorder.permissions - granted("action-policy.json")
    )


def test_every_permission_of_the_action_policy_is_used_by_a_call(recorded) -> None:
    recorder, clients, fleet = recorded
    _exercise_actions(clients, fleet)
    _exercise_studio_app(recorder)
    # The notebook fixes and Studio idle-shutdown settings declare their own permissions next to
    # their calls (moto lacks UpdateNotebookInstance and the Studio updates); the rest is run here.
    declared_elsewhere = set(notebook_fixes.PERMISSIONS) | set(studio_idle_settings.PERMISSIONS)
    unused = granted("action-policy.json") - recorder.permissions - IMPLICIT - declared_elsewhere
    assert not unused, f"granted but never called: {unused}"


def test_the_action_policy_is_what_the_actions_declare() -> None:
    assert granted("action-policy.json") == set(actions.PERMISSIONS) | IMPLICIT


def test_mutations_are_scoped_to_sagemaker_arns_and_denied_on_protected_resources() -> None:
    # SageMaker's own mutations; Application Auto Scaling's act on scalable targets, which carry
    # no endpoint tags: the protected-tag check for those is the bot's re-read before acting.
    mutating = {
        p for p in actions.PERMISSIONS
        if p.startswith("sagemaker:") and p.split(":")[1].startswith(("Stop", "Start", "Delete", "Update"))
    }
    for statement in statements("action-policy.json"):
        actions_of = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if mutating & set(actions_of):
            assert all(r.startswith("arn:aws:sagemaker:") for r in statement["Resource"])
    [deny] = statements("action-policy.json", "Deny")
    assert set(deny["Action"]) == mutating
    assert deny["Condition"] == {"Null": {"aws:ResourceTag/sm-cost-bot:protect": "false"}}


def test_the_lookups_before_a_request_need_only_the_read_policy(recorded, tmp_path) -> None:
    """`schedule add nb-1` finds the notebook with the scan identity and the read policy."""
    from bot.config import Settings

    recorder, clients, fleet = recorded
    fleet.notebook("nb-1")
    services = build_services(Settings(db_path=tmp_path / "bot.db"), clients=clients.factory)
    key = find_resource(services, "nb-1", ResourceType.NOTEBOOK_INSTANCE)
    assert key is not None and check_resource(services, key) is None
    recorder.permissions.discard("sts:GetCallerIdentity")  # needs no permission on AWS
    assert recorder.permissions <= set(LOOKUP_PERMISSIONS) <= granted("read-policy.json")


def test_the_base_identity_may_only_assume_the_two_roles() -> None:
    [statement] = statements("base-policy.json")
    assert statement["Action"] == "sts:AssumeRole"
    assert all(r.startswith("arn:aws:iam::*:role/sm-cost-bot-") for r in statement["Resource"])
    assert len(statement["Resource"]) == 2
