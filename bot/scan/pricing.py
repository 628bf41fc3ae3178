"""On-demand prices per (region, component, instance type), each with the source it came from.

A bundled table (`bot/scan/data/prices.json`, with its source and date) answers offline; at run
time `bot.scan.price_catalog` lays prices fetched from the AWS Price List API (or cached in the
store) over it, region by region, and labels every region with where its prices came from
(`price-list-api 2026-11-30`, `cache 2026-11-20`, `bundled 2026-11-01`), so each finding can say
how much to trust its figure. An unknown instance type answers None — the caller says
"price unknown", never $0.

`SMBOT_PRICE_DISCOUNT` (a customer's negotiated rate) is applied here, once, to every figure.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

HOURS_PER_MONTH = 730
BUNDLED_PRICES = Path(__file__).parent / "data" / "prices.json"
COMPONENTS = (
    "notebook", "studio", "hosting", "async-hosting", "training", "processing", "batch-transform",
    "serverless", "storage",
)
# Studio prices by app type live under "studio:<AppType>"; a lookup for an app type the table does
# not split falls back to "studio" (JupyterLab, CodeEditor and KernelGateway list the same rates).
STUDIO_APP_TYPES = ("JupyterLab", "CodeEditor", "KernelGateway", "JupyterServer", "Canvas")

# `platoinstancetype` values of the Price List API → our components (older rows carry no usage
# type family we recognise; the family in `usagetype` wins when there is one).
PLATO_COMPONENTS = {
    "Notebook": "notebook",
    "Hosting": "hosting",
    "Training": "training",
    "Processing": "processing",
    "Studio-Notebook": "studio",
    "Studio-JupyterLab": "studio",
    "Studio-CodeEditor": "studio",
    "Studio-RStudio": "studio",
}
NO_PRICES_REASON = "no price — grant pricing:GetProducts or run `sm-cost-bot prices refresh`"

Prices = dict[str, dict[str, dict[str, float]]]


@dataclass(frozen=True)
class Price:
    """One hourly (or per-unit) figure and where it came from."""

    usd: float
    source: str


@dataclass(frozen=True)
class PriceTable:
    prices: Prices
    source: str = ""
    generated_at: str = ""
    # region → "price-list-api 2026-11-30" / "cache 2026-11-20"; absent means the bundled table.
    region_sources: dict[str, str] = field(default_factory=dict)
    # region → why its prices are missing or stale (a failed fetch), for the headline.
    region_notes: dict[str, str] = field(default_factory=dict)
    discount: float = 0.0

    def price(self, region: str, component: str, instance_type: str | None) -> Price | None:
        """The customer's rate and its source, or None when the table has no such price."""
        if not instance_type:
            return None
        components = self.prices.get(region, {})
        usd = components.get(component, {}).get(instance_type)
        if usd is None and component.startswith("studio:"):
            usd = components.get("studio", {}).get(instance_type)
        if usd is None:
            return None
        return Price(usd=round(usd * (1 - self.discount), 6), source=self.source_label(region))

    def hourly_usd(self, region: str, component: str, instance_type: str | None) -> float | None:
        found = self.price(region, component, instance_type)
        return found.usd if found else None

    def monthly_usd(
        self, region: str, component: str, instance_type: str | None, count: int = 1
    ) -> float | None:
        hourly = self.hourly_usd(region, component, instance_type)
        if hourly is None:
            return None
        return round(hourly * HOURS_PER_MONTH * count, 2)

    def source_label(self, region: str) -> str:
        return self.region_sources.get(region) or f"bundled {self.generated_at}".strip()

    def missing_reason(self, region: str, instance_type: str | None) -> str:
        """Why a finding in `region` has no price: the whole region, or just this type."""
        if not self.prices.get(region):
            return self.region_notes.get(region) or NO_PRICES_REASON
        return f"{instance_type or 'its instance type'} is not in the {self.source_label(region)} price table"

    def table_for(self, regions: Iterable[str], now: datetime) -> PriceTable:
        """A fixed table answers for any regions as it is (a catalog fetches; see price_catalog)."""
        return self

    def with_regions(self, fresh: Prices, sources: dict[str, str]) -> PriceTable:
        """This table with `fresh` laid over it component by component: a component or region
        the fresh prices do not carry keeps its old values (a partial answer deletes nothing)."""
        merged = {region: {c: dict(t) for c, t in comps.items()} for region, comps in self.prices.items()}
        for region, components in fresh.items():
            for component, types in components.items():
                merged.setdefault(region, {}).setdefault(component, {}).update(types)
        return replace(self, prices=merged, region_sources={**self.region_sources, **sources})

    def count(self) -> int:
        """(region, component, instance type) prices held."""
        return sum(len(types) for comps in self.prices.values() for types in comps.values())

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "generated_at": self.generated_at, "prices": self.prices}


class PriceTableError(ValueError):
    """A price table file that cannot be used: the message names the file and what is wrong."""


def load_prices(path: Path | None = None, discount: float = 0.0) -> PriceTable:
    source = Path(path) if path is not None else BUNDLED_PRICES
    try:
        data = json.loads(source.read_text())
    except OSError as exc:
        raise PriceTableError(f"cannot read {source}: {exc.strerror or exc}") from None
    except ValueError as exc:  # JSONDecodeError and undecodable bytes
        raise PriceTableError(f"{source} is not JSON: {exc}") from None
    problem = price_table_problem(data)
    if problem:
        raise PriceTableError(f"{source}: {problem} (write one with `sm-cost-bot prices refresh`)")
    return PriceTable(
        prices=data["prices"],
        source=data.get("source", ""),
        generated_at=data.get("generated_at", ""),
        discount=discount,
    )


def price_table_problem(data: Any) -> str | None:
    """Why `data` is not a price table ({"prices": {region: {component: {type: $/h}}}}), or None."""
    if not isinstance(data, dict) or not isinstance(data.get("prices"), dict) or not data["prices"]:
        return 'no "prices" object with at least one region'
    for region, components in data["prices"].items():
        if not isinstance(components, dict):
            return f"prices.{region} is not an object of components"
        for component, types in components.items():
            if not isinstance(types, dict):
                return f"prices.{region}.{component} is not an object of instance types"
            for instance_type, price in types.items():
                ok = isinstance(price, int | float) and not isinstance(price, bool)
                if not ok or not math.isfinite(price) or price < 0:
                    return f"prices.{region}.{component}.{instance_type} is {price!r}, not a price in $/h"
    return None
