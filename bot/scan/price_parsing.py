"""Price List API rows → {region: {component: {instance type: USD}}}.

Rows are told apart by their usage type, `<region prefix>-<family>:<what>` (the region prefix is
`USE1`, `EU`, `APN2`…). Families and what follows the colon, as the SageMaker price list has them:

- `Notebk:ml.t3.medium` notebook instances, `Host:ml.m5.xlarge` real-time hosting,
  `AsyncInf:ml.m5.xlarge` asynchronous hosting, `Train:ml.p4d.24xlarge` training,
  `Processing:ml.m5.large` processing, `Tsform:ml.m5.xlarge` batch transform (per instance-hour);
- `Studio:JupyterLab-ml.r6i.4xlarge` Studio apps, the app type *before* the instance type (and the
  older `Studio-JupyterLab:ml.t3.medium`); Canvas bills per session-hour (`Canvas:Session-Hrs`);
- `ServerlessInf:Mem-4GB` serverless inference, per second at a memory size (unit `Second`);
- `<family>:VolumeUsage.gp2` ML storage attached to that component, per GB-month.

$0 rows (free tier) are skipped so a free-tier row never hides the real price. Rows whose family
is unknown are left out rather than guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from bot.scan.pricing import PLATO_COMPONENTS, Prices

FAMILIES = {
    "Notebk": "notebook",
    "Host": "hosting",
    "AsyncInf": "async-hosting",
    "Train": "training",
    "Processing": "processing",
    "Tsform": "batch-transform",
    "ServerlessInf": "serverless",
    "Studio": "studio",
    "Canvas": "studio:Canvas",
}
REGION_PREFIX = re.compile(r"^[A-Z]{2,4}\d?-")
STUDIO_APP = re.compile(r"^(?P<app>[A-Za-z]+)-(?P<type>ml\..+)$")


def _usd(terms: dict[str, Any]) -> tuple[float, str] | None:
    """The first non-zero on-demand price and its unit."""
    for term in terms.get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            usd = dimension.get("pricePerUnit", {}).get("USD")
            if usd is not None and float(usd) > 0:
                return float(usd), dimension.get("unit", "Hrs")
    return None


def classify(usage_type: str, plato: str = "") -> list[tuple[str, str]]:
    """(component, key) pairs a usage type prices; [] for a row the bot does not use."""
    if ":" not in usage_type:
        return []
    family, what = usage_type.split(":", 1)
    family = REGION_PREFIX.sub("", family)
    if family.startswith("Studio-"):  # older rows: `Studio-JupyterLab:ml.t3.medium`
        family, what = "Studio", f"{family.removeprefix('Studio-')}-{what}"
    component = FAMILIES.get(family) or PLATO_COMPONENTS.get(plato)
    if component is None:
        return []
    if what.startswith("VolumeUsage"):
        return [("storage", component)]
    if component == "studio":
        match = STUDIO_APP.match(what)
        if not match:
            return [("studio", what)] if what.startswith("ml.") else []
        return [(f"studio:{match['app']}", match["type"]), ("studio", match["type"])]
    if component == "studio:Canvas":
        return [(component, "session")] if "Session" in what else []
    if component == "serverless":
        return [(component, what)] if what.startswith("Mem-") else []
    return [(component, what)] if what.startswith("ml.") else []


def parse_price_list(items: Iterable[str | dict[str, Any]]) -> Prices:
    """PriceList entries (JSON strings, as GetProducts returns them) → prices by region."""
    prices: Prices = {}
    for raw in items:
        item = json.loads(raw) if isinstance(raw, str) else raw
        attributes = item.get("product", {}).get("attributes", {})
        region = attributes.get("regionCode")
        pairs = classify(attributes.get("usagetype", ""), attributes.get("platoinstancetype", ""))
        found = _usd(item.get("terms", {}))
        if not region or not pairs or found is None:
            continue
        usd, unit = found
        for component, key in pairs:
            if component not in ("storage", "serverless", "studio:Canvas") and not unit.lower().startswith("hr"):
                continue
            table = prices.setdefault(region, {}).setdefault(component, {})
            # "studio" is the app-type-free lookup: JupyterLab's rate wins, else the first seen.
            if component == "studio" and key in table and not attributes.get("usagetype", "").count("JupyterLab"):
                continue
            table[key] = usd
    return prices
