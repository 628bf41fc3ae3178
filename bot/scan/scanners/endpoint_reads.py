"""The endpoint reads every endpoint kind shares within one account-region scan.

The idle kinds (unused, intermittent, orphaned, idle async) and the five hosting kinds all start
from the same InService endpoint records and describe some of the same endpoint configs. Each
read is made once per account-region (`ctx.shared`), by whichever kind asks first, so adding the
hosting advice did not double the Search pages or re-describe a config the idle kinds read.
A failed read is shared too: each kind then reports it as its own error.
"""

from __future__ import annotations

from typing import Any

from bot.scan.scanners.base import ScanContext

PAGE_SIZE = 100  # the API maximum; AWS's default for endpoints is 10


def search_endpoints(ctx: ScanContext) -> list[dict[str, Any]]:
    """Full InService endpoint records, 100 a call, with variants and tags."""
    pages = ctx.clients("sagemaker").get_paginator("search").paginate(
        Resource="Endpoint",
        SearchExpression={
            "Filters": [{"Name": "EndpointStatus", "Operator": "Equals", "Value": "InService"}]
        },
        MaxResults=PAGE_SIZE,
    )
    return [r["Endpoint"] for page in pages for r in page.get("Results", []) if "Endpoint" in r]


def shared_endpoints(ctx: ScanContext) -> list[dict[str, Any]]:
    """The account-region's InService endpoints, searched once per scan."""
    return ctx.shared.once("endpoints", lambda: search_endpoints(ctx))


def shared_endpoint_config(ctx: ScanContext, name: str) -> dict[str, Any]:
    """DescribeEndpointConfig once per distinct name per scan (a ValidationException — the
    config was deleted under a running endpoint — is remembered and raised to every asker)."""
    sm = ctx.clients("sagemaker")
    return ctx.shared.once(
        f"endpoint-config:{name}", lambda: sm.describe_endpoint_config(EndpointConfigName=name)
    )
