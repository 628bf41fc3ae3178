"""Hosting advice for endpoints that serve traffic: pure arithmetic over a `HostingFleet`.

Five advisors each propose a saving per variant (or per group, for multi-model endpoints);
`advise` keeps one recommendation per variant — the largest saving — and lists the others in its
evidence, so a team never sees two contradictory findings for one variant. Each scanner module
then reports the recommendations of its own kind.

Conventions (README "What it finds"): utilisation metrics are the highest hourly average of the
window; CPU and GPU figures are summed over cores/devices by SageMaker and normalised here by the
instance's vCPU and GPU counts; a month is 730 h; a saving under `SMBOT_MIN_SAVING_USD` is noise.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.aws import hosting_metrics as hm
from bot.config import Settings
from bot.models import FindingKind
from bot.scan.instance_specs import InstanceSpec, family_of, same_family
from bot.scan.pricing import HOURS_PER_MONTH, PriceTable
from bot.scan.scanners.hosting_fleet import MULTI_MODEL_FRAMEWORKS, HostedVariant, HostingFleet

K = FindingKind
EPSILON = 1e-9  # 2 × 0.3 / 0.6 is 1.0000000000000002 in floating point: never round that up
SERVERLESS_MEMORY_GB = (1, 2, 3, 4, 5, 6)
SERVERLESS_MAX_CONCURRENCY = 200  # per endpoint (AWS serverless inference quotas)

def serverless_price_key(memory_gb: int) -> str:
    """prices[region]["serverless"][key]: USD per second of compute at that memory size, as the
    Price List API's usage types `ServerlessInf:Mem-4GB` name them (bot.scan.price_parsing)."""
    return f"Mem-{memory_gb}GB"

MICROSECONDS = 1_000_000  # ModelLatency is reported in microseconds
MULTI_MODEL_MIN_MEMBERS = 3
MULTI_MODEL_MAX_UTILISATION = 0.3
INFERENTIA_MIN_SAVING_FRACTION = 0.3
INFERENTIA_FROM_FAMILIES = ("g4dn", "g5", "p3")
INFERENTIA_FAMILY = "inf2"
DOCS = {
    K.SERVERLESS_CANDIDATE: "https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html",
    K.MULTI_MODEL_CANDIDATE: "https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints.html",
    K.INFERENTIA_CANDIDATE: "https://docs.aws.amazon.com/sagemaker/latest/dg/neo.html",
}


@dataclass(frozen=True)
class Advice:
    """One proposed change with its monthly saving; `members` > 1 only for multi-model groups."""

    kind: FindingKind
    members: tuple[HostedVariant, ...]
    cost_usd: float
    saving_usd: float
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def variant(self) -> HostedVariant:
        return self.members[0]


@dataclass(frozen=True)
class Profile:
    """What the window says about one variant, with its spec and price."""

    variant: HostedVariant
    spec: InstanceSpec
    hourly_usd: float
    invocations: list[float]  # one per hour of the window, 0 for an hour without a datapoint
    parts: dict[str, float]  # binding-resource candidates, each a fraction of one instance
    peak_memory_pct: float | None
    latency_seconds: float | None  # invocation-weighted average ModelLatency

    @property
    def u(self) -> float:
        return max(self.parts.values())

    @property
    def binding(self) -> str:
        return max(self.parts, key=lambda k: self.parts[k])

    @property
    def cost_usd(self) -> float:
        return self.hourly_usd * self.variant.instance_count * HOURS_PER_MONTH

    @property
    def peak_invocations(self) -> float:
        return max(self.invocations, default=0.0)


def _ceil(x: float) -> int:
    return math.ceil(x - EPSILON)


def _peak(values: dict[Any, float]) -> float | None:
    return max(values.values()) if values else None


def profile_of(
    fleet: HostingFleet, v: HostedVariant, spec: InstanceSpec, hourly_usd: float
) -> Profile | None:
    """None when the window holds no utilisation datapoint for the variant (not assessed)."""
    peaks = {
        "cpu": (_peak(fleet.values(v.series, hm.CPU)), 100.0 * spec.vcpus),
        "memory": (_peak(fleet.values(v.series, hm.MEMORY)), 100.0),
    }
    if spec.gpus:
        peaks["gpu"] = (_peak(fleet.values(v.series, hm.GPU)), 100.0 * spec.gpus)
        peaks["gpu_memory"] = (_peak(fleet.values(v.series, hm.GPU_MEMORY)), 100.0 * spec.gpus)
    parts = {name: peak / scale for name, (peak, scale) in peaks.items() if peak is not None}
    if not parts:
        return None
    by_hour = fleet.values(v.series, hm.INVOCATIONS)
    invocations = [by_hour.get(h, 0.0) for h in fleet.hours]
    latency = fleet.values(v.series, hm.MODEL_LATENCY)
    weighted = [(latency[h], by_hour.get(h, 0.0)) for h in latency if by_hour.get(h, 0.0) > 0]
    total = sum(n for _, n in weighted)
    return Profile(
        variant=v, spec=spec, hourly_usd=hourly_usd, invocations=invocations, parts=parts,
        peak_memory_pct=peaks["memory"][0],
        latency_seconds=(sum(lat * n for lat, n in weighted) / total / MICROSECONDS) if total else None,
    )


def traffic_summary(invocations: list[float]) -> dict[str, Any]:
    ordered = sorted(invocations)
    return {
        "hours": len(invocations),
        "hours_with_traffic": sum(1 for n in invocations if n > 0),
        "min": ordered[0] if ordered else 0.0,
        "median": statistics.median(ordered) if ordered else 0.0,
        "max": ordered[-1] if ordered else 0.0,
    }


def autoscaling_target(busiest_hour: float, instance_count: int, t: float) -> float:
    """The TargetValue an Enable-autoscaling action sets on SageMakerVariantInvocationsPerInstance
    (invocations per instance per minute): the busiest hour's per-instance rate × t, at least 1."""
    return max(1.0, round(busiest_hour / max(instance_count, 1) / 60 * t, 2))


def _base_evidence(p: Profile, t: float) -> dict[str, Any]:
    """What every hosting finding carries, including what its actions need (the config a resize
    clones, the busiest hour a resize is checked against, the autoscaling target)."""
    return {
        "variant": p.variant.variant,
        "endpoint_config": p.variant.config_name,
        "instance_type": p.variant.instance_type,
        "instance_count": p.variant.instance_count,
        "u": round(p.u, 4),
        "binding_resource": p.binding,
        "utilisation_peaks": {k: round(v, 4) for k, v in p.parts.items()},
        "target_utilisation": t,
        "hourly_profile": traffic_summary(p.invocations),
        "autoscaling": p.variant.autoscaling,
        "busiest_hour_invocations": p.peak_invocations,
        "advised_target_invocations_per_instance": autoscaling_target(
            p.peak_invocations, p.variant.instance_count, t
        ),
    }


def _advice(kind: FindingKind, p: Profile, saving: float, reason: str, t: float, **extra: Any) -> Advice:
    evidence = {**_base_evidence(p, t), **extra}
    if kind in DOCS:
        evidence["docs"] = DOCS[kind]
    return Advice(kind, (p.variant,), round(p.cost_usd, 2), round(saving, 2), reason, evidence)


def fewer_instances(p: Profile, settings: Settings) -> Advice | None:
    """n' = max(floor, ⌈count × u / t⌉) instances of the same type, when n' < count."""
    t, count = settings.rightsize_target_utilisation, p.variant.instance_count
    if p.variant.autoscaling:
        return None  # the count belongs to autoscaling
    needed = max(settings.rightsize_min_instances, _ceil(count * p.u / t))
    if needed >= count:
        return None
    saving = (count - needed) * p.hourly_usd * HOURS_PER_MONTH
    return _advice(
        K.OVERPROVISIONED_ENDPOINT, p, saving,
        f"Variant {p.variant.variant} peaks at {p.u:.0%} of its {count} × {p.variant.instance_type}"
        f" ({p.binding}); {needed} would stay under {t:.0%}.",
        t, n_prime=needed, advised_count=needed, advised_type=p.variant.instance_type,
    )


def fits(p: Profile, candidate: InstanceSpec, t: float) -> bool:
    """The peak, moved onto `candidate`, stays at or under t on every resource measured."""
    spec = p.spec
    scaled = {
        "cpu": spec.vcpus / candidate.vcpus,
        "memory": spec.memory_gib / candidate.memory_gib,
    }
    if spec.gpus:
        if candidate.gpu_model != spec.gpu_model or not candidate.gpus or not candidate.gpu_memory_gib:
            return False
        scaled["gpu"] = spec.gpus / candidate.gpus
        scaled["gpu_memory"] = spec.gpu_memory_gib / candidate.gpu_memory_gib
    return all(p.parts[k] * ratio <= t + EPSILON for k, ratio in scaled.items() if k in p.parts)


def smaller_size(
    p: Profile, settings: Settings, specs: dict[str, InstanceSpec], price: Callable[[str], float | None]
) -> Advice | None:
    """The cheapest size of the same family that fits, same instance count."""
    t = settings.rightsize_target_utilisation
    priced = [(price(c.instance_type), c) for c in same_family(specs, p.variant.instance_type)]
    cheaper = sorted(
        ((usd, c) for usd, c in priced if usd is not None and usd < p.hourly_usd),
        key=lambda pair: (pair[0], pair[1].instance_type),
    )
    for usd, candidate in cheaper:
        if fits(p, candidate, t):
            count = p.variant.instance_count
            saving = (p.hourly_usd - usd) * count * HOURS_PER_MONTH
            return _advice(
                K.OVERPROVISIONED_ENDPOINT, p, saving,
                f"Variant {p.variant.variant} peaks at {p.u:.0%} of {p.variant.instance_type}"
                f" ({p.binding}); {candidate.instance_type} would stay under {t:.0%}.",
                t, n_prime=count, advised_count=count, advised_type=candidate.instance_type,
            )
    return None


def without_autoscaling(p: Profile, settings: Settings) -> Advice | None:
    """2+ instances, no scalable target: hour h needs max(1, ⌈count × I_h / P⌉) instances."""
    count, peak = p.variant.instance_count, p.peak_invocations
    if p.variant.autoscaling or count < 2 or peak <= 0:
        return None
    needed = [max(1, _ceil(count * n / peak)) for n in p.invocations]
    surplus = statistics.fmean(count - n for n in needed) if needed else 0.0
    saving = surplus * p.hourly_usd * HOURS_PER_MONTH
    t = settings.rightsize_target_utilisation
    return _advice(
        K.ENDPOINT_WITHOUT_AUTOSCALING, p, saving,
        f"Variant {p.variant.variant} keeps {count} × {p.variant.instance_type} all day; traffic"
        f" needed {statistics.fmean(needed):.1f} on average (busiest hour {peak:g} invocations).",
        t, mean_needed_instances=round(statistics.fmean(needed), 2),
        advised_min_capacity=1, advised_max_capacity=count,
    )


def serverless(
    p: Profile, settings: Settings, second_usd: Callable[[int], float | None]
) -> Advice | None:
    """CPU variants whose memory fits 1–6 GB and whose traffic would cost ≤ half on serverless.

    `second_usd(memory_gb)` is the region's price per second of compute at that memory size; the
    price list bills each memory size at its own rate (which is memory × a per-GB-second rate)."""
    if p.spec.gpus or p.peak_memory_pct is None or p.latency_seconds is None:
        return None
    needed_gb = p.peak_memory_pct / 100 * p.spec.memory_gib
    memory_gb = next((size for size in SERVERLESS_MEMORY_GB if needed_gb <= size + EPSILON), None)
    if memory_gb is None:
        return None
    usd_per_second = second_usd(memory_gb)
    if usd_per_second is None:
        return None
    hours = len(p.invocations) or 1
    mean_hourly = sum(p.invocations) / hours
    monthly = mean_hourly * HOURS_PER_MONTH * p.latency_seconds * usd_per_second
    concurrency = p.peak_invocations / 3600 * p.latency_seconds
    if monthly > p.cost_usd / 2 or concurrency > SERVERLESS_MAX_CONCURRENCY:
        return None
    return _advice(
        K.SERVERLESS_CANDIDATE, p, p.cost_usd - monthly,
        f"Variant {p.variant.variant} would cost about ${monthly:,.2f} a month on serverless"
        f" inference ({memory_gb} GB) instead of ${p.cost_usd:,.2f} on {p.variant.instance_count}"
        f" × {p.variant.instance_type}.",
        settings.rightsize_target_utilisation,
        serverless_estimate={
            "memory_gb": memory_gb, "memory_needed_gb": round(needed_gb, 2),
            "mean_hourly_invocations": round(mean_hourly, 2),
            "duration_seconds": round(p.latency_seconds, 4), "usd_per_second": usd_per_second,
            "usd_per_gb_second": round(usd_per_second / memory_gb, 9),
            "peak_concurrency": round(concurrency, 2), "monthly_usd": round(monthly, 2),
        },
        warning="cold starts: the first request after an idle spell waits for a container to start",
        action="deploy a serverless endpoint config and switch the endpoint to it",
    )


def inferentia(
    p: Profile, settings: Settings, specs: dict[str, InstanceSpec], price: Callable[[str], float | None]
) -> Advice | None:
    image = (p.variant.image or "").lower()
    if family_of(p.variant.instance_type) not in INFERENTIA_FROM_FAMILIES or "neuron" in image:
        return None
    if "pytorch" not in image and "tensorflow" not in image:
        return None
    options = sorted(
        (usd, s.instance_type)
        for s in specs.values()
        if s.family == INFERENTIA_FAMILY and s.gpu_memory_gib >= p.spec.gpu_memory_gib
        and (usd := price(s.instance_type)) is not None
    )
    if not options or options[0][0] > p.hourly_usd * (1 - INFERENTIA_MIN_SAVING_FRACTION):
        return None
    usd, advised = options[0]
    saving = (p.hourly_usd - usd) * p.variant.instance_count * HOURS_PER_MONTH
    return _advice(
        K.INFERENTIA_CANDIDATE, p, saving,
        f"Variant {p.variant.variant} could run on {p.variant.instance_count} × {advised}"
        f" (AWS Inferentia2) for {1 - usd / p.hourly_usd:.0%} less.",
        settings.rightsize_target_utilisation, advised_type=advised,
        warning="requires compiling the model with AWS Neuron; validate latency first",
        action=f"compile the model with AWS Neuron and deploy it on {advised}",
    )


def multi_model_key(p: Profile) -> tuple[str, str] | None:
    v, image = p.variant, (p.variant.image or "").lower()
    if not v.image or not v.single_model or v.variants_in_endpoint != 1:
        return None
    if p.u >= MULTI_MODEL_MAX_UTILISATION or not any(f in image for f in MULTI_MODEL_FRAMEWORKS):
        return None
    return v.image, v.instance_type


def multi_model_groups(profiles: list[Profile], settings: Settings) -> list[Advice]:
    groups: dict[tuple[str, str], list[Profile]] = {}
    for p in profiles:
        key = multi_model_key(p)
        if key is not None:
            groups.setdefault(key, []).append(p)
    t, found = settings.rightsize_target_utilisation, []
    for (image, instance_type), members in sorted(groups.items()):
        if len(members) < MULTI_MODEL_MIN_MEMBERS:
            continue
        members.sort(key=lambda m: m.variant.endpoint)
        instances = sum(m.variant.instance_count for m in members)
        k = max(1, _ceil(sum(m.variant.instance_count * m.u for m in members) / t))
        hourly = members[0].hourly_usd
        saving = (instances - k) * hourly * HOURS_PER_MONTH
        cost = sum(m.cost_usd for m in members)
        found.append(Advice(
            K.MULTI_MODEL_CANDIDATE, tuple(m.variant for m in members), round(cost, 2),
            round(saving, 2),
            f"{len(members)} endpoints run {image.rsplit('/', 1)[-1]} on {instance_type} at under"
            f" {MULTI_MODEL_MAX_UTILISATION:.0%}; one multi-model endpoint on {k} instance(s)"
            f" could serve them all.",
            {
                "image": image, "instance_type": instance_type, "consolidated_instances": k, "n_prime": k,
                # every member's invocations cover the same hours of the window
                "hourly_profile": traffic_summary([sum(h) for h in zip(*(m.invocations for m in members), strict=True)]),
                "instances_now": instances, "target_utilisation": t,
                "members": [
                    {"endpoint": m.variant.endpoint, "variant": m.variant.variant,
                     "instance_count": m.variant.instance_count, "u": round(m.u, 4)}
                    for m in members
                ],
                "docs": DOCS[K.MULTI_MODEL_CANDIDATE],
                "action": "load the models into one multi-model endpoint, then delete the others",
            },
        ))
    return found


@dataclass(frozen=True)
class HostingAdvice:
    recommendations: list[Advice]
    not_assessed: dict[str, str]


def advise(
    fleet: HostingFleet, specs: dict[str, InstanceSpec], prices: PriceTable, region: str,
    settings: Settings,
) -> HostingAdvice:
    def price(instance_type: str) -> float | None:
        return prices.hourly_usd(region, "hosting", instance_type)

    def serverless_second(memory_gb: int) -> float | None:
        return prices.hourly_usd(region, "serverless", serverless_price_key(memory_gb))

    not_assessed = dict(fleet.not_assessed)
    profiles: list[Profile] = []
    for v in fleet.variants:
        spec, hourly = specs.get(v.instance_type), price(v.instance_type)
        if spec is None or hourly is None:
            not_assessed.setdefault(v.endpoint, f"no spec or price for {v.instance_type}")
            continue
        p = profile_of(fleet, v, spec, hourly)
        if p is None:
            days = settings.rightsize_lookback_days
            not_assessed.setdefault(v.endpoint, f"no utilisation metrics in {days} days")
            continue
        profiles.append(p)

    best: dict[tuple[str, str], Advice] = {}
    for p in profiles:
        options = [
            a for a in (
                fewer_instances(p, settings) or smaller_size(p, settings, specs, price),
                without_autoscaling(p, settings),
                serverless(p, settings, serverless_second),
                inferentia(p, settings, specs, price),
            ) if a is not None and a.saving_usd > 0
        ]
        if not options:
            continue
        options.sort(key=lambda a: -a.saving_usd)
        top = options[0]
        if len(options) > 1:
            others = [{"kind": str(a.kind), "saving_usd": a.saving_usd, "reason": a.reason} for a in options[1:]]
            top = Advice(top.kind, top.members, top.cost_usd, top.saving_usd, top.reason,
                         {**top.evidence, "alternatives": others})
        best[p.variant.series] = top

    recommendations = []
    for group in multi_model_groups(profiles, settings):
        own = sum(best[m.series].saving_usd for m in group.members if m.series in best)
        if group.saving_usd > own:
            for m in group.members:
                best.pop(m.series, None)
            recommendations.append(group)
    recommendations += best.values()
    keep = [a for a in recommendations if a.saving_usd >= settings.min_saving_usd]
    return HostingAdvice(keep, not_assessed)
