"""Everything the CLI, the Slack app and the scheduler share, built once per process.

Passed to listeners through closures (never Bolt's context, which is deep-copied for lazy
listeners and silently drops objects holding locks or connections).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.aws.price_list import get_sagemaker_products, pricing_client
from bot.aws.regions import HOME_REGION, enabled_sagemaker_regions
from bot.aws.session import ClientFactory
from bot.clock import Clock, utc_now
from bot.config import AccountTarget, Settings
from bot.models import FindingKind, ScanResult
from bot.scan.fanout import run_scan
from bot.scan.price_catalog import PriceCatalog
from bot.scan.pricing import PriceTable, load_prices
from bot.storage.store import Store


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    clients: ClientFactory
    prices: PriceTable
    clock: Clock = utc_now
    # Prices for the regions a scan touches (cache → Price List API → `prices`); None: `prices` only.
    price_catalog: PriceCatalog | None = None
    _scan_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def scan(
        self,
        *,
        regions: Iterable[str] | None = None,
        kinds: Iterable[FindingKind] | None = None,
        save: bool = True,
    ) -> ScanResult:
        """Run a real scan now and (by default) persist it."""
        result = run_scan(
            self.clients, self.settings, self.price_catalog or self.prices, self.clock(),
            regions=regions, kinds=kinds,
        )
        return self.store.save_scan(result) if save else result

    def regions_for(self, target: AccountTarget | None) -> list[str]:
        """The regions a scan of this account covers: SMBOT_REGIONS, else every region enabled
        for the account where SageMaker is offered."""
        if self.settings.regions:
            return list(self.settings.regions)
        return enabled_sagemaker_regions(self.clients.client("ec2", HOME_REGION, target))

    def recent_scan(self) -> ScanResult:
        """The latest full scan if younger than SMBOT_CACHE_MINUTES, else a fresh one.

        Single-flight: concurrent callers wait for the one scan in progress instead of each
        starting their own (50 people typing /sm-idle at 09:01 cost one scan).
        """
        max_age = timedelta(minutes=self.settings.cache_minutes)
        cached = self.store.latest_scan(max_age=max_age, now=self.clock())
        if cached is not None:
            return cached
        with self._scan_lock:
            cached = self.store.latest_scan(max_age=max_age, now=self.clock())
            if cached is not None:
                return cached
            return self.scan()


def build_services(
    settings: Settings,
    *,
    clients: ClientFactory | None = None,
    clock: Clock = utc_now,
    store: Store | None = None,
) -> Services:
    store = store or Store(settings.db_path)
    clients = clients or ClientFactory()
    prices = load_prices(settings.prices_path, discount=settings.price_discount)
    return Services(
        settings=settings,
        store=store,
        clients=clients,
        prices=prices,
        clock=clock,
        price_catalog=build_price_catalog(settings, store, clients, prices),
    )


def build_price_catalog(
    settings: Settings, store: Store, clients: ClientFactory, prices: PriceTable
) -> PriceCatalog:
    """Fetch on demand unless SMBOT_PRICES_FETCH=false (then cache and bundled table only)."""

    def fetch(region: str):
        return get_sagemaker_products(pricing_client(clients), region)

    return PriceCatalog(
        bundled=prices,
        store=store,
        fetch=fetch if settings.prices_fetch else None,
        max_age=timedelta(days=settings.prices_max_age_days),
    )
