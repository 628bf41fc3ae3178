"""Batched CloudWatch reads for per-variant endpoint metrics.

Why this shape:
- `ListMetrics` only lists series that received data in the last 14 days, so a series it does not
  list needs no query at all (its sum is 0). moto lists one entry per datapoint, AWS one per
  series: de-duplicate.
- `GetMetricData` takes at most 500 queries a call; every query Id must match
  `^[a-z][a-zA-Z0-9_]*$` and be unique within the call (moto accepts violations AWS rejects).
- Real CloudWatch matches a metric's *exact* dimension set, moto matches subsets: always query
  `EndpointName` **and** `VariantName`.
- Never `SEARCH()`/`METRICS()` expressions: moto answers them with nothing, which would make every
  endpoint look idle in tests.
- Inference-component endpoints publish `Invocations` per component with the single dimension
  `InferenceComponentName`; such a series is keyed `(endpoint, "inference-component:<name>")` so
  one Series type carries both (a variant name cannot contain a colon).
- One period as long as the lookback gives (about) one datapoint per series; every value
  returned is summed anyway, since CloudWatch may split the window at period boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

MAX_QUERIES_PER_CALL = 500
QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
ENDPOINT_NAMESPACE = "AWS/SageMaker"
INVOCATIONS = "Invocations"
VARIANT_DIMENSIONS = ("EndpointName", "VariantName")
HOUR_SECONDS = 3600

COMPONENT_DIMENSION = "InferenceComponentName"
COMPONENT_PREFIX = "inference-component:"

Series = tuple[str, str]  # (endpoint name, variant name or COMPONENT_PREFIX + component name)


def component_series(endpoint: str, component: str) -> Series:
    return endpoint, f"{COMPONENT_PREFIX}{component}"


def endpoint_series(endpoint: str) -> Series:
    """A series with the EndpointName dimension alone (async endpoints' backlog metrics)."""
    return endpoint, ""


def component_of(series: Series) -> str | None:
    _, variant = series
    return variant.removeprefix(COMPONENT_PREFIX) if variant.startswith(COMPONENT_PREFIX) else None


def series_dimensions(series: Series) -> list[dict[str, str]]:
    """The exact dimension set CloudWatch stores the series under."""
    component = component_of(series)
    if component is not None:
        return [{"Name": COMPONENT_DIMENSION, "Value": component}]
    endpoint, variant = series
    if not variant:
        return [{"Name": "EndpointName", "Value": endpoint}]
    return [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]


class MetricDataError(Exception):
    """A query came back neither Complete nor PartialData: its sum is unknown, not zero."""

    operation_name = "GetMetricData"


def chunked(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def query_id(index: int) -> str:
    """`q0`, `q1`, …: valid and unique within a call however odd the endpoint names are."""
    return f"q{index}"


def list_invocation_series(
    cloudwatch: Any, metric_name: str = INVOCATIONS, namespace: str = ENDPOINT_NAMESPACE
) -> tuple[set[Series], set[str]]:
    """(endpoint, variant) series and inference-component names of `metric_name` with data in
    the last 14 days, from one ListMetrics walk.

    Series whose dimension set is neither exactly EndpointName + VariantName nor exactly
    InferenceComponentName are skipped: they are other aggregations (per instance, per
    container) and would not answer an exact-dimension query anyway.
    """
    series: set[Series] = set()
    components: set[str] = set()
    pages = cloudwatch.get_paginator("list_metrics").paginate(
        Namespace=namespace, MetricName=metric_name
    )
    for page in pages:
        for metric in page.get("Metrics", []):
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            if set(dims) == set(VARIANT_DIMENSIONS):
                series.add((dims["EndpointName"], dims["VariantName"]))
            elif set(dims) == {COMPONENT_DIMENSION}:
                components.add(dims[COMPONENT_DIMENSION])
    return series, components


def list_variant_series(
    cloudwatch: Any, metric_name: str = INVOCATIONS, namespace: str = ENDPOINT_NAMESPACE
) -> set[Series]:
    """Every (endpoint, variant) series of `metric_name` with data in the last 14 days."""
    return list_invocation_series(cloudwatch, metric_name, namespace)[0]


def variant_query(
    index: int, series: Series, metric_name: str, period_seconds: int, stat: str = "Sum"
) -> dict:
    return {
        "Id": query_id(index),
        "MetricStat": {
            "Metric": {
                "Namespace": ENDPOINT_NAMESPACE,
                "MetricName": metric_name,
                "Dimensions": series_dimensions(series),
            },
            "Period": period_seconds,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def lookback_period_seconds(start: datetime, end: datetime) -> int:
    """The whole window as one period, rounded up to whole minutes (Period must be a multiple
    of 60 for standard-resolution metrics)."""
    seconds = max(60, int((end - start).total_seconds()))
    return -(-seconds // 60) * 60


def _fetch_variant_metric(
    cloudwatch: Any,
    series: Iterable[Series],
    start: datetime,
    end: datetime,
    metric_name: str,
    period: int,
    stat: str = "Sum",
) -> Iterator[tuple[Series, list[datetime], list[float]]]:
    """Every datapoint of every requested series: ⌈series/500⌉ calls plus NextToken pages.

    A query that comes back neither Complete nor PartialData raises: its values are unknown.
    """
    for batch in chunked(sorted(set(series)), MAX_QUERIES_PER_CALL):
        queries = [variant_query(i, s, metric_name, period, stat) for i, s in enumerate(batch)]
        by_id = dict(zip((q["Id"] for q in queries), batch, strict=False))
        params: dict[str, Any] = {
            "MetricDataQueries": queries,
            "StartTime": start,
            "EndTime": end,
        }
        while True:
            page = cloudwatch.get_metric_data(**params)
            for result in page.get("MetricDataResults", []):
                status = result.get("StatusCode", "Complete")
                if status not in ("Complete", "PartialData"):
                    messages = "; ".join(m.get("Value", "") for m in result.get("Messages", []))
                    raise MetricDataError(
                        f"{metric_name} for {by_id[result['Id']]} came back {status}: {messages}"
                    )
                yield by_id[result["Id"]], list(result.get("Timestamps", [])), list(result.get("Values", []))
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token


def sum_variant_metric(
    cloudwatch: Any,
    series: Iterable[Series],
    start: datetime,
    end: datetime,
    metric_name: str = INVOCATIONS,
) -> dict[Series, float]:
    """Sum of `metric_name` per series over [start, end): ⌈series/500⌉ calls plus NextToken pages.

    Every requested series is in the answer; a series with no datapoints sums to 0.0.
    """
    wanted = sorted(set(series))
    # Minute-aligned windows are served faster; flooring both ends keeps the period exact.
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    period = lookback_period_seconds(start, end)
    sums: dict[Series, float] = {s: 0.0 for s in wanted}
    for key, _, values in _fetch_variant_metric(cloudwatch, wanted, start, end, metric_name, period):
        sums[key] += float(sum(values))
    return sums


def peak_variant_metric(
    cloudwatch: Any, series: Iterable[Series], start: datetime, end: datetime, metric_name: str
) -> dict[Series, float]:
    """Highest value (statistic Maximum) of a gauge per series over [start, end); 0.0 without
    datapoints. For gauges such as ApproximateBacklogSize, whose documented statistics are
    Average, Max and Min (a Sum of a gauge adds samples, it counts nothing)."""
    wanted = sorted(set(series))
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    period = lookback_period_seconds(start, end)
    peaks: dict[Series, float] = {s: 0.0 for s in wanted}
    for key, _, values in _fetch_variant_metric(cloudwatch, wanted, start, end, metric_name, period, "Maximum"):
        peaks[key] = max([peaks[key], *map(float, values)])
    return peaks


def hourly_variant_metric(
    cloudwatch: Any,
    series: Iterable[Series],
    start: datetime,
    end: datetime,
    metric_name: str = INVOCATIONS,
) -> dict[Series, dict[datetime, float]]:
    """Hourly sums of `metric_name` per series over [start, end), keyed by the hour's start (UTC).

    168 datapoints per series for a week: 500 series a call stay well under GetMetricData's
    100,800 datapoints. Hours without a datapoint are absent (no traffic).
    """
    wanted = sorted(set(series))
    start = start.replace(minute=0, second=0, microsecond=0)
    end = end.replace(minute=0, second=0, microsecond=0)
    hours: dict[Series, dict[datetime, float]] = {s: {} for s in wanted}
    for key, stamps, values in _fetch_variant_metric(cloudwatch, wanted, start, end, metric_name, HOUR_SECONDS):
        for stamp, value in zip(stamps, values, strict=False):
            hour = stamp.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            hours[key][hour] = hours[key].get(hour, 0.0) + float(value)
    return hours
