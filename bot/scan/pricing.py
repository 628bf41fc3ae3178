"""On-demand prices per (region, component, instance type).

A bundled table (`bot/data/prices.json`, with its source and date) answers offline;
`sm-cost-bot prices refresh` rebuilds it from the AWS Price List API. An unknown instance type
answers None — the caller says "price unknown", never $0.
"""

from __future__ import annotations

import json
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


def load_prices(path: Path | None = None) -> PriceTable:
    if path is not None:
        data = json.loads(Path(path).read_text())
    else:
        data = json.loads(BUNDLED_PRICES.read_text())
    return PriceTable(
        prices=data["prices"], source=data.get("source", ""), generated_at=data.get("generated_at", "")
    )
