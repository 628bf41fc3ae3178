"""The hosting actions' AWS side: the calls against moto in-process, and the guards as a table
over DescribeEndpoint-shaped details (including an update in progress, which moto never shows)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from bot.actions.models import ActionKind, OutcomeCode, ResourceKey
from bot.aws import hosting_actions as ha
from bot.models import ResourceType

K = ActionKind
KEY = ResourceKey(account_id="123456789012", region="us-east-1", resource_type=ResourceType.ENDPOINT, name="ep")
SCALING = {"variant": "AllTraffic", "from_config": "ep-config", "instance_count": 3,
           "min_capacity": 1, "max_capacity": 3, "target_invocations_per_instance": 4.5}
RESIZE = {"variant": "AllTraffic", "from_config": "ep-config", "instance_count": 3,
          "to_config": "ep-config-rs-1", "advised_type": "ml.m5.large", "advised_count": 2}


def details(config="ep-config", count=3, autoscaled=False, pending=None, variants=("AllTraffic",),
            policies=()):
    return {"config": config, "pending_config": pending, "variants": sorted(variants),
            "has_variant": "AllTraffic" in variants, "instance_count": count, "autoscaled": autoscaled,
            "policies": list(policies)}


@pytest.fixture
def aas():
    with mock_aws():
        yield boto3.client("application-autoscaling", region_name="us-east-1")


def test_enable_then_remove_leaves_no_target_and_no_policy(aas):
    clients = lambda _: aas  # noqa: E731 - one client stands for the factory
    ha.enable_autoscaling(clients, "ep", SCALING)
    [policy] = aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert (policy["PolicyName"], policy["ResourceId"]) == (ha.POLICY_NAME, "endpoint/ep/variant/AllTraffic")
    ha.remove_autoscaling(clients, "ep", SCALING)
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []


def test_removing_a_target_someone_registered_without_the_bots_policy_still_deregisters_it(aas):
    aas.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId="endpoint/ep/variant/AllTraffic",
        ScalableDimension=ha.DIMENSION, MinCapacity=1, MaxCapacity=4,
    )
    ha.remove_autoscaling(lambda _: aas, "ep", SCALING)
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []


@pytest.mark.parametrize(
    "action, seen, params, expected",
    [
        (K.ENABLE_AUTOSCALING, details(), SCALING, None),
        (K.ENABLE_AUTOSCALING, details(autoscaled=True, policies=["theirs"]), SCALING, OutcomeCode.ALREADY),
        (K.ENABLE_AUTOSCALING, details(autoscaled=True), SCALING, None),  # a bare target scales nothing
        (K.ENABLE_AUTOSCALING, details(count=5), SCALING, OutcomeCode.WRONG_STATE),
        (K.ENABLE_AUTOSCALING, details(variants=("Blue",)), SCALING, OutcomeCode.GONE),
        (K.REMOVE_AUTOSCALING, details(autoscaled=True), {"variant": "AllTraffic"}, None),
        (K.REMOVE_AUTOSCALING, details(), {"variant": "AllTraffic"}, OutcomeCode.ALREADY),
        (K.RESIZE_ENDPOINT, details(), RESIZE, None),
        (K.RESIZE_ENDPOINT, details(autoscaled=True), RESIZE, OutcomeCode.WRONG_STATE),
        (K.RESIZE_ENDPOINT, details(config="other"), RESIZE, OutcomeCode.WRONG_STATE),
        (K.RESIZE_ENDPOINT, details(pending="ep-config-rs-1"), RESIZE, OutcomeCode.ALREADY),
        (K.RESIZE_ENDPOINT, details(), {"variant": "AllTraffic"}, OutcomeCode.WRONG_STATE),
        (K.UNDO_RESIZE_ENDPOINT, details(config="ep-config-rs-1"),
         {"variant": "AllTraffic", "from_config": "ep-config-rs-1", "to_config": "ep-config"}, None),
        (K.UNDO_RESIZE_ENDPOINT, details(config="ep-config"),
         {"variant": "AllTraffic", "from_config": "ep-config-rs-1", "to_config": "ep-config"},
         OutcomeCode.ALREADY),
    ],
)
def test_preflight(action, seen, params, expected):
    verdict = ha.preflight(action, KEY, seen, params, {})
    assert (verdict[0] if verdict else None) == expected
    if verdict:
        assert verdict[1].endswith("nothing changed")


def test_variants_added_since_the_request_stop_it():
    before = ha.marker(details())
    verdict = ha.preflight(K.ENABLE_AUTOSCALING, KEY, details(variants=("AllTraffic", "Canary")),
                           SCALING, {"activity": before})
    assert verdict is not None and "changed since the request" in verdict[1]


def test_enabling_is_done_only_once_the_policy_exists():
    assert ha.is_done(K.ENABLE_AUTOSCALING, details(autoscaled=True, policies=[ha.POLICY_NAME]), SCALING)
    assert not ha.is_done(K.ENABLE_AUTOSCALING, details(autoscaled=True), SCALING)


def test_a_resize_in_progress_counts_as_done_after_a_lost_reply():
    assert ha.is_done(K.RESIZE_ENDPOINT, details(pending="ep-config-rs-1"), RESIZE)
    assert not ha.is_done(K.RESIZE_ENDPOINT, details(), RESIZE)


def test_details_read_the_pending_deployment_of_a_real_describe_endpoint_answer(aas):
    answer = {
        "EndpointName": "ep", "EndpointConfigName": "ep-config", "EndpointStatus": "Updating",
        "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentInstanceCount": 3,
                                "DesiredInstanceCount": 3}],
        "PendingDeploymentSummary": {"EndpointConfigName": "ep-config-rs-1"},
    }
    seen = ha.details_of(lambda _: aas, answer, {"variant": "AllTraffic"})
    assert seen == details(pending="ep-config-rs-1")
