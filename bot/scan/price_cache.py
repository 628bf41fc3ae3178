"""Prices fetched from the Price List API, kept in the store per region with their fetch time.

One row per region (a region's SageMaker prices are one answer of GetProducts); a re-fetch
replaces the row only after a successful read, so a failed fetch never loses what was cached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlite_utils import Database, Migrations

from bot.scan.pricing import Prices
from bot.storage.migrations import register

if TYPE_CHECKING:
    from bot.storage.store import Store

price_migrations = register(Migrations("sm-cost-bot-prices"))


@price_migrations()
def m001_price_cache(db: Database) -> None:
    db.execute(
        "CREATE TABLE price_cache ("
        " region TEXT PRIMARY KEY,"
        " fetched_at TEXT NOT NULL,"
        " prices TEXT NOT NULL)"  # {component: {instance type: usd}}
    )


@dataclass(frozen=True)
class CachedPrices:
    region: str
    fetched_at: datetime
    prices: dict[str, dict[str, float]]


def load_cached(store: Store, region: str) -> CachedPrices | None:
    rows = list(store.db.query("SELECT * FROM price_cache WHERE region = ?", [region]))
    if not rows:
        return None
    return CachedPrices(
        region=region,
        fetched_at=datetime.fromisoformat(rows[0]["fetched_at"]),
        prices=json.loads(rows[0]["prices"]),
    )


def save_cached(store: Store, prices: Prices, fetched_at: datetime) -> None:
    """Upsert each region's freshly read prices (single statements: no transaction needed)."""
    for region, components in prices.items():
        store.db.execute(
            "INSERT INTO price_cache (region, fetched_at, prices) VALUES (?, ?, ?)"
            " ON CONFLICT(region) DO UPDATE SET fetched_at = excluded.fetched_at,"
            " prices = excluded.prices",
            [region, fetched_at.isoformat(), json.dumps(components, sort_keys=True)],
        )
        store.db.conn.commit()
