"""`sm-cost-bot prices refresh|show`: rebuild the price table from the AWS Price List API.

Scans fetch the regions they touch on their own (`bot.scan.price_catalog`); this command writes a
table file for offline use (`SMBOT_PRICES_PATH`). Rows are parsed by `bot.scan.price_parsing`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.aws.price_list import get_sagemaker_products, pricing_client
from bot.aws.session import ClientFactory
from bot.config import Settings
from bot.scan.price_parsing import parse_price_list
from bot.scan.pricing import BUNDLED_PRICES, PriceTable, load_prices
from reports.plurals import plural

DEFAULT_OUTPUT = Path("sm-cost-bot-prices.json")


def refresh_prices(
    pricing_client: Any, current: PriceTable, regions: Iterable[str] | None, now: datetime
) -> tuple[PriceTable, list[str]]:
    """Lay the re-read regions over the current table: a component or region that was not re-read
    (or came back empty) keeps its old prices; nothing is deleted by a partial answer. Returns the
    table and the regions the API answered for."""
    wanted = list(regions or current.prices)
    fresh = parse_price_list(row for region in wanted for row in get_sagemaker_products(pricing_client, region))
    merged = current.with_regions(fresh, {})
    return PriceTable(
        prices=merged.prices,
        source=(
            "AWS Price List API (pricing:GetProducts, ServiceCode AmazonSageMaker), on-demand USD"
            " per instance-hour (storage per GB-month, serverless per second); refreshed regions:"
            f" {', '.join(sorted(fresh)) or 'none'}; other regions as before: {current.source}"
        ),
        generated_at=now.date().isoformat(),
    ), sorted(fresh)


def prices_cli(settings: Settings, action: str, output: str | None, regions: list[str] | None) -> int:
    current = load_prices(settings.prices_path)
    if action == "show":
        print(f"source: {current.source}")
        print(f"date:   {current.generated_at}")
        print(f"prices: {current.count()} (region, component, instance type)")
        for region, components in sorted(current.prices.items()):
            counts = ", ".join(f"{c} {len(t)}" for c, t in sorted(components.items()))
            print(f"{region}: {counts}")
        return 0
    client = pricing_client(ClientFactory())
    try:
        table, refreshed = refresh_prices(client, current, regions or settings.regions, datetime.now(UTC))
    except Exception as exc:  # one line, never a traceback
        from bot.aws.session import error_message

        print(f"sm-cost-bot: could not read the Price List API: {error_message(exc)}", file=sys.stderr)
        return 2
    if not refreshed:
        print("sm-cost-bot: the Price List API returned no SageMaker prices", file=sys.stderr)
        return 1
    target = Path(output) if output else (settings.prices_path or DEFAULT_OUTPUT)
    if target.resolve() == BUNDLED_PRICES.resolve():
        print("sm-cost-bot: refusing to overwrite the bundled table; pass --output", file=sys.stderr)
        return 2
    target.write_text(json.dumps(table.to_json(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {plural(table.count(), 'price')} for {plural(len(table.prices), 'region')} to {target}"
          f" (refreshed: {', '.join(refreshed)})")
    if settings.prices_path is None or Path(settings.prices_path).resolve() != target.resolve():
        print(f"use it with: SMBOT_PRICES_PATH={target}")
    return 0
