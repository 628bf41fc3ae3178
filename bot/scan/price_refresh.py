"""`sm-cost-bot prices refresh|show`: rebuild the price table from the AWS Price List API.

The Price List API lives in us-east-1 (and a few other regions) only. SageMaker rows have
productFamily "ML Instance"; the component is in `platoinstancetype`; `instanceType` is messy,
so the instance type is taken from the usagetype suffix (`USE1-Host:ml.m5.xlarge`). $0 rows
(free tier) are skipped so a free-tier row never hides the real price.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.aws.session import ClientFactory
from bot.config import Settings
from bot.scan.pricing import BUNDLED_PRICES, PLATO_COMPONENTS, PriceTable, load_prices

PRICING_API_REGION = "us-east-1"
DEFAULT_OUTPUT = Path("sm-cost-bot-prices.json")


def _hourly_usd(terms: dict[str, Any]) -> float | None:
    for term in terms.get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            usd = dimension.get("pricePerUnit", {}).get("USD")
            if usd is not None and dimension.get("unit", "Hrs").lower().startswith("hr"):
                return float(usd)
    return None


def parse_price_list(items: Iterable[str]) -> dict[str, dict[str, dict[str, float]]]:
    """PriceList JSON strings → {region: {component: {instance_type: usd_per_hour}}}."""
    prices: dict[str, dict[str, dict[str, float]]] = {}
    for raw in items:
        item = json.loads(raw) if isinstance(raw, str) else raw
        attributes = item.get("product", {}).get("attributes", {})
        component = PLATO_COMPONENTS.get(attributes.get("platoinstancetype", ""))
        usage_type = attributes.get("usagetype", "")
        region = attributes.get("regionCode")
        if not component or not region or ":" not in usage_type:
            continue
        instance_type = usage_type.rsplit(":", 1)[1]
        if not instance_type.startswith("ml."):
            continue
        hourly = _hourly_usd(item.get("terms", {}))
        if not hourly:  # None or a $0 free-tier row
            continue
        prices.setdefault(region, {}).setdefault(component, {})[instance_type] = hourly
    return prices


def fetch_price_list(pricing_client: Any, regions: Iterable[str] | None) -> Iterable[str]:
    filters = [{"Type": "TERM_MATCH", "Field": "productFamily", "Value": "ML Instance"}]
    region_filters = [[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": r}] for r in regions or []]
    for extra in region_filters or [[]]:
        paginator = pricing_client.get_paginator("get_products")
        for page in paginator.paginate(
            ServiceCode="AmazonSageMaker", Filters=filters + extra, FormatVersion="aws_v1"
        ):
            yield from page.get("PriceList", [])


def refresh_prices(
    pricing_client: Any, current: PriceTable, regions: Iterable[str] | None, now: datetime
) -> PriceTable:
    """Replace the refreshed regions, keep the others as they were."""
    fresh = parse_price_list(fetch_price_list(pricing_client, regions))
    merged = {**current.prices, **fresh}
    return PriceTable(
        prices=merged,
        source=(
            "AWS Price List API (pricing:GetProducts, ServiceCode AmazonSageMaker,"
            f" productFamily ML Instance), on-demand USD per instance-hour; refreshed regions:"
            f" {', '.join(sorted(fresh)) or 'none'}"
        ),
        generated_at=now.date().isoformat(),
    )


def prices_cli(settings: Settings, action: str, output: str | None, regions: list[str] | None) -> int:
    current = load_prices(settings.prices_path)
    if action == "show":
        print(f"source: {current.source}")
        print(f"date:   {current.generated_at}")
        for region, components in sorted(current.prices.items()):
            counts = ", ".join(f"{c} {len(t)}" for c, t in sorted(components.items()))
            print(f"{region}: {counts}")
        return 0
    client = ClientFactory().client("pricing", PRICING_API_REGION)
    table = refresh_prices(client, current, regions or settings.regions, datetime.now(UTC))
    if not table.prices:
        print("sm-cost-bot: the Price List API returned no SageMaker prices", file=sys.stderr)
        return 1
    target = Path(output) if output else (settings.prices_path or DEFAULT_OUTPUT)
    if target.resolve() == BUNDLED_PRICES.resolve():
        print("sm-cost-bot: refusing to overwrite the bundled table; pass --output", file=sys.stderr)
        return 2
    target.write_text(json.dumps(table.to_json(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {sum(len(t) for c in table.prices.values() for t in c.values())} prices for"
          f" {len(table.prices)} regions to {target}")
    if settings.prices_path is None or Path(settings.prices_path).resolve() != target.resolve():
        print(f"use it with: SMBOT_PRICES_PATH={target}")
    return 0
