"""The bundled table: every SageMaker region, internally consistent, the known wrong values fixed."""

import json
import re

import pytest

from bot.aws.regions import sagemaker_regions
from bot.scan.pricing import BUNDLED_PRICES, PriceTable, load_prices

TABLE = load_prices()
DATA = json.loads(BUNDLED_PRICES.read_text())
INSTANCE_COMPONENTS = ("hosting", "async-hosting", "notebook", "studio", "training", "processing", "batch-transform")
SIZE = re.compile(r"^ml\.(?P<family>[a-z0-9]+)\.(?P<n>\d*)(?P<size>medium|large|xlarge)$")
# GPU sizes with several accelerators cost more than a bigger single-GPU size: compare like with like.
MULTI_GPU = {"12xlarge", "24xlarge", "48xlarge"}


def _size_units(instance_type: str) -> float:
    m = SIZE.match(instance_type)
    base = {"medium": 0.25, "large": 0.5, "xlarge": 1.0}[m["size"]]
    return base * (int(m["n"]) if m["n"] else 1)


def test_every_region_where_sagemaker_is_offered_has_bundled_prices():
    assert set(sagemaker_regions()) <= set(TABLE.prices)


@pytest.mark.parametrize("component", [*INSTANCE_COMPONENTS, "serverless", "storage"])
def test_seoul_has_every_component(component):
    assert TABLE.prices["ap-northeast-2"][component]


def test_within_a_family_price_grows_with_size():
    for instance_type_a, usd_a in TABLE.prices["us-east-1"]["hosting"].items():
        for instance_type_b, usd_b in TABLE.prices["us-east-1"]["hosting"].items():
            a, b = SIZE.match(instance_type_a), SIZE.match(instance_type_b)
            same_kind = (f"{a['n']}{a['size']}" in MULTI_GPU) == (f"{b['n']}{b['size']}" in MULTI_GPU)
            if a["family"] == b["family"] and same_kind and _size_units(instance_type_a) < _size_units(instance_type_b):
                assert usd_a < usd_b, (instance_type_a, usd_a, instance_type_b, usd_b)


def test_instance_components_share_the_hosting_rate_in_a_region():
    for region, components in TABLE.prices.items():
        hosting = components["hosting"]
        for component in INSTANCE_COMPONENTS:
            for instance_type, usd in components[component].items():
                if instance_type in hosting:
                    assert usd == hosting[instance_type], (region, component, instance_type)


def test_every_region_is_one_regional_factor_times_us_east_1():
    base = TABLE.prices["us-east-1"]["hosting"]
    for region, factor in DATA["regional_factors"].items():
        for instance_type, usd in TABLE.prices[region]["hosting"].items():
            assert usd == pytest.approx(base[instance_type] * factor, rel=1e-4), (region, instance_type)


def test_g5_16xlarge_hosting_is_the_sagemaker_price_not_the_ec2_one():
    assert TABLE.hourly_usd("us-east-1", "hosting", "ml.g5.16xlarge") == 5.12


@pytest.mark.parametrize(
    "instance_type", ["ml.g6.xlarge", "ml.g6e.2xlarge", "ml.p5.48xlarge", "ml.p4de.24xlarge", "ml.trn1.32xlarge", "ml.inf2.xlarge"]
)
def test_the_types_with_the_largest_bills_are_priced_for_training(instance_type):
    assert TABLE.hourly_usd("us-east-1", "training", instance_type) is not None


def test_the_source_says_which_regions_are_estimates():
    assert "ESTIMATE" in TABLE.source and TABLE.generated_at


def test_a_customer_discount_applies_to_every_figure():
    table = load_prices(discount=0.12)
    assert table.hourly_usd("us-east-1", "hosting", "ml.m5.xlarge") == pytest.approx(0.23 * 0.88)
    assert table.monthly_usd("us-east-1", "notebook", "ml.t3.medium") == pytest.approx(0.05 * 0.88 * 730)


def test_a_studio_app_type_the_table_does_not_split_gets_the_studio_rate():
    table = PriceTable(prices={"us-east-1": {"studio": {"ml.m5.large": 0.115}}})
    assert table.hourly_usd("us-east-1", "studio:CodeEditor", "ml.m5.large") == 0.115


def test_each_price_names_its_source():
    assert TABLE.price("us-east-1", "hosting", "ml.m5.xlarge").source == f"bundled {TABLE.generated_at}"
