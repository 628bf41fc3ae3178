"""Every shape an instance type takes is read and priced (inputs shaped like botocore's model)."""

import pytest

from bot.scan.instance_shapes import (
    Capacity,
    capacity_hourly_usd,
    studio_instance_type,
    training_capacity,
    variant_capacity,
)
from bot.scan.pricing import PriceTable

PRICES = PriceTable(prices={"us-east-1": {"hosting": {"ml.g5.xlarge": 1.408, "ml.g6.xlarge": 1.0064},
                                          "training": {"ml.p4d.24xlarge": 37.688, "ml.c5.xlarge": 0.204}}})


def test_a_variant_with_an_instance_type_runs_that_many_of_it():
    assert variant_capacity({"CurrentInstanceCount": 2}, {"InstanceType": "ml.g5.xlarge"}, 2) == [Capacity("ml.g5.xlarge", 2)]


def test_instance_pools_are_weighted_by_each_pools_running_count():
    summary = {"CurrentInstanceCount": 3, "InstancePools": [
        {"InstanceType": "ml.g5.xlarge", "CurrentInstanceCount": 1},
        {"InstanceType": "ml.g6.xlarge", "CurrentInstanceCount": 2},
        {"InstanceType": "ml.g5.2xlarge", "CurrentInstanceCount": 0},
    ]}
    capacities = variant_capacity(summary, {"InstancePools": [{"InstanceType": "ml.g5.xlarge", "Priority": 1}]}, 3)
    assert capacities == [Capacity("ml.g5.xlarge", 1), Capacity("ml.g6.xlarge", 2)]
    assert capacity_hourly_usd(PRICES, "us-east-1", "hosting", capacities) == pytest.approx(1.408 + 2 * 1.0064)


def test_pools_without_running_counts_are_priced_at_the_first_priority_pool():
    config = {"InstancePools": [{"InstanceType": "ml.g6.xlarge", "Priority": 2}, {"InstanceType": "ml.g5.xlarge", "Priority": 1}]}
    assert variant_capacity({"CurrentInstanceCount": 2}, config, 2) == [Capacity("ml.g5.xlarge", 2)]


def test_a_variant_scaled_to_zero_runs_nothing():
    assert variant_capacity({"CurrentInstanceCount": 0}, {"InstanceType": "ml.g5.xlarge"}, 0) == []


def test_a_selected_instance_wins_over_the_preferences():
    resources = {"InstancePreferences": [{"InstanceType": "ml.p5.48xlarge", "InstanceCount": 1}],
                 "SelectedInstanceType": "ml.p4d.24xlarge", "SelectedInstanceCount": 2}
    assert training_capacity(resources) == [Capacity("ml.p4d.24xlarge", 2)]


def test_with_only_preferences_the_most_preferred_is_used():
    resources = {"InstancePreferences": [{"InstanceType": "ml.p4d.24xlarge", "InstanceCount": 4},
                                         {"InstanceType": "ml.p5.48xlarge", "InstanceCount": 2}]}
    assert training_capacity(resources) == [Capacity("ml.p4d.24xlarge", 4)]


def test_a_heterogeneous_cluster_sums_its_instance_groups():
    resources = {"InstanceGroups": [
        {"InstanceType": "ml.p4d.24xlarge", "InstanceCount": 2, "InstanceGroupName": "gpu"},
        {"InstanceType": "ml.c5.xlarge", "InstanceCount": 4, "InstanceGroupName": "data"},
    ]}
    capacities = training_capacity(resources)
    assert capacity_hourly_usd(PRICES, "us-east-1", "training", capacities) == pytest.approx(2 * 37.688 + 4 * 0.204)


def test_one_unpriced_part_leaves_the_whole_unpriced_not_a_partial_sum():
    capacities = [Capacity("ml.p4d.24xlarge", 1), Capacity("ml.x99.mega", 1)]
    assert capacity_hourly_usd(PRICES, "us-east-1", "training", capacities) is None


@pytest.mark.parametrize(
    ("app_type", "spec", "expected"),
    [
        ("JupyterLab", {"InstanceType": "ml.g5.xlarge"}, "ml.g5.xlarge"),
        ("JupyterLab", {}, "ml.t3.medium"),
        ("CodeEditor", None, "ml.t3.medium"),
        ("KernelGateway", {"InstanceType": "system"}, "ml.t3.medium"),
        ("JupyterServer", {"InstanceType": "system"}, None),
    ],
)
def test_studio_apps_without_an_explicit_type_get_the_documented_default(app_type, spec, expected):
    assert studio_instance_type(app_type, spec) == expected
