"""A local stand-in for the AWS Price List API, so the offline demo prices a region the way a real
scan does: GetProducts → parse → cache, with the `price-list-api` source label.

moto has no Price List API (FACTS.md). Like the Studio stand-in, this plugs into botocore's own
event system (`before-call.pricing.GetProducts` returning an answer short-circuits the HTTP
request, as `Stubber` does); parameters are validated by botocore first and every page is checked
against the operation's output shape. Rows have the Price List's shape (JSON strings with
`product.attributes.usagetype` and `terms.OnDemand`) and carry the bundled table's figures for the
regions given, with each region's usage-type prefix; other regions answer no products, so the
demo also shows the fallback to the bundled table.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from bot.demo.studio_standin import StandInResponse, check_shape
from bot.scan.pricing import PriceTable

# Usage-type prefixes of the regions the demo serves (as they appear in AWS bills).
USAGE_PREFIXES = {"ap-northeast-2": "APN2", "us-east-1": "USE1", "us-west-2": "USW2"}
FAMILIES = {
    "notebook": "Notebk", "hosting": "Host", "async-hosting": "AsyncInf", "training": "Train",
    "processing": "Processing", "batch-transform": "Tsform",
}
PAGE_SIZE = 100


def price_list_rows(table: PriceTable, region: str) -> list[str]:
    """The region's prices as GetProducts `PriceList` entries."""
    prefix = USAGE_PREFIXES[region]
    rows = []
    for component, types in table.prices.get(region, {}).items():
        for key, usd in types.items():
            usage_type, unit = _usage_type(prefix, component, key)
            if usage_type:
                rows.append(_row(region, usage_type, usd, unit))
    return rows


def _usage_type(prefix: str, component: str, key: str) -> tuple[str | None, str]:
    if component in FAMILIES:
        return f"{prefix}-{FAMILIES[component]}:{key}", "Hrs"
    if component == "studio":
        return f"{prefix}-Studio:JupyterLab-{key}", "Hrs"
    if component == "serverless":
        return f"{prefix}-ServerlessInf:{key}", "Second"
    if component == "storage" and key in FAMILIES:
        return f"{prefix}-{FAMILIES[key]}:VolumeUsage.gp2", "GB-Mo"
    return None, ""


def _row(region: str, usage_type: str, usd: float, unit: str) -> str:
    sku = f"DEMO{zlib.crc32(f'{region}/{usage_type}'.encode()):012d}"
    offer = f"{sku}.JRTCKXETXF"
    return json.dumps({
        "product": {
            "productFamily": "ML Instance" if unit == "Hrs" else "ML Storage" if unit == "GB-Mo" else "Serverless",
            "attributes": {"servicecode": "AmazonSageMaker", "regionCode": region, "usagetype": usage_type,
                           "locationType": "AWS Region", "operation": "RunInstance"},
            "sku": sku,
        },
        "serviceCode": "AmazonSageMaker",
        "terms": {"OnDemand": {offer: {
            "priceDimensions": {f"{offer}.6YS6EN2CT7": {
                "unit": unit, "beginRange": "0", "endRange": "Inf", "appliesTo": [],
                "description": f"${usd} per {unit} for {usage_type}", "rateCode": f"{offer}.6YS6EN2CT7",
                "pricePerUnit": {"USD": f"{usd:.10f}"},
            }},
            "sku": sku, "offerTermCode": "JRTCKXETXF", "effectiveDate": "2026-11-01T00:00:00Z", "termAttributes": {},
        }}},
        "version": "20261101000000",
        "publicationDate": "2026-11-01T00:00:00Z",
    })


def install_price_list_standin(pricing_client: Any, table: PriceTable, regions: tuple[str, ...]) -> None:
    """Answer GetProducts on this pricing client with `table`'s prices for `regions`."""
    rows = {region: price_list_rows(table, region) for region in regions}

    def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["price_list_params"] = dict(params)

    def answer(model: Any, context: dict[str, Any], **_: Any) -> tuple[StandInResponse, dict[str, Any]]:
        params = context.get("price_list_params", {})
        wanted = {f["Value"] for f in params.get("Filters", []) if f.get("Field") == "regionCode"}
        items = [row for region in sorted(wanted) for row in rows.get(region, [])]
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults") or PAGE_SIZE)
        page: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": items[start : start + size]}
        if start + size < len(items):
            page["NextToken"] = str(start + size)
        check_shape(page, model.output_shape)
        return StandInResponse(200), page

    pricing_client.meta.events.register("before-parameter-build.pricing.GetProducts", remember)
    pricing_client.meta.events.register("before-call.pricing.GetProducts", answer)
