"""GetProducts rows shaped like the AWS Price List API's (botocore's documented example): each
`PriceList` entry is a JSON string holding `product` (attributes with `usagetype`, `regionCode`…)
and `terms.OnDemand.<sku>.<offer>.priceDimensions`."""

from __future__ import annotations

import json
from typing import Any

LOCATIONS = {
    "us-east-1": "US East (N. Virginia)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "eu-west-1": "EU (Ireland)",
    "eu-south-2": "Europe (Spain)",
}


def product_row(
    region: str,
    usage_type: str,
    usd: str,
    *,
    unit: str = "Hrs",
    family: str = "ML Instance",
    plato: str | None = None,
    sku: str = "ABCDEFGH12345678",
) -> str:
    attributes: dict[str, Any] = {
        "servicecode": "AmazonSageMaker",
        "servicename": "Amazon SageMaker",
        "regionCode": region,
        "location": LOCATIONS.get(region, region),
        "locationType": "AWS Region",
        "usagetype": usage_type,
        "operation": "RunInstance",
        "instanceType": f"{usage_type.rsplit(':', 1)[-1]}-messy",
    }
    if plato:
        attributes["platoinstancetype"] = plato
    offer = f"{sku}.JRTCKXETXF"
    return json.dumps(
        {
            "product": {"productFamily": family, "attributes": attributes, "sku": sku},
            "serviceCode": "AmazonSageMaker",
            "terms": {
                "OnDemand": {
                    offer: {
                        "priceDimensions": {
                            f"{offer}.6YS6EN2CT7": {
                                "unit": unit,
                                "endRange": "Inf",
                                "description": f"${usd} per {unit} for {usage_type}",
                                "appliesTo": [],
                                "rateCode": f"{offer}.6YS6EN2CT7",
                                "beginRange": "0",
                                "pricePerUnit": {"USD": usd},
                            }
                        },
                        "sku": sku,
                        "effectiveDate": "2026-11-01T00:00:00Z",
                        "offerTermCode": "JRTCKXETXF",
                        "termAttributes": {},
                    }
                }
            },
            "version": "20261101000000",
            "publicationDate": "2026-11-01T00:00:00Z",
        }
    )


def products_page(rows: list[str], next_token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": rows}
    if next_token:
        page["NextToken"] = next_token
    return page


def get_products_params(region: str, next_token: str | None = None) -> dict[str, Any]:
    """The request `bot.aws.price_list.get_sagemaker_products` sends for one region."""
    params: dict[str, Any] = {
        "ServiceCode": "AmazonSageMaker",
        "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    if next_token:
        params["NextToken"] = next_token
    return params
