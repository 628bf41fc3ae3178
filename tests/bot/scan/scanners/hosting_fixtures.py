"""Builders for hosting-advice inputs: variants as the fleet reader makes them from real
Search / DescribeEndpointConfig / DescribeModel answers, and hourly metrics keyed as
GetMetricData returns them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.aws import hosting_metrics as hm
from bot.scan.scanners.hosting_fleet import HostedVariant, HostingFleet

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
START, END = hm.hourly_window(NOW, 14)
HOURS = [START + timedelta(hours=i) for i in range(14 * 24)]
PYTORCH_GPU = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-gpu-py310"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


def variant(endpoint: str, instance_type: str = "ml.m5.xlarge", count: int = 1, **extra: Any) -> HostedVariant:
    fields: dict[str, Any] = dict(
        endpoint=endpoint,
        endpoint_arn=f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{endpoint}",
        variant="AllTraffic", config_name=f"{endpoint}-config", instance_type=instance_type,
        instance_count=count, image=SKLEARN, single_model=True, variants_in_endpoint=1,
        last_modified=NOW - timedelta(days=30), autoscaling=None,
    )
    fields.update(extra)
    return HostedVariant(**fields)


def flat(value: float) -> dict[datetime, float]:
    return {h: value for h in HOURS}


def metrics_for(
    v: HostedVariant, *, cpu: float | None = None, memory: float | None = None,
    gpu: float | None = None, gpu_memory: float | None = None,
    invocations: dict[datetime, float] | None = None, latency_us: float | None = None,
) -> dict[hm.MetricQuery, dict[datetime, float]]:
    """Peak hourly averages as given (CPU and GPU summed over cores/devices, as SageMaker does)."""
    out: dict[hm.MetricQuery, dict[datetime, float]] = {}
    for metric, value in ((hm.CPU, cpu), (hm.MEMORY, memory), (hm.GPU, gpu), (hm.GPU_MEMORY, gpu_memory)):
        if value is not None:
            out[hm.MetricQuery(v.series, *metric)] = {HOURS[0]: value / 2, HOURS[5]: value}
    if invocations is not None:
        out[hm.MetricQuery(v.series, *hm.INVOCATIONS)] = invocations
    if latency_us is not None:
        out[hm.MetricQuery(v.series, *hm.MODEL_LATENCY)] = {h: latency_us for h in (invocations or {})}
    return out


def fleet_of(*pairs: tuple[HostedVariant, dict], not_assessed: dict[str, str] | None = None) -> HostingFleet:
    metrics: dict = {}
    for _, m in pairs:
        metrics.update(m)
    return HostingFleet([v for v, _ in pairs], metrics, START, END, dict(not_assessed or {}))
