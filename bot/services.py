"""Everything the CLI, the Slack app and the scheduler share, built once per process.

Passed to listeners through closures (never Bolt's context, which is deep-copied for lazy
listeners and silently drops objects holding locks or connections).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.aws.price_list import get_sagemaker_products, pricing_client
from bot.aws.regions import HOME_REGION, enabled_sagemaker_regions
from bot.aws.session import ClientFactory, client_config
from bot.clock import Clock, utc_now
from bot.config import AccountTarget, ConfigFileError, Settings
from bot.models import FindingKind, ScanResult
from bot.scan.fanout import run_scan
from bot.scan.price_catalog import PriceCatalog
from bot.scan.pricing import PriceTable, PriceTableError, load_prices
from bot.scan.scope import scan_scope_key
from bot.scan.single_flight import SingleFlight
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
    _flight: SingleFlight[ScanResult] = field(default_factory=SingleFlight, compare=False, repr=False)

    def scan(
        self,
        *,
        regions: Iterable[str] | None = None,
        kinds: Iterable[FindingKind] | None = None,
        save: bool = True,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ScanResult:
        """Run a real scan now and (by default) persist it."""
        regions = list(regions) if regions else None
        kinds = list(kinds) if kinds else None
        result = run_scan(
            self.clients, self.settings, self.price_catalog or self.prices, self.clock(),
            regions=regions, kinds=kinds, on_progress=on_progress,
        )
        if not save:
            return result
        return self.store.save_scan(result, scope_key=self.scope_key(regions, kinds))

    def regions_for(self, target: AccountTarget | None) -> list[str]:
        """The regions a scan of this account covers: SMBOT_REGIONS, else every region enabled
        for the account where SageMaker is offered."""
        if self.settings.regions:
            return list(self.settings.regions)
        return enabled_sagemaker_regions(self.clients.client("ec2", HOME_REGION, target))

    def scope_key(
        self, regions: Iterable[str] | None = None, kinds: Iterable[FindingKind] | None = None
    ) -> str:
        return scan_scope_key(self.settings, regions, kinds, self.clients.identity_key())

    def scan_ticket(self) -> int:
        """Taken when someone asks; `recent_scan(ticket=...)` then accepts any scan finished since."""
        return self._flight.ticket()

    def recent_scan(
        self,
        *,
        fresh: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
        ticket: int | None = None,
    ) -> ScanResult:
        """The latest full scan if younger than SMBOT_CACHE_MINUTES and made with the same
        accounts, regions, kinds, thresholds and identity, without read errors; else a fresh one
        (always a fresh one with `fresh=True`).

        Single-flight: concurrent callers wait for the one scan in progress and share its
        result, even one with read errors (50 people typing /sm-idle at 09:01 cost one scan);
        with a `ticket` from `scan_ticket()`, any scan finished since the ticket was taken.
        """
        key = self.scope_key()
        if fresh:
            return self._flight.run_now(key, lambda: self.scan(on_progress=on_progress))
        cached = self._cached_scan()
        if cached is not None:
            return cached
        return self._flight.run(
            key, self._cached_scan, lambda: self.scan(on_progress=on_progress), ticket=ticket
        )

    def _cached_scan(self) -> ScanResult | None:
        max_age = timedelta(minutes=self.settings.cache_minutes)
        return self.store.latest_scan(max_age=max_age, now=self.clock(), scope_key=self.scope_key())


def build_services(
    settings: Settings,
    *,
    clients: ClientFactory | None = None,
    clock: Clock = utc_now,
    store: Store | None = None,
) -> Services:
    store = store or Store(settings.db_path)
    clients = clients or ClientFactory(config=client_config(settings))
    try:
        prices = load_prices(settings.prices_path, discount=settings.price_discount)
    except PriceTableError as exc:
        raise ConfigFileError(f"SMBOT_PRICES_PATH: {exc}") from None
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
