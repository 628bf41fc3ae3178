import json
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY, Stubber

from bot.aws.session import ClientFactory
from bot.scan.price_refresh import parse_price_list, refresh_prices
from bot.scan.pricing import PriceTable, load_prices


def _row(region, usage_type, plato, usd, unit="Hrs"):
    return json.dumps(
        {
            "product": {
                "productFamily": "ML Instance",
                "attributes": {"regionCode": region, "usagetype": usage_type, "platoinstancetype": plato, "instanceType": "messy"},
            },
            "terms": {"OnDemand": {"SKU.TERM": {"priceDimensions": {"SKU.TERM.DIM": {"unit": unit, "pricePerUnit": {"USD": usd}}}}}},
        }
    )


def test_rows_are_keyed_on_the_usagetype_suffix_and_component():
    prices = parse_price_list(
        [
            _row("eu-west-1", "EU-Host:ml.m5.xlarge", "Hosting", "0.2560000000"),
            _row("eu-west-1", "EU-Notebk:ml.t3.medium", "Notebook", "0.0550000000"),
            _row("eu-west-1", "EU-Studio-JupyterLab:ml.t3.medium", "Studio-JupyterLab", "0.0550000000"),
        ]
    )
    assert prices == {
        "eu-west-1": {"hosting": {"ml.m5.xlarge": 0.256}, "notebook": {"ml.t3.medium": 0.055}, "studio": {"ml.t3.medium": 0.055}}
    }


def test_free_tier_rows_never_hide_the_price():
    prices = parse_price_list(
        [_row("us-east-1", "USE1-Notebk:ml.t3.medium", "Notebook", "0.0000000000"), _row("us-east-1", "USE1-Notebk:ml.t3.medium", "Notebook", "0.05")]
    )
    assert prices["us-east-1"]["notebook"]["ml.t3.medium"] == 0.05


def test_refresh_pages_through_the_price_list_api_and_keeps_other_regions(moto_server):
    client = ClientFactory().client("pricing", "us-east-1")
    current = PriceTable(prices={"us-east-1": {"hosting": {"ml.m5.xlarge": 0.23}}})
    expected = {"ServiceCode": "AmazonSageMaker", "Filters": ANY, "FormatVersion": "aws_v1"}
    with Stubber(client) as stub:
        stub.add_response("get_products", {"PriceList": [_row("eu-west-1", "EU-Train:ml.p3.2xlarge", "Training", "4.284")], "NextToken": "t1", "FormatVersion": "aws_v1"}, expected)
        stub.add_response("get_products", {"PriceList": [_row("eu-west-1", "EU-Host:ml.m5.xlarge", "Hosting", "0.256")], "FormatVersion": "aws_v1"}, {**expected, "NextToken": "t1"})
        table = refresh_prices(client, current, ["eu-west-1"], datetime(2026, 11, 26, tzinfo=UTC))
        stub.assert_no_pending_responses()
    assert table.hourly_usd("eu-west-1", "training", "ml.p3.2xlarge") == 4.284
    assert table.hourly_usd("eu-west-1", "hosting", "ml.m5.xlarge") == 0.256
    assert table.hourly_usd("us-east-1", "hosting", "ml.m5.xlarge") == 0.23
    assert table.generated_at == "2026-11-26"


def test_bundled_table_has_a_source_and_date_and_known_prices():
    table = load_prices()
    assert table.source and table.generated_at
    assert table.hourly_usd("us-east-1", "hosting", "ml.m5.xlarge") == 0.23
    assert table.monthly_usd("us-east-1", "notebook", "ml.t3.medium") == pytest.approx(36.5)


def test_an_unknown_instance_type_has_no_price_not_zero():
    table = load_prices()
    assert table.monthly_usd("us-east-1", "hosting", "ml.x99.mega") is None
    assert table.monthly_usd("mars-north-1", "hosting", "ml.m5.xlarge") is None
