"""The reads the five hosting kinds share: endpoints, their configs and models, autoscaling
targets and hourly metrics — made once per account-region per scan (`ctx.shared`), whichever
kind asks first. The Search listing and the endpoint configs are shared with the idle-endpoint
kinds too (`endpoint_reads`): a full scan searches the endpoints once, not twice.

Request plan per account-region (E endpoints in service, C distinct configs, M distinct models,
V instance-based variants, Q ≈ 4 queries per CPU variant and 6 per GPU variant):
  Search(Endpoint) pages              ⌈E/100⌉ — variants' live counts, LastModifiedTime, tags
  DescribeEndpointConfig              C — instance type, model, async or not
  DescribeModel                       ≤ M — only models whose variant's Search record has no
                                      `DeployedImages`, or one framework container (is it already
                                      in MultiModel mode?); the image otherwise comes from Search
  DescribeScalableTargets pages       ⌈targets/50⌉ — which variants autoscale already
  GetMetricData                       ⌈Q/300⌉ over 14 days of hourly data (+ NextToken pages)
Endpoints changed inside the window are not read past Search: their metrics describe a
configuration that no longer runs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.aws import hosting_metrics as hm
from bot.aws.endpoint_scaling import scalable_variants
from bot.aws.metrics import Series
from bot.aws.session import error_code
from bot.scan.instance_specs import InstanceSpec, load_instance_specs
from bot.scan.scanners.base import ScanContext, tags_to_dict
from bot.scan.scanners.endpoint_capacity import instance_count
from bot.scan.scanners.endpoint_reads import shared_endpoint_config, shared_endpoints

PERMISSIONS: list[str] = [
    "sagemaker:Search",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:DescribeModel",
    "application-autoscaling:DescribeScalableTargets",
    "cloudwatch:GetMetricData",
]
READERS = 4
# Frameworks whose SageMaker containers serve multi-model endpoints (AWS docs, "Supported
# algorithms, frameworks, and instances for multi-model endpoints"), matched in the image name.
MULTI_MODEL_FRAMEWORKS = ("xgboost", "scikit-learn", "sklearn", "pytorch", "tensorflow", "mxnet",
                          "tritonserver")
NOT_FOUND = "ValidationException"  # how SageMaker says "Could not find endpoint configuration/model"


@dataclass(frozen=True)
class HostedVariant:
    """One instance-based production variant of an endpoint that has not changed for the window."""

    endpoint: str
    endpoint_arn: str
    variant: str
    config_name: str
    instance_type: str
    instance_count: int
    image: str | None
    single_model: bool  # one container in single-model mode: a multi-model endpoint could host it
    variants_in_endpoint: int
    last_modified: datetime
    autoscaling: dict[str, Any] | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def series(self) -> Series:
        return (self.endpoint, self.variant)


@dataclass(frozen=True)
class HostingFleet:
    variants: list[HostedVariant]
    metrics: dict[hm.MetricQuery, dict[datetime, float]]
    start: datetime
    end: datetime
    not_assessed: dict[str, str]  # endpoint → why it got no hosting advice

    def values(self, series: Series, metric: tuple[str, str, str]) -> dict[datetime, float]:
        return self.metrics.get(hm.MetricQuery(series, *metric), {})

    @property
    def hours(self) -> list[datetime]:
        count = int((self.end - self.start).total_seconds() // hm.HOUR_SECONDS)
        return [self.start + timedelta(hours=i) for i in range(count)]


def _describe_each(ctx: ScanContext, names: set[str], describe: Any, operation: str, kind: Any):
    """Each distinct name once, a few at a time; a name deleted under a running endpoint (AWS
    allows it) is reported as a partial error and left out."""

    def read(name: str) -> tuple[str, dict[str, Any] | None, Exception | None]:
        try:
            return name, describe(name), None
        except Exception as exc:
            if error_code(exc) != NOT_FOUND:
                raise
            return name, None, exc

    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="hosting") as pool:
        results = list(pool.map(read, sorted(names)))
    found = {}
    for name, answer, exc in results:
        if answer is not None:
            found[name] = answer
        elif exc is not None:
            ctx.report_error(operation, exc, kind)
    return found


def model_image(model: dict[str, Any]) -> tuple[str | None, bool]:
    """(image, single-model?) of a DescribeModel answer: inference pipelines (several
    containers) and models already in MultiModel mode cannot join a multi-model endpoint."""
    containers = [model["PrimaryContainer"]] if model.get("PrimaryContainer") else []
    containers += list(model.get("Containers") or [])
    if not containers:
        return None, False
    first = containers[0]
    single = len(containers) == 1 and first.get("Mode", "SingleModel") == "SingleModel"
    return first.get("Image"), single


def unhosted_reason(live: list[dict[str, Any]], config_variants: dict[str, dict[str, Any]]) -> str:
    """Why an endpoint has no instance-based variant to advise on."""
    serverless = any(
        v.get("CurrentServerlessConfig") or v.get("DesiredServerlessConfig")
        or config_variants.get(v["VariantName"], {}).get("ServerlessConfig")
        for v in live
    )
    if serverless:
        return "serverless variant"
    return "no instances running" if live else "no production variants"


def deployed_image(variant: dict[str, Any]) -> tuple[str | None, bool]:
    """(image, single container?) from the `DeployedImages` that Search's endpoint records carry
    per variant (one per container); (None, False) when absent (moto omits them). SpecifiedImage
    is the path given when the model was created, ResolvedImage its digest form
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeployedImage.html)."""
    images = variant.get("DeployedImages") or []
    if not images:
        return None, False
    first = images[0]
    return first.get("SpecifiedImage") or first.get("ResolvedImage"), len(images) == 1


def needs_model(variant: dict[str, Any]) -> bool:
    """Whether DescribeModel must be read for this live variant. Search's `DeployedImages` already
    name the image, so only two cases need the model: no DeployedImages at all, and one container
    of a framework that multi-model endpoints serve — whether it already runs in `MultiModel`
    mode is said only by the model (a variant that could never join a group needs no answer)."""
    image, single = deployed_image(variant)
    if image is None:
        return True
    return single and any(f in image.lower() for f in MULTI_MODEL_FRAMEWORKS)


def last_modified(endpoint: dict[str, Any]) -> datetime:
    return endpoint.get("LastModifiedTime") or endpoint["CreationTime"]


def read_hosting_fleet(ctx: ScanContext, specs: dict[str, InstanceSpec] | None = None) -> HostingFleet:
    specs = specs if specs is not None else load_instance_specs()
    start, end = hm.hourly_window(ctx.now, ctx.settings.rightsize_lookback_days)
    not_assessed: dict[str, str] = {}
    endpoints = []
    for e in shared_endpoints(ctx):
        if last_modified(e) > start:
            not_assessed[e["EndpointName"]] = (
                f"changed within the {ctx.settings.rightsize_lookback_days}-day window"
            )
        else:
            endpoints.append(e)
    sm = ctx.clients("sagemaker")
    configs = _describe_each(
        ctx, {e["EndpointConfigName"] for e in endpoints if e.get("EndpointConfigName")},
        lambda n: shared_endpoint_config(ctx, n), "DescribeEndpointConfig", None,
    )
    scaled = scalable_variants(ctx.clients("application-autoscaling")) if endpoints else {}
    hosted: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any], int]] = []  # endpoint, live, config variant, count
    for e in endpoints:
        name = e["EndpointName"]
        config = configs.get(e.get("EndpointConfigName", ""))
        if config is None:
            not_assessed[name] = "endpoint config unreadable"
            continue
        if config.get("AsyncInferenceConfig"):
            not_assessed[name] = "asynchronous endpoint (judged by its queue, not by instances)"
            continue
        by_variant = {v["VariantName"]: v for v in config.get("ProductionVariants") or []}
        live = e.get("ProductionVariants") or []
        before = len(hosted)
        for v in live:
            cv = by_variant.get(v["VariantName"], {})
            count = instance_count(v, cv)
            if count and cv.get("InstanceType"):  # else serverless or scaled to zero
                hosted.append((e, v, cv, count))
        if len(hosted) == before:
            not_assessed[name] = unhosted_reason(live, by_variant)
    models = _describe_each(
        ctx, {cv["ModelName"] for _, v, cv, _ in hosted if cv.get("ModelName") and needs_model(v)},
        lambda n: sm.describe_model(ModelName=n), "DescribeModel", None,
    )
    variants: list[HostedVariant] = []
    for e, v, cv, count in hosted:
        name = e["EndpointName"]
        model = models.get(cv.get("ModelName", ""))
        image, single = model_image(model) if model is not None else deployed_image(v)
        variants.append(
            HostedVariant(
                endpoint=name, endpoint_arn=e["EndpointArn"], variant=v["VariantName"],
                config_name=e["EndpointConfigName"], instance_type=cv["InstanceType"],
                instance_count=count, image=image, single_model=single,
                variants_in_endpoint=len(e.get("ProductionVariants") or []),
                last_modified=last_modified(e), autoscaling=scaled.get((name, v["VariantName"])),
                tags=tags_to_dict(e.get("Tags")),
            )
        )
    queries = [
        q
        for v in variants
        for q in hm.queries_for(v.series, gpu=bool(specs.get(v.instance_type, _CPU_ONLY).gpus))
    ]
    metrics = hm.hourly_values(ctx.clients("cloudwatch"), queries, start, end) if queries else {}
    return HostingFleet(variants, metrics, start, end, not_assessed)


_CPU_ONLY = InstanceSpec("unknown", 1, 1.0)


def get_hosting_fleet(ctx: ScanContext) -> HostingFleet:
    """The fleet for this account-region, read by the first hosting kind that asks."""
    return ctx.shared.once("hosting-fleet", lambda: read_hosting_fleet(ctx))
