"""The demo's Price List stand-in answers in the API's shape, through the real fetch path."""

from datetime import UTC, datetime

from bot.aws.price_list import get_sagemaker_products, pricing_client
from bot.aws.session import ClientFactory
from bot.demo.price_list_standin import install_price_list_standin
from bot.scan.price_catalog import PriceCatalog
from bot.scan.price_parsing import parse_price_list
from bot.scan.pricing import load_prices

SEOUL = "ap-northeast-2"
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def test_the_stand_in_pages_seoul_prices_that_parse_back_to_the_same_figures(moto_server):
    table = load_prices()
    client = pricing_client(ClientFactory())
    install_price_list_standin(client, table, (SEOUL,))
    parsed = parse_price_list(get_sagemaker_products(client, SEOUL))
    for component in ("hosting", "notebook", "training", "processing", "batch-transform", "async-hosting", "serverless"):
        assert parsed[SEOUL][component] == table.prices[SEOUL][component], component
    assert parsed[SEOUL]["studio"] == table.prices[SEOUL]["studio"]


def test_seoul_comes_from_the_price_list_and_other_regions_fall_back_to_the_table(moto_server, fresh_store):
    table = load_prices()
    client = pricing_client(ClientFactory())
    install_price_list_standin(client, table, (SEOUL,))
    catalog = PriceCatalog(bundled=table, store=fresh_store, fetch=lambda r: get_sagemaker_products(client, r))
    prices = catalog.table_for([SEOUL, "us-east-1"], NOW)
    assert prices.source_label(SEOUL) == "price-list-api 2026-11-30"
    assert prices.source_label("us-east-1") == f"bundled {table.generated_at}"
