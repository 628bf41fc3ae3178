"""The AWS Price List API client: `pricing:GetProducts` for service `AmazonSageMaker`.

The Price List API is served from us-east-1 (also eu-central-1 and ap-south-1) whatever region is
priced, so the client always lives in us-east-1. It is built by the ClientFactory like every
other client, so `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_PRICING` reach it (VPC endpoints,
proxies, emulators). Each `PriceList` entry is a JSON *string* (one product with its terms).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PRICING_API_REGION = "us-east-1"
SERVICE_CODE = "AmazonSageMaker"
PERMISSIONS = ("pricing:GetProducts",)


def pricing_client(factory: Any) -> Any:
    """The pricing client (ambient credentials: prices are public, no AssumeRole needed)."""
    return factory.client("pricing", PRICING_API_REGION)


def get_sagemaker_products(pricing_client: Any, region_code: str) -> Iterator[str]:
    """Every SageMaker product row of one region, page by page (100 a page, the API maximum).

    Filtered on `regionCode` only: instance rows are productFamily "ML Instance", but ML storage
    and serverless inference rows belong to other families and are priced too.
    """
    paginator = pricing_client.get_paginator("get_products")
    pages = paginator.paginate(
        ServiceCode=SERVICE_CODE,
        Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region_code}],
        FormatVersion="aws_v1",
        MaxResults=100,
    )
    for page in pages:
        yield from page.get("PriceList", [])
