"""CreateEndpointConfig parameters from a DescribeEndpointConfig answer: a restore recreates a
deleted config from one, a resize clones the running one with another instance type or count.

The fields come from botocore's own model of CreateEndpointConfig, so every field the API accepts
(DataCaptureConfig, AsyncInferenceConfig, KmsKeyId, VpcConfig, MetricsConfig, …) is carried over,
including ones added after this was written; read-only fields (the ARN, CreationTime) are not.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session


@cache
def create_fields() -> tuple[str, ...]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    return tuple(model.operation_model("CreateEndpointConfig").input_shape.members)


def config_create_params(
    described: dict[str, Any], name: str, tags: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """`described` is a DescribeEndpointConfig answer; `name` the config to create; `tags` the
    source config's tags (DescribeEndpointConfig does not carry them: ListTags does)."""
    params = {
        k: described[k] for k in create_fields() if described.get(k) not in (None, {}, [])
    }
    params["EndpointConfigName"] = name
    if tags:
        params["Tags"] = tags
    return params
