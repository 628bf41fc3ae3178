"""Hosting advice: table tests of the pure arithmetic for each kind, and the one-recommendation-
per-variant rule, on inputs shaped like real SageMaker and CloudWatch answers."""

from __future__ import annotations

import pytest

from bot.models import FindingKind as K
from bot.scan.instance_specs import load_instance_specs
from bot.scan.pricing import PriceTable, load_prices
from bot.scan.scanners.hosting_advice import SERVERLESS_MEMORY_GB, advise, serverless_price_key
from bot.scan.scanners.hosting_findings import hosting_findings

from .hosting_fixtures import HOURS, PYTORCH_GPU, flat, fleet_of, metrics_for, variant

SPECS = load_instance_specs()
M5_XL = 0.23  # us-east-1 hosting, bundled table


def with_serverless_price(usd_per_gb_second: float | None = 0.00002) -> PriceTable:
    """The bundled table with us-east-1's serverless rates replaced (None: no serverless prices)."""
    table = load_prices()
    prices = {r: dict(c) for r, c in table.prices.items()}
    rate = usd_per_gb_second or 0.0
    per_size = {serverless_price_key(gb): gb * rate for gb in SERVERLESS_MEMORY_GB} if rate else {}
    prices["us-east-1"] = {**prices["us-east-1"], "serverless": per_size}
    return PriceTable(prices=prices, source=table.source, generated_at=table.generated_at)


def run(settings, *pairs, prices=None, **kw):
    return advise(fleet_of(*pairs, **kw), SPECS, prices or load_prices(), "us-east-1", settings)


def only(result, kind=None):
    recs = [a for a in result.recommendations if kind is None or a.kind is kind]
    assert len(recs) == 1, recs
    return recs[0]


# --- overprovisioned-endpoint ----------------------------------------------------------------

FEWER = [
    # (case, count, cpu summed over 4 vCPUs, memory %, advised count or None)
    ("cpu 30% of one instance over 4 instances", 4, 120.0, 10.0, 2),
    ("memory binds above cpu", 4, 40.0, 45.0, 3),
    ("busy enough: no advice", 2, 300.0, 20.0, None),
    ("exactly at target keeps the count", 2, 240.0, 10.0, None),
    ("never below the floor", 3, 4.0, 1.0, 1),
]


@pytest.mark.parametrize("case,count,cpu,memory,advised", FEWER, ids=[c[0] for c in FEWER])
def test_fewer_instances_follow_n_prime(settings, case, count, cpu, memory, advised):
    v = variant("ep", "ml.m5.xlarge", count, image="my-own-image:1")
    result = run(settings, (v, metrics_for(v, cpu=cpu, memory=memory)))
    recs = [a for a in result.recommendations if a.evidence.get("advised_count") != count]
    if advised is None:
        assert [a for a in recs if a.kind is K.OVERPROVISIONED_ENDPOINT] == []
        return
    a = only(result, K.OVERPROVISIONED_ENDPOINT)
    assert a.evidence["n_prime"] == advised
    assert a.saving_usd == round((count - advised) * M5_XL * 730, 2)


def test_utilisation_is_normalised_by_vcpu_count(settings):
    # 120 % summed over 4 vCPUs is 30 % of the instance: 4 → ⌈4 × 0.3 / 0.6⌉ = 2
    v = variant("ep", "ml.m5.xlarge", 4, image="own:1")
    a = only(run(settings, (v, metrics_for(v, cpu=120.0))), K.OVERPROVISIONED_ENDPOINT)
    assert a.evidence["u"] == 0.3
    assert a.evidence["binding_resource"] == "cpu"


def test_one_instance_moves_to_the_smallest_size_that_fits(settings):
    # m5.4xlarge (16 vCPU, 64 GiB) at 10 % CPU and 10 % memory: m5.xlarge gives 40 %/40 % ≤ 60 %;
    # m5.large would give 80 %.
    v = variant("ep", "ml.m5.4xlarge", 1, image="own:1")
    a = only(run(settings, (v, metrics_for(v, cpu=160.0, memory=10.0))), K.OVERPROVISIONED_ENDPOINT)
    assert a.evidence["advised_type"] == "ml.m5.xlarge"
    assert a.saving_usd == round((0.922 - 0.23) * 730, 2)


def test_an_autoscaled_variant_is_right_sized_on_size_only(settings):
    v = variant("ep", "ml.m5.4xlarge", 4, image="own:1", autoscaling={"min": 1, "max": 4})
    a = only(run(settings, (v, metrics_for(v, cpu=160.0, memory=10.0))))
    assert a.kind is K.OVERPROVISIONED_ENDPOINT
    assert (a.evidence["advised_count"], a.evidence["advised_type"]) == (4, "ml.m5.xlarge")


def test_a_gpu_size_needs_the_same_gpu_model_and_enough_gpus(settings):
    # g5.12xlarge: 4 × A10G. GPU 90 % summed (≈ one GPU at 90 %) needs 2 GPUs at t = 0.6, and
    # every single-GPU g5 is too small: the smaller size is not offered.
    v = variant("ep", "ml.g5.12xlarge", 1, image="own:1")
    result = run(settings, (v, metrics_for(v, cpu=100.0, memory=5.0, gpu=90.0, gpu_memory=40.0)))
    assert [a for a in result.recommendations if a.kind is K.OVERPROVISIONED_ENDPOINT] == []


def test_a_gpu_variant_using_one_device_lightly_moves_to_a_single_gpu_size(settings):
    v = variant("ep", "ml.g5.12xlarge", 1, image="own:1")
    a = only(run(settings, (v, metrics_for(v, cpu=100.0, memory=5.0, gpu=40.0, gpu_memory=40.0))))
    assert a.kind is K.OVERPROVISIONED_ENDPOINT
    assert a.evidence["advised_type"] == "ml.g5.xlarge"


def test_no_utilisation_data_means_not_assessed(settings):
    v = variant("ep", "ml.m5.xlarge", 4)
    result = run(settings, (v, metrics_for(v, invocations=flat(10))))
    assert result.recommendations == []
    assert result.not_assessed == {"ep": "no utilisation metrics in 14 days"}


def test_an_unknown_instance_type_is_not_assessed(settings):
    v = variant("ep", "ml.x9.huge", 4)
    result = run(settings, (v, metrics_for(v, cpu=10.0)))
    assert result.not_assessed == {"ep": "no spec or price for ml.x9.huge"}


def test_a_saving_under_the_minimum_is_not_reported(settings):
    # 2 → 1 m5.large saves 0.115 × 730 = $83.95; a $100 minimum drops it.
    v = variant("ep", "ml.m5.large", 2, image="own:1")
    pair = (v, metrics_for(v, cpu=20.0, memory=10.0))
    assert only(run(settings, pair)).saving_usd == 83.95
    assert run(settings.model_copy(update={"min_saving_usd": 100}), pair).recommendations == []


# --- endpoint-without-autoscaling -------------------------------------------------------------


def test_hourly_need_follows_the_busiest_hour(settings):
    # 4 instances; one busy hour at 100, the other 335 hours at 10: those need ⌈4 × 10/100⌉ = 1.
    v = variant("ep", "ml.m5.xlarge", 4, image="own:1")
    traffic = {**flat(10.0), HOURS[3]: 100.0}
    result = run(settings, (v, metrics_for(v, cpu=350.0, memory=70.0, invocations=traffic)))
    a = only(result, K.ENDPOINT_WITHOUT_AUTOSCALING)
    mean_surplus = (335 * 3 + 0) / 336
    assert a.saving_usd == round(mean_surplus * M5_XL * 730, 2)
    assert a.evidence["busiest_hour_invocations"] == 100.0
    assert a.evidence["hourly_profile"]["hours"] == 336


def test_an_hour_without_a_datapoint_counts_as_no_traffic(settings):
    v = variant("ep", "ml.m5.xlarge", 2, image="own:1")
    a = only(run(settings, (v, metrics_for(v, cpu=350.0, memory=70.0, invocations={HOURS[0]: 50.0}))))
    assert a.kind is K.ENDPOINT_WITHOUT_AUTOSCALING
    assert a.evidence["mean_needed_instances"] == round((2 + 335) / 336, 2)


@pytest.mark.parametrize("count,autoscaling", [(1, None), (3, {"min": 1, "max": 3})])
def test_single_instance_or_autoscaled_variants_get_no_autoscaling_advice(settings, count, autoscaling):
    v = variant("ep", "ml.m5.xlarge", count, image="own:1", autoscaling=autoscaling)
    traffic = {**flat(1.0), HOURS[3]: 100.0}
    result = run(settings, (v, metrics_for(v, cpu=350.0, memory=70.0, invocations=traffic)))
    assert [a for a in result.recommendations if a.kind is K.ENDPOINT_WITHOUT_AUTOSCALING] == []


def test_the_smaller_saving_is_listed_as_an_alternative(settings):
    v = variant("ep", "ml.m5.xlarge", 4, image="own:1")
    traffic = {**flat(10.0), HOURS[3]: 100.0}
    a = only(run(settings, (v, metrics_for(v, cpu=120.0, memory=10.0, invocations=traffic))))
    assert a.kind is K.ENDPOINT_WITHOUT_AUTOSCALING  # 2.99 instances saved beats 2
    assert [alt["kind"] for alt in a.evidence["alternatives"]] == ["overprovisioned-endpoint"]


# --- serverless-candidate ---------------------------------------------------------------------


def test_a_quiet_cpu_endpoint_is_a_serverless_candidate(settings):
    # m5.xlarge (16 GiB) peaking at 10 % memory needs 1.6 GB → 2 GB; 36 requests/hour of 0.2 s.
    v = variant("ep", "ml.m5.xlarge", 1, image="own:1")
    m = metrics_for(v, cpu=300.0, memory=10.0, invocations=flat(36.0), latency_us=200_000)
    a = only(run(settings, (v, m), prices=with_serverless_price()))
    assert a.kind is K.SERVERLESS_CANDIDATE
    estimate = a.evidence["serverless_estimate"]
    assert (estimate["memory_gb"], estimate["duration_seconds"]) == (2, 0.2)
    monthly = 36 * 730 * 0.2 * 2 * 0.00002
    assert a.saving_usd == round(M5_XL * 730 - monthly, 2)
    assert "cold start" in a.evidence["warning"]


def test_more_than_six_gigabytes_is_not_a_serverless_candidate(settings):
    v = variant("ep", "ml.m5.xlarge", 1, image="own:1")
    m = metrics_for(v, cpu=300.0, memory=45.0, invocations=flat(36.0), latency_us=200_000)
    result = run(settings, (v, m), prices=with_serverless_price())
    assert [a for a in result.recommendations if a.kind is K.SERVERLESS_CANDIDATE] == []


def test_without_a_serverless_price_there_is_no_serverless_advice(settings):
    v = variant("ep", "ml.m5.xlarge", 1, image="own:1")
    m = metrics_for(v, cpu=300.0, memory=10.0, invocations=flat(36.0), latency_us=200_000)
    assert run(settings, (v, m), prices=with_serverless_price(None)).recommendations == []


def test_the_bundled_price_table_prices_a_serverless_candidate(settings):
    # The table as shipped (ServerlessInf:Mem-2GB, per second), not a hand-made one.
    v = variant("ep", "ml.m5.xlarge", 1, image="own:1")
    m = metrics_for(v, cpu=300.0, memory=10.0, invocations=flat(36.0), latency_us=200_000)
    a = only(run(settings, (v, m), prices=load_prices()))
    assert a.kind is K.SERVERLESS_CANDIDATE
    per_second = load_prices().prices["us-east-1"]["serverless"]["Mem-2GB"]
    assert a.evidence["serverless_estimate"]["usd_per_second"] == per_second
    assert a.evidence["serverless_estimate"]["monthly_usd"] == round(36 * 730 * 0.2 * per_second, 2)


def test_the_serverless_price_is_the_one_for_the_memory_size_needed(settings):
    # 45 % of 8 GiB (m5.large) is 3.6 GB → the 4 GB rate, not the 1 GB one scaled.
    table = with_serverless_price()
    table.prices["us-east-1"]["serverless"]["Mem-4GB"] = 0.00005
    v = variant("ep", "ml.m5.large", 1, image="own:1")
    m = metrics_for(v, cpu=150.0, memory=45.0, invocations=flat(36.0), latency_us=200_000)
    estimate = only(run(settings, (v, m), prices=table), K.SERVERLESS_CANDIDATE).evidence["serverless_estimate"]
    assert (estimate["memory_gb"], estimate["usd_per_second"]) == (4, 0.00005)


# --- multi-model-candidate ---------------------------------------------------------------------


def test_three_quiet_endpoints_on_one_image_and_type_become_one_group(settings):
    pairs = []
    for name in ("a", "b", "c"):
        v = variant(name, "ml.m5.xlarge", 2)
        pairs.append((v, metrics_for(v, cpu=40.0, memory=20.0)))  # u = 0.2 each
    result = run(settings, *pairs)
    a = only(result, K.MULTI_MODEL_CANDIDATE)
    # k = ⌈(2 × 0.2) × 3 / 0.6⌉ = 2; 6 − 2 = 4 instances saved
    assert a.evidence["consolidated_instances"] == 2
    assert a.saving_usd == round(4 * M5_XL * 730, 2)
    assert [m["endpoint"] for m in a.evidence["members"]] == ["a", "b", "c"]
    assert [r.kind for r in result.recommendations] == [K.MULTI_MODEL_CANDIDATE]


def test_a_group_carries_its_combined_hourly_profile(settings):
    pairs = []
    for name, per_hour in (("a", 10.0), ("b", 20.0), ("c", 30.0)):
        v = variant(name, "ml.m5.xlarge", 2)
        pairs.append((v, metrics_for(v, cpu=40.0, memory=20.0, invocations=flat(per_hour))))
    a = only(run(settings, *pairs), K.MULTI_MODEL_CANDIDATE)
    assert a.evidence["hourly_profile"]["max"] == 60.0
    assert a.evidence["n_prime"] == a.evidence["consolidated_instances"] == 2


def test_two_endpoints_are_not_a_group(settings):
    pairs = []
    for name in ("a", "b"):
        v = variant(name, "ml.m5.xlarge", 1)
        pairs.append((v, metrics_for(v, cpu=40.0, memory=20.0)))
    assert [a for a in run(settings, *pairs).recommendations if a.kind is K.MULTI_MODEL_CANDIDATE] == []


def test_an_image_multi_model_endpoints_do_not_serve_is_not_grouped(settings):
    pairs = []
    for name in ("a", "b", "c"):
        v = variant(name, "ml.m5.xlarge", 1, image="123.dkr.ecr.us-east-1.amazonaws.com/my-own:1")
        pairs.append((v, metrics_for(v, cpu=40.0, memory=20.0)))
    assert [a for a in run(settings, *pairs).recommendations if a.kind is K.MULTI_MODEL_CANDIDATE] == []


# --- inferentia-candidate ----------------------------------------------------------------------


def test_a_pytorch_g5_moves_to_the_cheapest_inf2_with_enough_memory(settings):
    # g5.2xlarge ($1.515, 24 GB) busy on GPU: inf2.xlarge ($0.99, 32 GB) is 35 % cheaper.
    v = variant("ep", "ml.g5.2xlarge", 2, image=PYTORCH_GPU)
    a = only(run(settings, (v, metrics_for(v, cpu=400.0, memory=50.0, gpu=55.0, gpu_memory=55.0))))
    assert a.kind is K.INFERENTIA_CANDIDATE
    assert a.evidence["advised_type"] == "ml.inf2.xlarge"
    assert a.saving_usd == round((1.515 - 0.99) * 2 * 730, 2)
    assert "AWS Neuron" in a.evidence["warning"]


def test_less_than_thirty_percent_cheaper_is_no_inferentia_advice(settings):
    # g5.xlarge at $1.408 vs inf2.xlarge at $0.99 is 29.7 % cheaper.
    v = variant("ep", "ml.g5.xlarge", 1, image=PYTORCH_GPU)
    result = run(settings, (v, metrics_for(v, cpu=300.0, memory=50.0, gpu=55.0, gpu_memory=55.0)))
    assert [a for a in result.recommendations if a.kind is K.INFERENTIA_CANDIDATE] == []


# --- findings ------------------------------------------------------------------------------------


def test_each_kind_reports_only_its_own_recommendations(ctx):
    v = variant("ep", "ml.m5.xlarge", 4, image="own:1", tags={"team": "fraud"})
    fleet = fleet_of((v, metrics_for(v, cpu=120.0, memory=10.0)))
    over = hosting_findings(ctx, K.OVERPROVISIONED_ENDPOINT, fleet, SPECS)
    assert [(f.kind, f.name, f.instance_count) for f in over] == [(K.OVERPROVISIONED_ENDPOINT, "ep", 4)]
    assert over[0].est_monthly_cost_usd == round(4 * M5_XL * 730, 2)
    assert over[0].owner() == "fraud"
    assert hosting_findings(ctx, K.ENDPOINT_WITHOUT_AUTOSCALING, fleet, SPECS) == []


def test_a_protected_member_makes_the_group_protected(ctx):
    pairs = []
    for name in ("a", "b", "c"):
        tags = {"sm-cost-bot:protect": "1"} if name == "b" else {}
        v = variant(name, "ml.m5.xlarge", 2, tags=tags)
        pairs.append((v, metrics_for(v, cpu=40.0, memory=20.0)))
    [group] = hosting_findings(ctx, K.MULTI_MODEL_CANDIDATE, fleet_of(*pairs), SPECS)
    assert group.protected is True
    assert group.name.startswith("multi-model sagemaker-scikit-learn")
