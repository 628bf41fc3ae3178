"""Enable autoscaling and Resize on an endpoint, each with its Undo, through the approval flow.

Application Auto Scaling and CloudWatch are moto over HTTP; SageMaker's UpdateEndpoint is not in
moto, so the resize tests answer SageMaker with a botocore Stubber (API-shaped answers, the
parameters checked against the service model) while the rest still goes to moto.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bot.actions import executor, recovery, request_params
from bot.actions.models import ActionKind, OutcomeCode, RequestState, Vote
from bot.aws import hosting_actions
from bot.aws.session import ClientFactory, RegionClients
from bot.demo.moto_fleet import MotoFleet
from bot.models import FindingKind
from bot.services import Services, build_services
from bot.storage.store import Store
from tests.bot.actions.test_executor import Crash
from tests.fakes.action_world import (
    APPROVERS,
    REQUESTER,
    ManualClock,
    action_settings,
    undo_and_approve,
)
from tests.fakes.autoscaling import autoscaled_by_someone
from tests.fakes.findings import finding

S = RequestState
ACCOUNT, REGION = "123456789012", "us-east-1"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # an hour after the finding (DETECTED_AT)
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/ep"
CONFIG_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint-config/ep-config"
RESOURCE = hosting_actions.resource_id("ep", "AllTraffic")


def key(name: str = "ep") -> str:
    return f"{ACCOUNT}:{REGION}:endpoint:{name}"


def hosting_finding(kind: FindingKind, count: int = 3, **evidence: Any):
    return finding(
        "ep", kind, instance_type="ml.m5.xlarge", instance_count=count,
        evidence={
            "variant": "AllTraffic", "endpoint_config": "ep-config", "instance_count": count,
            "target_utilisation": 0.6, "busiest_hour_invocations": 900.0, "autoscaling": None,
            **evidence,
        },
    )


def services_on(tmp_path: Path, clients: Any, **settings: Any) -> Services:
    config = action_settings(tmp_path / "bot.db", **settings)
    return build_services(config, clients=clients, store=Store(config.db_path), clock=ManualClock(NOW))


def ask(services: Services, action: ActionKind, params: dict[str, Any], **kw: Any):
    opened = executor.request_action(services, action, key(), REQUESTER, params=params, **kw)
    assert opened.request is not None, opened.refusal
    return opened.request


def approve(services: Services, request_id: int, approver: str = APPROVERS[0]):
    return executor.vote_and_run(services, request_id, approver, Vote.APPROVE, APPROVERS)[1]


def undo(services: Services, request_id: int):
    done = executor.requests_of(services).get(request_id)
    return undo_and_approve(services, done)[1]


# --- Enable autoscaling: moto over HTTP end to end ----------------------------------------------


@pytest.fixture
def moto_world(moto_server: str, tmp_path: Path) -> tuple[Services, RegionClients, MotoFleet]:
    clients = RegionClients(ClientFactory(), REGION)
    fleet = MotoFleet(clients=clients)
    fleet.endpoint("ep", instance_count=3)
    return services_on(tmp_path, ClientFactory()), clients, fleet


def scaling(clients: RegionClients) -> tuple[list[dict], list[dict]]:
    aas = clients("application-autoscaling")
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[RESOURCE])
    policies = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=RESOURCE)
    return targets["ScalableTargets"], policies["ScalingPolicies"]


def autoscale_params() -> dict[str, Any]:
    return request_params.params_for(hosting_finding(FindingKind.ENDPOINT_WITHOUT_AUTOSCALING))


def test_enable_autoscaling_registers_one_to_current_count_with_a_target_from_the_busiest_hour(moto_world):
    services, clients, _ = moto_world
    outcome = approve(services, ask(services, ActionKind.ENABLE_AUTOSCALING, autoscale_params()).id)
    assert (outcome.code, outcome.state) == (OutcomeCode.DONE, S.SUCCEEDED)
    [target], [policy] = scaling(clients)
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 3)
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == 3.0  # 900 an hour / 3 instances / 60 min × t 0.6
    assert tracking["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
    }


def test_undo_removes_the_policy_and_the_scalable_target(moto_world):
    services, clients, _ = moto_world
    done = approve(services, ask(services, ActionKind.ENABLE_AUTOSCALING, autoscale_params()).id)
    undone = undo(services, done.request_id)
    assert (undone.code, undone.state) == (OutcomeCode.DONE, S.SUCCEEDED)
    assert scaling(clients) == ([], [])


def test_a_variant_that_already_autoscales_is_refused_when_asked(moto_world):
    services, clients, _ = moto_world
    autoscaled_by_someone(clients, "ep", 3)
    opened = executor.request_action(
        services, ActionKind.ENABLE_AUTOSCALING, key(), REQUESTER, params=autoscale_params()
    )
    assert opened.request is None and "already autoscales AllTraffic" in opened.refusal


def test_autoscaling_registered_by_someone_between_request_and_approval_is_reported_already(moto_world):
    services, clients, _ = moto_world
    request = ask(services, ActionKind.ENABLE_AUTOSCALING, autoscale_params())
    autoscaled_by_someone(clients, "ep", 5)
    outcome = approve(services, request.id)
    assert (outcome.code, outcome.state) == (OutcomeCode.ALREADY, S.FAILED)
    [target], [policy] = scaling(clients)
    assert (target["MaxCapacity"], policy["PolicyName"]) == (5, "team-policy")


def test_a_bare_scalable_target_left_by_a_crash_gets_its_policy(moto_world):
    services, clients, fleet = moto_world
    fleet.register_autoscaling("ep", 3)  # the first of the two calls, and nothing after
    outcome = approve(services, ask(services, ActionKind.ENABLE_AUTOSCALING, autoscale_params()).id)
    assert (outcome.code, outcome.state) == (OutcomeCode.DONE, S.SUCCEEDED)
    [_], [policy] = scaling(clients)
    assert policy["PolicyName"] == hosting_actions.POLICY_NAME


def test_a_protected_endpoint_gets_no_autoscaling(moto_server, tmp_path):
    clients = RegionClients(ClientFactory(), REGION)
    MotoFleet(clients=clients).endpoint("ep", instance_count=3, tags={"sm-cost-bot:protect": "yes"})
    services = services_on(tmp_path, ClientFactory())
    opened = executor.request_action(
        services, ActionKind.ENABLE_AUTOSCALING, key(), REQUESTER, params=autoscale_params()
    )
    assert opened.request is None and "protected" in opened.refusal
    assert scaling(clients) == ([], [])


def test_dry_run_approves_and_audits_but_registers_nothing(moto_server, tmp_path):
    clients = RegionClients(ClientFactory(), REGION)
    MotoFleet(clients=clients).endpoint("ep", instance_count=3)
    services = services_on(tmp_path, ClientFactory(), dry_run=True)
    outcome = approve(services, ask(services, ActionKind.ENABLE_AUTOSCALING, autoscale_params()).id)
    assert (outcome.state, outcome.dry_run) == (S.SUCCEEDED, True)
    assert outcome.message.startswith("DRY RUN: would enable autoscaling on endpoint ep")
    assert scaling(clients) == ([], [])
    events = [e.event for e in executor.requests_of(services).audit_for(outcome.request_id)]
    assert "aws-call-skipped" in events


def test_a_second_approval_does_not_register_twice(moto_world):
    services, _, _ = moto_world
    request = ask(services, ActionKind.ENABLE_AUTOSCALING, autoscale_params())
    first = approve(services, request.id)
    second = approve(services, request.id, APPROVERS[1])
    assert first.code is OutcomeCode.DONE
    assert second is None or second.code is OutcomeCode.NOT_CLAIMED


# --- Resize: SageMaker through a Stubber (no UpdateEndpoint in moto), the rest through moto ------


class StubbedSageMakerOnMoto:
    """A ClientFactory whose sagemaker client is stubbed and whose other clients reach moto."""

    def __init__(self) -> None:
        self.sm = boto3.client("sagemaker", region_name=REGION)
        self.stub = Stubber(self.sm)
        self.moto = ClientFactory()

    def client(self, service: str, region: str, target: object = None) -> Any:
        return self.sm if service == "sagemaker" else self.moto.client(service, region, target)

    def endpoint(self, config: str = "ep-config", count: int = 4, status: str = "InService") -> None:
        """What `observe` reads: DescribeEndpoint (API shape), then the endpoint's tags."""
        when = datetime(2026, 11, 1, tzinfo=UTC)
        self.stub.add_response("describe_endpoint", {
            "EndpointName": "ep", "EndpointArn": ARN, "EndpointConfigName": config,
            "ProductionVariants": [{
                "VariantName": "AllTraffic", "CurrentWeight": 1.0, "DesiredWeight": 1.0,
                "CurrentInstanceCount": count, "DesiredInstanceCount": count,
                "DeployedImages": [{"SpecifiedImage": "123.dkr.ecr.us-east-1.amazonaws.com/x:1"}],
            }],
            "EndpointStatus": status, "CreationTime": when, "LastModifiedTime": when,
        }, {"EndpointName": "ep"})
        self.stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": ARN})


ORIGINAL_CONFIG = {
    "EndpointConfigName": "ep-config", "EndpointConfigArn": CONFIG_ARN,
    "ProductionVariants": [{
        "VariantName": "AllTraffic", "ModelName": "ep-model", "InitialInstanceCount": 4,
        "InstanceType": "ml.m5.4xlarge", "InitialVariantWeight": 1.0,
    }],
    "DataCaptureConfig": {
        "EnableCapture": True, "InitialSamplingPercentage": 20,
        "DestinationS3Uri": "s3://bucket/capture", "CaptureOptions": [{"CaptureMode": "Input"}],
    },
    "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": "s3://bucket/async/"}},
    "CreationTime": datetime(2026, 10, 1, tzinfo=UTC),
}


def resize_params() -> dict[str, Any]:
    return request_params.params_for(hosting_finding(
        FindingKind.OVERPROVISIONED_ENDPOINT, count=4, advised_type="ml.m5.xlarge", advised_count=4,
    ))


@pytest.fixture
def stubbed(moto_server: str, tmp_path: Path) -> tuple[Services, StubbedSageMakerOnMoto]:
    aws = StubbedSageMakerOnMoto()
    return services_on(tmp_path, aws), aws


def test_resize_clones_every_field_and_tag_of_the_config_then_updates_the_endpoint(stubbed):
    services, aws = stubbed
    params = resize_params()
    new = params["to_config"]
    aws.endpoint()  # at request time
    aws.endpoint()  # the re-read before acting
    aws.stub.add_client_error(
        "describe_endpoint_config", "ValidationException", "Could not find endpoint configuration",
        expected_params={"EndpointConfigName": new},
    )
    aws.stub.add_response("describe_endpoint_config", ORIGINAL_CONFIG, {"EndpointConfigName": "ep-config"})
    aws.stub.add_response("list_tags", {"Tags": [{"Key": "team", "Value": "ml"}]}, {"ResourceArn": CONFIG_ARN})
    variant = {**ORIGINAL_CONFIG["ProductionVariants"][0], "InstanceType": "ml.m5.xlarge"}
    aws.stub.add_response("create_endpoint_config", {"EndpointConfigArn": CONFIG_ARN + "-rs"}, {
        "EndpointConfigName": new, "ProductionVariants": [variant],
        "DataCaptureConfig": ORIGINAL_CONFIG["DataCaptureConfig"], "KmsKeyId": ORIGINAL_CONFIG["KmsKeyId"],
        "AsyncInferenceConfig": ORIGINAL_CONFIG["AsyncInferenceConfig"],
        "Tags": [{"Key": "team", "Value": "ml"}],
    })
    aws.stub.add_response(
        "update_endpoint", {"EndpointArn": ARN, "ResponseMetadata": {"RequestId": "upd-1"}},
        {"EndpointName": "ep", "EndpointConfigName": new},
    )
    with aws.stub:
        outcome = approve(services, ask(services, ActionKind.RESIZE_ENDPOINT, params).id)
    aws.stub.assert_no_pending_responses()
    assert (outcome.code, outcome.state, outcome.aws_request_id) == (OutcomeCode.DONE, S.SUCCEEDED, "upd-1")
    assert outcome.message == (
        f"endpoint ep is updating AllTraffic to 4 × ml.m5.xlarge (new config {new}; ep-config is"
        " kept for Undo)"
    )


def asked_and_clone_found(aws, new: str) -> None:
    """The endpoint read at request time and re-read before acting; the advised config already
    exists (the same advice names the same clone, so a retried request reuses it)."""
    aws.endpoint()
    aws.endpoint()
    aws.stub.add_response("describe_endpoint_config", {**ORIGINAL_CONFIG, "EndpointConfigName": new},
                          {"EndpointConfigName": new})


def test_undo_of_a_resize_switches_back_to_the_kept_config(stubbed):
    services, aws = stubbed
    params = resize_params()
    new = params["to_config"]
    asked_and_clone_found(aws, new)
    aws.stub.add_response("update_endpoint", {"EndpointArn": ARN}, {"EndpointName": "ep", "EndpointConfigName": new})
    aws.endpoint(config=new)  # the Undo request is asked ...
    aws.endpoint(config=new)  # ... and re-read before acting
    aws.stub.add_response(
        "update_endpoint", {"EndpointArn": ARN, "ResponseMetadata": {"RequestId": "back-1"}},
        {"EndpointName": "ep", "EndpointConfigName": "ep-config"},
    )
    with aws.stub:
        done = approve(services, ask(services, ActionKind.RESIZE_ENDPOINT, params).id)
        undone = undo(services, done.request_id)
    aws.stub.assert_no_pending_responses()
    assert (undone.code, undone.state, undone.aws_request_id) == (OutcomeCode.DONE, S.SUCCEEDED, "back-1")
    assert undone.message == "endpoint ep is switching back to config ep-config"


@pytest.mark.parametrize(
    "config, count, expected",
    [
        ("ep-config-v2", 4, "runs config ep-config-v2, not ep-config"),
        ("ep-config", 6, "runs 6 instance(s) of AllTraffic, not 4"),
    ],
)
def test_a_config_or_count_changed_since_the_request_stops_the_resize(stubbed, config, count, expected):
    services, aws = stubbed
    aws.endpoint()
    aws.endpoint(config=config, count=count)  # someone deployed or scaled since
    with aws.stub:
        outcome = approve(services, ask(services, ActionKind.RESIZE_ENDPOINT, resize_params()).id)
    aws.stub.assert_no_pending_responses()  # no CreateEndpointConfig, no UpdateEndpoint
    assert (outcome.code, outcome.state) == (OutcomeCode.WRONG_STATE, S.FAILED)
    assert expected in outcome.message


def test_traffic_more_than_a_fifth_above_the_advised_peak_stops_the_resize(stubbed):
    services, aws = stubbed
    MotoFleet(clients=RegionClients(ClientFactory(), REGION)).invocations(
        "ep", datetime(2026, 11, 26, 9, 30, tzinfo=UTC), 1100.0
    )
    aws.endpoint()
    aws.endpoint()
    with aws.stub:
        outcome = approve(services, ask(services, ActionKind.RESIZE_ENDPOINT, resize_params()).id)
    aws.stub.assert_no_pending_responses()
    assert (outcome.code, outcome.state) == (OutcomeCode.ACTIVE, S.FAILED)
    assert "served 1100 invocations in one hour since the advice" in outcome.message


def test_an_autoscaled_variant_is_not_resized(stubbed):
    services, aws = stubbed
    autoscaled_by_someone(RegionClients(ClientFactory(), REGION), "ep", 4)
    aws.endpoint()
    with aws.stub:
        opened = executor.request_action(
            services, ActionKind.RESIZE_ENDPOINT, key(), REQUESTER, params=resize_params()
        )
    assert opened.request is None and "remove its autoscaling first" in opened.refusal


def test_a_lost_update_reply_is_settled_by_the_pending_deployment_not_sent_again(stubbed):
    services, aws = stubbed
    params = resize_params()
    new = params["to_config"]
    asked_and_clone_found(aws, new)
    aws.stub.add_client_error("update_endpoint", "InternalFailure", "reply lost", 500,
                              expected_params={"EndpointName": "ep", "EndpointConfigName": new})
    when = datetime(2026, 11, 26, 10, tzinfo=UTC)
    aws.stub.add_response("describe_endpoint", {
        "EndpointName": "ep", "EndpointArn": ARN, "EndpointConfigName": "ep-config",
        "EndpointStatus": "Updating", "CreationTime": when, "LastModifiedTime": when,
        "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentInstanceCount": 4,
                                "DesiredInstanceCount": 4}],
        "PendingDeploymentSummary": {"EndpointConfigName": new, "StartTime": when},
    }, {"EndpointName": "ep"})
    aws.stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": ARN})
    with aws.stub:
        outcome = approve(services, ask(services, ActionKind.RESIZE_ENDPOINT, params).id)
    aws.stub.assert_no_pending_responses()
    assert (outcome.code, outcome.state) == (OutcomeCode.DONE, S.SUCCEEDED)
    assert "AWS's answer was lost" in outcome.message


def test_a_finding_without_the_advice_is_refused_with_a_reason(stubbed):
    services, aws = stubbed
    aws.endpoint()
    params = request_params.params_for(finding("ep", FindingKind.OVERPROVISIONED_ENDPOINT, evidence={}))
    with aws.stub:
        opened = executor.request_action(services, ActionKind.RESIZE_ENDPOINT, key(), REQUESTER, params=params)
    assert opened.request is None and "run a new scan" in opened.refusal


def test_the_resized_config_name_is_valid_and_stable_for_the_same_advice():
    name = hosting_actions.resized_config_name("x" * 63, "AllTraffic", "ml.m5.xlarge", 2)
    assert len(name) <= 63 and name == hosting_actions.resized_config_name("x" * 63, "AllTraffic", "ml.m5.xlarge", 2)
    assert name != hosting_actions.resized_config_name("x" * 63, "AllTraffic", "ml.m5.large", 2)


def test_a_crash_between_the_two_autoscaling_calls_is_finished_by_recovery(moto_world, monkeypatch):
    services, clients, _ = moto_world
    request = ask(services, ActionKind.ENABLE_AUTOSCALING, autoscale_params())

    def register_then_die(clients_of, endpoint, params):
        clients_of("application-autoscaling").register_scalable_target(
            ServiceNamespace="sagemaker", ResourceId=RESOURCE,
            ScalableDimension=hosting_actions.DIMENSION, MinCapacity=1, MaxCapacity=3,
        )
        raise Crash("the process died before PutScalingPolicy")

    with monkeypatch.context() as patched:
        patched.setitem(hosting_actions.PERFORM, ActionKind.ENABLE_AUTOSCALING, register_then_die)
        with pytest.raises(Crash):
            approve(services, request.id)
    assert executor.requests_of(services).get(request.id).state is S.EXECUTING

    [outcome] = recovery.recover(services)
    assert (outcome.code, outcome.state) == (OutcomeCode.DONE, S.SUCCEEDED)
    [_], [policy] = scaling(clients)
    assert policy["PolicyName"] == hosting_actions.POLICY_NAME
