"""Inference components: endpoints whose traffic is counted per component, not per variant.

An endpoint built for inference components has production variants with no `ModelName` (the
models are deployed as components onto its instances). Its `Invocations` are published with the
single dimension `InferenceComponentName`, so reading only `EndpointName` + `VariantName` series
would call a busy endpoint unused. Both the scan and the pre-delete re-check judge such an
endpoint by the sum of its components' traffic. moto has no inference-component APIs: tests
answer ListInferenceComponents through botocore's Stubber.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

PAGE_SIZE = 100  # the API maximum


def hosts_inference_components(config: dict[str, Any] | None) -> bool:
    """A production variant without ModelName only exists on an inference-component endpoint."""
    variants = (config or {}).get("ProductionVariants") or []
    return any(not v.get("ModelName") for v in variants)


def list_components(sagemaker: Any, endpoint: str) -> list[str]:
    """Names of every inference component on the endpoint, whatever its status."""
    pages = sagemaker.get_paginator("list_inference_components").paginate(
        EndpointNameEquals=endpoint, MaxResults=PAGE_SIZE
    )
    return sorted(
        c["InferenceComponentName"] for page in pages for c in page.get("InferenceComponents", [])
    )


def endpoint_components(sagemaker: Any, endpoint: str) -> tuple[str, ...]:
    """The endpoint's components when it hosts them; () for a model-per-variant endpoint, or one
    whose endpoint config was deleted (nothing says what it hosts; its variants are read)."""
    config_name = sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    try:
        config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ValidationException":
            return ()
        raise
    if not hosts_inference_components(config):
        return ()
    return tuple(list_components(sagemaker, endpoint))
