"""On-demand prices per (region, component, instance type).

A bundled table (`bot/data/prices.json`, with its source and date) answers offline;
`sm-cost-bot prices refresh` rebuilds it from the AWS Price List API. An unknown instance type
answers None — the caller says "price unknown", never $0.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOURS_PER_MONTH = 730
BUNDLED_PRICES = Path(__file__).parent / "data" / "prices.json"
COMPONENTS = ("notebook", "studio", "hosting", "training", "processing")

# `platoinstancetype` values of the Price List API → our components.
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


@dataclass(frozen=True)
class PriceTable:
    prices: dict[str, dict[str, dict[str, float]]]
    source: str = ""
    generated_at: str = ""

    def hourly_usd(self, region: str, component: str, instance_type: str | None) -> float | None:
        if not instance_type:
            return None
        return self.prices.get(region, {}).get(component, {}).get(instance_type)

    def monthly_usd(
        self, region: str, component: str, instance_type: str | None, count: int = 1
    ) -> float | None:
        hourly = self.hourly_usd(region, component, instance_type)
        if hourly is None:
            return None
        return round(hourly * HOURS_PER_MONTH * count, 2)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "generated_at": self.generated_at, "prices": self.prices}


class PriceTableError(ValueError):
    """A price table file that cannot be used: the message names the file and what is wrong."""


def load_prices(path: Path | None = None) -> PriceTable:
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
        prices=data["prices"], source=data.get("source", ""), generated_at=data.get("generated_at", "")
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
