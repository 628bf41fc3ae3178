"""Prices for the regions a scan touches: store cache → Price List API → bundled table.

For each region: a cached answer younger than `SMBOT_PRICES_MAX_AGE_DAYS` is used as it is;
otherwise the region is fetched from the Price List API and cached. A failed fetch falls back to
the (stale) cache, then to the bundled table, and says why in the table's notes; a region that
failed is not fetched again for an hour, so a missing `pricing:GetProducts` grant does not cost
every scan a round trip per region. The source of each region's prices travels with the table
(`PriceTable.source_label`) into every finding's evidence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.scan.price_cache import load_cached, save_cached
from bot.scan.price_parsing import parse_price_list
from bot.scan.pricing import NO_PRICES_REASON, Prices, PriceTable
from bot.storage.store import Store

RETRY_FAILED_AFTER = timedelta(hours=1)
FETCH_WORKERS = 4  # the Price List API throttles; a few regions at a time is plenty
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")

Fetch = Callable[[str], Iterable[str]]


@dataclass
class PriceCatalog:
    bundled: PriceTable
    store: Store | None
    fetch: Fetch | None  # region → PriceList rows; None: offline (bundled and cache only)
    max_age: timedelta = timedelta(days=7)
    _failed: dict[str, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def table_for(self, regions: Iterable[str], now: datetime) -> PriceTable:
        with self._lock:  # one fetch per region even when scans overlap
            return self._table_for(list(dict.fromkeys(regions)), now)

    def _table_for(self, regions: list[str], now: datetime) -> PriceTable:
        cached = {r: load_cached(self.store, r) if self.store else None for r in regions}
        stale = [
            r for r in regions
            if (cached[r] is None or now - cached[r].fetched_at > self.max_age)
            and self.fetch is not None
            and now - self._failed.get(r, datetime.min.replace(tzinfo=now.tzinfo)) > RETRY_FAILED_AFTER
        ]
        fetched: dict[str, Prices | Exception] = {}
        if stale:
            with ThreadPoolExecutor(max_workers=FETCH_WORKERS, thread_name_prefix="prices") as pool:
                fetched = dict(zip(stale, pool.map(self._fetch_one, stale), strict=True))
        fresh: Prices = {}
        sources: dict[str, str] = {}
        notes: dict[str, str] = {}
        for region in regions:
            answer = fetched.get(region)
            if isinstance(answer, dict):
                fresh[region] = answer[region]
                sources[region] = f"price-list-api {now.date().isoformat()}"
                if self.store:
                    save_cached(self.store, answer, now)
                continue
            if isinstance(answer, Exception):
                self._failed[region] = now
                notes[region] = _failure_note(answer)
            if cached[region] is not None:
                fresh[region] = cached[region].prices
                sources[region] = f"cache {cached[region].fetched_at.date().isoformat()}"
        table = self.bundled.with_regions(fresh, sources)
        return PriceTable(
            prices=table.prices,
            source=table.source,
            generated_at=table.generated_at,
            region_sources=table.region_sources,
            region_notes={**table.region_notes, **notes},
            discount=table.discount,
        )

    def _fetch_one(self, region: str) -> Prices | Exception:
        try:
            prices = parse_price_list(self.fetch(region))  # type: ignore[misc]
        except Exception as exc:  # any failure falls back; the note says which
            return exc
        if not prices.get(region):
            return LookupError(f"the Price List API has no SageMaker prices for {region}")
        return {region: prices[region]}


def _failure_note(exc: Exception) -> str:
    from bot.aws.session import error_code, error_message

    if error_code(exc) in ACCESS_DENIED:
        return NO_PRICES_REASON
    return f"no price — the Price List API failed ({error_message(exc)})"
