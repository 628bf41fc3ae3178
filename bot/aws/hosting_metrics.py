"""Hourly endpoint metrics for right-sizing, in as few GetMetricData calls as AWS allows.

Why this shape:
- One call carries at most 500 queries **and** returns at most 100,800 datapoints, so with hourly
  data over a 14-day window (336 points a series) a call takes ⌊100800/336⌋ = 300 queries.
  Asking more makes AWS page the answer (NextToken), which is followed here too.
- Invocations and ModelLatency live in `AWS/SageMaker`; CPU, memory and GPU utilisation in
  `/aws/sagemaker/Endpoints`. Both need the exact dimension set EndpointName + VariantName.
- Utilisation is read as the hourly **Average**: a one-minute spike is no reason to keep a
  bigger instance, an hour at 90 % is. ModelLatency is in microseconds.
- Never `SEARCH()`/`METRICS()` expressions (moto answers them with nothing, which would make every
  endpoint look unused in tests), never one call per endpoint or per metric.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.aws.metrics import (
    ENDPOINT_NAMESPACE,
    MAX_QUERIES_PER_CALL,
    MetricDataError,
    Series,
    chunked,
    query_id,
)

UTILISATION_NAMESPACE = "/aws/sagemaker/Endpoints"
MAX_DATAPOINTS_PER_CALL = 100_800
HOUR_SECONDS = 3600


@dataclass(frozen=True, order=True)
class MetricQuery:
    """One hourly series: which variant, which metric, which statistic."""

    series: Series
    namespace: str
    metric: str
    stat: str


# What the hosting advisor reads per instance-based variant (GPU ones only for GPU instances).
INVOCATIONS = (ENDPOINT_NAMESPACE, "Invocations", "Sum")
MODEL_LATENCY = (ENDPOINT_NAMESPACE, "ModelLatency", "Average")
CPU = (UTILISATION_NAMESPACE, "CPUUtilization", "Average")
MEMORY = (UTILISATION_NAMESPACE, "MemoryUtilization", "Average")
GPU = (UTILISATION_NAMESPACE, "GPUUtilization", "Average")
GPU_MEMORY = (UTILISATION_NAMESPACE, "GPUMemoryUtilization", "Average")


def queries_for(series: Series, gpu: bool) -> list[MetricQuery]:
    metrics = [INVOCATIONS, MODEL_LATENCY, CPU, MEMORY] + ([GPU, GPU_MEMORY] if gpu else [])
    return [MetricQuery(series, ns, name, stat) for ns, name, stat in metrics]


def hourly_window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """[start, end) on whole hours, so every datapoint stands for one full clock hour."""
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end


def queries_per_call(start: datetime, end: datetime) -> int:
    hours = max(1, int((end - start).total_seconds() // HOUR_SECONDS))
    return max(1, min(MAX_QUERIES_PER_CALL, MAX_DATAPOINTS_PER_CALL // hours))


def _query(index: int, q: MetricQuery) -> dict[str, Any]:
    endpoint, variant = q.series
    return {
        "Id": query_id(index),
        "MetricStat": {
            "Metric": {
                "Namespace": q.namespace,
                "MetricName": q.metric,
                "Dimensions": [
                    {"Name": "EndpointName", "Value": endpoint},
                    {"Name": "VariantName", "Value": variant},
                ],
            },
            "Period": HOUR_SECONDS,
            "Stat": q.stat,
        },
        "ReturnData": True,
    }


def hourly_values(
    cloudwatch: Any, queries: Iterable[MetricQuery], start: datetime, end: datetime
) -> dict[MetricQuery, dict[datetime, float]]:
    """Datapoints per query, keyed by the hour they start; an hour without data is absent.

    ⌈queries / queries_per_call⌉ calls, plus NextToken pages when AWS splits an answer.
    """
    wanted = sorted(set(queries))
    values: dict[MetricQuery, dict[datetime, float]] = {q: {} for q in wanted}
    for batch in chunked(wanted, queries_per_call(start, end)):
        by_id = {query_id(i): q for i, q in enumerate(batch)}
        params: dict[str, Any] = {
            "MetricDataQueries": [_query(i, q) for i, q in enumerate(batch)],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        while True:
            page = cloudwatch.get_metric_data(**params)
            for result in page.get("MetricDataResults", []):
                status = result.get("StatusCode", "Complete")
                query = by_id[result["Id"]]
                if status not in ("Complete", "PartialData"):
                    messages = "; ".join(m.get("Value", "") for m in result.get("Messages", []))
                    raise MetricDataError(
                        f"{query.metric} for {query.series} came back {status}: {messages}"
                    )
                for stamp, value in zip(
                    result.get("Timestamps", []), result.get("Values", []), strict=False
                ):
                    values[query][stamp] = float(value)
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token
    return values
