"""Application Auto Scaling for SageMaker endpoint variants: which variants autoscale already.

A variant autoscales when a scalable target exists for `sagemaker:variant:DesiredInstanceCount`
on `endpoint/<endpoint>/variant/<variant>` (service namespace `sagemaker`). One paginated
DescribeScalableTargets pass per account-region answers for every endpoint.
"""

from __future__ import annotations

from typing import Any

from bot.aws.metrics import Series

NAMESPACE = "sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
PAGE_SIZE = 50  # the API maximum


def resource_id(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


def series_of(resource: str) -> Series | None:
    """`endpoint/<name>/variant/<variant>` → (name, variant); names cannot contain '/'."""
    parts = resource.split("/")
    if len(parts) != 4 or parts[0] != "endpoint" or parts[2] != "variant":
        return None
    return parts[1], parts[3]


def scalable_variants(autoscaling: Any) -> dict[Series, dict[str, Any]]:
    """Every SageMaker variant with a scalable target, with its Min/MaxCapacity."""
    targets: dict[Series, dict[str, Any]] = {}
    pages = autoscaling.get_paginator("describe_scalable_targets").paginate(
        ServiceNamespace=NAMESPACE, ScalableDimension=DIMENSION,
        PaginationConfig={"PageSize": PAGE_SIZE},
    )
    for page in pages:
        for target in page.get("ScalableTargets", []):
            series = series_of(target.get("ResourceId", ""))
            if series is not None and target.get("ScalableDimension") == DIMENSION:
                targets[series] = {
                    "min": target.get("MinCapacity"), "max": target.get("MaxCapacity"),
                }
    return targets
