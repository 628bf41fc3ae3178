"""`prices refresh`: the re-read regions are laid over the table; nothing not re-read is lost."""

from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from bot.aws.price_list import pricing_client
from bot.aws.session import ClientFactory
from bot.scan.price_refresh import refresh_prices
from bot.scan.pricing import PriceTable, load_prices
from tests.fakes.pricing_responses import get_products_params, product_row, products_page

NOW = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture
def pricing(moto_server):
    return pricing_client(ClientFactory())


def refresh_one_page(pricing, current: PriceTable, region: str, usage_type: str, price: str) -> PriceTable:
    """A refresh of one region whose Price List answer is a single product."""
    with Stubber(pricing) as stub:
        stub.add_response(
            "get_products",
            products_page([product_row(region, usage_type, price)]),
            get_products_params(region),
        )
        table, _ = refresh_prices(pricing, current, [region], NOW)
        stub.assert_no_pending_responses()
    return table


def test_refresh_pages_through_the_price_list_api_and_keeps_other_regions(pricing):
    current = PriceTable(prices={"us-east-1": {"hosting": {"ml.m5.xlarge": 0.23}}})
    with Stubber(pricing) as stub:
        stub.add_response(
            "get_products",
            products_page([product_row("eu-west-1", "EU-Train:ml.p3.2xlarge", "4.2840000000")], "t1"),
            get_products_params("eu-west-1"),
        )
        stub.add_response(
            "get_products",
            products_page([product_row("eu-west-1", "EU-Host:ml.m5.xlarge", "0.2560000000")]),
            get_products_params("eu-west-1", "t1"),
        )
        table, _ = refresh_prices(pricing, current, ["eu-west-1"], NOW)
        stub.assert_no_pending_responses()
    assert table.hourly_usd("eu-west-1", "training", "ml.p3.2xlarge") == 4.284
    assert table.hourly_usd("eu-west-1", "hosting", "ml.m5.xlarge") == 0.256
    assert table.hourly_usd("us-east-1", "hosting", "ml.m5.xlarge") == 0.23
    assert table.generated_at == "2026-11-26"


def test_refresh_keeps_the_components_of_a_region_it_did_not_re_read(pricing):
    current = PriceTable(prices={"us-east-1": {"studio": {"ml.t3.medium": 0.05}, "hosting": {"ml.m5.xlarge": 0.2}}})
    table = refresh_one_page(pricing, current, "us-east-1", "USE1-Host:ml.m5.xlarge", "0.2300000000")
    assert table.hourly_usd("us-east-1", "hosting", "ml.m5.xlarge") == 0.23
    assert table.hourly_usd("us-east-1", "studio", "ml.t3.medium") == 0.05


def test_refresh_keeps_the_instance_types_a_component_did_not_re_list(pricing):
    current = PriceTable(prices={"us-east-1": {"hosting": {"ml.m5.xlarge": 0.2, "ml.p3.2xlarge": 3.825}}})
    table = refresh_one_page(pricing, current, "us-east-1", "USE1-Host:ml.m5.xlarge", "0.2300000000")
    assert table.hourly_usd("us-east-1", "hosting", "ml.p3.2xlarge") == 3.825


def test_studio_prices_survive_a_refresh(pricing):
    current = PriceTable(prices={})
    table = refresh_one_page(pricing, current, "us-east-1", "USE1-Studio:JupyterLab-ml.r6i.4xlarge", "1.0080000000")
    assert table.hourly_usd("us-east-1", "studio", "ml.r6i.4xlarge") == 1.008


def test_bundled_table_has_a_source_and_date_and_known_prices():
    table = load_prices()
    assert table.source and table.generated_at
    assert table.hourly_usd("us-east-1", "hosting", "ml.m5.xlarge") == 0.23
    assert table.monthly_usd("us-east-1", "notebook", "ml.t3.medium") == pytest.approx(36.5)


def test_an_unknown_instance_type_has_no_price_not_zero():
    table = load_prices()
    assert table.monthly_usd("us-east-1", "hosting", "ml.x99.mega") is None
    assert table.monthly_usd("mars-north-1", "hosting", "ml.m5.xlarge") is None


def test_refresh_says_which_regions_the_api_answered_for(pricing):
    current = PriceTable(prices={"us-east-1": {"hosting": {"ml.m5.xlarge": 0.23}}})
    with Stubber(pricing) as stub:
        stub.add_response("get_products", products_page([]), get_products_params("eu-south-2"))
        stub.add_response(
            "get_products",
            products_page([product_row("eu-west-1", "EU-Host:ml.m5.xlarge", "0.2560000000")]),
            get_products_params("eu-west-1"),
        )
        _, refreshed = refresh_prices(pricing, current, ["eu-south-2", "eu-west-1"], NOW)
    assert refreshed == ["eu-west-1"]


def test_an_unreachable_price_list_api_is_one_line_and_exit_2(monkeypatch, capsys, tmp_path):
    from bot.cli import main

    monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code = main(["prices", "refresh", "--region", "ap-northeast-2", "--output", str(tmp_path / "p.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("sm-cost-bot: could not read the Price List API:") and err.count("\n") == 1
