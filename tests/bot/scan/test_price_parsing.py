"""Price List rows → prices, one row shape per component (usage-type families as AWS bills them)."""

import pytest

from bot.scan.price_parsing import parse_price_list
from tests.fakes.pricing_responses import product_row

SEOUL = "ap-northeast-2"


@pytest.mark.parametrize(
    ("usage_type", "unit", "family", "component", "key", "usd"),
    [
        ("APN2-Notebk:ml.t3.medium", "Hrs", "ML Instance", "notebook", "ml.t3.medium", 0.0608),
        ("APN2-Host:ml.g5.12xlarge", "Hrs", "ML Instance", "hosting", "ml.g5.12xlarge", 8.714),
        ("APN2-AsyncInf:ml.m5.xlarge", "Hrs", "ML Instance", "async-hosting", "ml.m5.xlarge", 0.283),
        ("APN2-Train:ml.p4d.24xlarge", "Hrs", "ML Instance", "training", "ml.p4d.24xlarge", 46.32),
        ("APN2-Processing:ml.m5.large", "Hrs", "ML Instance", "processing", "ml.m5.large", 0.1415),
        ("APN2-Tsform:ml.c5.xlarge", "Hrs", "ML Instance", "batch-transform", "ml.c5.xlarge", 0.2508),
        ("APN2-Studio:JupyterLab-ml.r6i.4xlarge", "Hrs", "ML Instance", "studio:JupyterLab", "ml.r6i.4xlarge", 1.2412),
        ("APN2-Studio:CodeEditor-ml.m5.large", "Hrs", "ML Instance", "studio:CodeEditor", "ml.m5.large", 0.1415),
        ("APN2-Studio:KernelGateway-ml.g4dn.xlarge", "Hrs", "ML Instance", "studio:KernelGateway", "ml.g4dn.xlarge", 0.9046),
        ("APN2-Studio:JupyterServer-ml.t3.medium", "Hrs", "ML Instance", "studio:JupyterServer", "ml.t3.medium", 0.0608),
        ("APN2-Canvas:Session-Hrs", "Hrs", "ML Instance", "studio:Canvas", "session", 1.9),
        ("APN2-ServerlessInf:Mem-4GB", "Second", "Serverless", "serverless", "Mem-4GB", 0.0000984),
        ("APN2-Host:VolumeUsage.gp2", "GB-Mo", "ML Storage", "storage", "hosting", 0.1708),
        ("APN2-Notebk:VolumeUsage.gp2", "GB-Mo", "ML Storage", "storage", "notebook", 0.1708),
    ],
)
def test_each_component_is_read_from_its_usage_type_family(usage_type, unit, family, component, key, usd):
    prices = parse_price_list([product_row(SEOUL, usage_type, f"{usd:.10f}", unit=unit, family=family)])
    assert prices[SEOUL][component] == {key: usd}


def test_a_studio_row_also_prices_studio_apps_whose_type_the_table_does_not_split():
    prices = parse_price_list([product_row(SEOUL, "APN2-Studio:JupyterLab-ml.r6i.4xlarge", "1.2412000000")])
    assert prices[SEOUL]["studio"] == {"ml.r6i.4xlarge": 1.2412}


def test_jupyterlab_rate_is_the_studio_default_whatever_the_row_order():
    rows = [
        product_row(SEOUL, "APN2-Studio:JupyterLab-ml.m5.large", "0.1415000000"),
        product_row(SEOUL, "APN2-Studio:CodeEditor-ml.m5.large", "0.1500000000"),
    ]
    assert parse_price_list(rows)[SEOUL]["studio"]["ml.m5.large"] == 0.1415
    assert parse_price_list(rows[::-1])[SEOUL]["studio"]["ml.m5.large"] == 0.1415


def test_older_studio_usage_types_with_the_app_in_the_family_still_parse():
    prices = parse_price_list([product_row("eu-west-1", "EU-Studio-JupyterLab:ml.t3.medium", "0.0550000000")])
    assert prices["eu-west-1"]["studio:JupyterLab"] == {"ml.t3.medium": 0.055}


def test_free_tier_rows_never_hide_the_price():
    rows = [
        product_row("us-east-1", "USE1-Notebk:ml.t3.medium", "0.0000000000"),
        product_row("us-east-1", "USE1-Notebk:ml.t3.medium", "0.0500000000"),
    ]
    assert parse_price_list(rows)["us-east-1"]["notebook"]["ml.t3.medium"] == 0.05


@pytest.mark.parametrize(
    "usage_type",
    ["APN2-Host:DataTransfer-In-Bytes", "APN2-FeatureStore:ReadRequestUnits", "APN2-Unknown:ml.m5.large", "no-colon"],
)
def test_rows_the_bot_does_not_use_are_left_out(usage_type):
    assert parse_price_list([product_row(SEOUL, usage_type, "0.0160000000", unit="GB")]) == {}


def test_an_instance_row_priced_per_something_else_than_hours_is_left_out():
    assert parse_price_list([product_row(SEOUL, "APN2-Host:ml.m5.xlarge", "0.0100000000", unit="Requests")]) == {}
