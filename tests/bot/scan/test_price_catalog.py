"""Prices for the regions a scan touches: cache → Price List API → bundled table, with sources."""

from datetime import UTC, datetime, timedelta

import pytest
from botocore.stub import Stubber

from bot.aws.price_list import get_sagemaker_products, pricing_client
from bot.aws.session import ClientFactory
from bot.scan.price_cache import load_cached, save_cached
from bot.scan.price_catalog import PriceCatalog
from bot.scan.pricing import NO_PRICES_REASON, PriceTable
from tests.fakes.pricing_responses import get_products_params, product_row, products_page

SEOUL = "ap-northeast-2"
SPAIN = "eu-south-2"
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
BUNDLED = PriceTable(
    prices={SEOUL: {"hosting": {"ml.g5.12xlarge": 7.0}}}, source="bundled table", generated_at="2026-11-01"
)


@pytest.fixture
def pricing(moto_server):
    client = pricing_client(ClientFactory())
    with Stubber(client) as stub:
        yield client, stub


@pytest.fixture
def catalog(pricing, fresh_store):
    client, _ = pricing
    return PriceCatalog(
        bundled=BUNDLED, store=fresh_store, fetch=lambda region: get_sagemaker_products(client, region),
        max_age=timedelta(days=7),
    )


def answer(stub, region, usage_type, usd):
    stub.add_response(
        "get_products", products_page([product_row(region, usage_type, usd)]), get_products_params(region)
    )


def test_a_region_is_fetched_from_the_price_list_api_and_says_so(catalog, pricing):
    answer(pricing[1], SEOUL, "APN2-Host:ml.g5.12xlarge", "8.7140000000")
    table = catalog.table_for([SEOUL], NOW)
    assert table.price(SEOUL, "hosting", "ml.g5.12xlarge").usd == 8.714
    assert table.source_label(SEOUL) == "price-list-api 2026-11-30"


def test_a_fetched_region_is_cached_in_the_store_with_its_date(catalog, pricing, fresh_store):
    answer(pricing[1], SEOUL, "APN2-Host:ml.g5.12xlarge", "8.7140000000")
    catalog.table_for([SEOUL], NOW)
    cached = load_cached(fresh_store, SEOUL)
    assert (cached.fetched_at, cached.prices) == (NOW, {"hosting": {"ml.g5.12xlarge": 8.714}})


def test_a_young_cache_answers_without_calling_the_api(catalog, fresh_store):
    save_cached(fresh_store, {SEOUL: {"hosting": {"ml.g5.12xlarge": 8.5}}}, NOW - timedelta(days=3))
    table = catalog.table_for([SEOUL], NOW)  # the stub has no answer: any call would raise
    assert table.hourly_usd(SEOUL, "hosting", "ml.g5.12xlarge") == 8.5
    assert table.source_label(SEOUL) == "cache 2026-11-27"


def test_a_cache_older_than_the_max_age_is_fetched_again(catalog, pricing, fresh_store):
    save_cached(fresh_store, {SEOUL: {"hosting": {"ml.g5.12xlarge": 8.5}}}, NOW - timedelta(days=8))
    answer(pricing[1], SEOUL, "APN2-Host:ml.g5.12xlarge", "8.7140000000")
    assert catalog.table_for([SEOUL], NOW).hourly_usd(SEOUL, "hosting", "ml.g5.12xlarge") == 8.714


def test_a_failed_fetch_falls_back_to_the_stale_cache(catalog, pricing, fresh_store):
    save_cached(fresh_store, {SEOUL: {"hosting": {"ml.g5.12xlarge": 8.5}}}, NOW - timedelta(days=20))
    pricing[1].add_client_error("get_products", "ThrottlingException", "Rate exceeded", 400)
    table = catalog.table_for([SEOUL], NOW)
    assert table.hourly_usd(SEOUL, "hosting", "ml.g5.12xlarge") == 8.5
    assert table.source_label(SEOUL) == "cache 2026-11-10"


def test_a_failed_fetch_without_cache_falls_back_to_the_bundled_table(catalog, pricing):
    pricing[1].add_client_error("get_products", "AccessDeniedException", "not authorized", 400)
    table = catalog.table_for([SEOUL], NOW)
    assert table.hourly_usd(SEOUL, "hosting", "ml.g5.12xlarge") == 7.0
    assert table.source_label(SEOUL) == "bundled 2026-11-01"


def test_a_region_nobody_can_price_says_how_to_fix_it(catalog, pricing):
    pricing[1].add_client_error("get_products", "AccessDeniedException", "not authorized", 400)
    table = catalog.table_for([SPAIN], NOW)
    assert table.hourly_usd(SPAIN, "hosting", "ml.m5.xlarge") is None
    assert table.missing_reason(SPAIN, "ml.m5.xlarge") == NO_PRICES_REASON


def test_a_failed_region_is_not_fetched_again_within_the_hour(catalog, pricing):
    pricing[1].add_client_error("get_products", "ThrottlingException", "Rate exceeded", 400)
    catalog.table_for([SEOUL], NOW)
    table = catalog.table_for([SEOUL], NOW + timedelta(minutes=30))  # no answer queued: a call would raise
    assert table.source_label(SEOUL) == "bundled 2026-11-01"


def test_an_offline_catalog_uses_cache_and_bundled_table_only(fresh_store):
    catalog = PriceCatalog(bundled=BUNDLED, store=fresh_store, fetch=None)
    assert catalog.table_for([SEOUL], NOW).source_label(SEOUL) == "bundled 2026-11-01"


def test_the_pricing_client_honours_its_service_specific_endpoint(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", "http://127.0.0.1:9/pricing-proxy")
    assert pricing_client(ClientFactory()).meta.endpoint_url == "http://127.0.0.1:9/pricing-proxy"
