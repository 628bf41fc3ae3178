"""unused-endpoint: table tests of the pure judgement, the scan on moto over HTTP with decoys,
request counts from moto's recorder, and the error paths through the fan-out."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from bot.demo.moto_fleet import MotoRecorder
from bot.models import FindingKind
from bot.scan.fanout import run_scan
from bot.scan.pricing import PriceTable, load_prices
from bot.scan.scanners import unused_endpoints as ue

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=10)
PROTECT = "sm-cost-bot:protect"



def endpoint(name: str, *variants: dict[str, Any], created: datetime = OLD, **extra: Any) -> dict:
    return {
        "EndpointName": name,
        "EndpointArn": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name}",
        "EndpointConfigName": f"{name}-config",
        "EndpointStatus": extra.pop("status", "InService"),
        "CreationTime": created,
        "ProductionVariants": list(variants) or [instances("AllTraffic", 1)],
        "Tags": [{"Key": k, "Value": v} for k, v in extra.pop("tags", {}).items()],
        **extra,
    }


def instances(variant: str, count: int) -> dict:
    return {"VariantName": variant, "CurrentInstanceCount": count, "DesiredInstanceCount": count}


def serverless(variant: str, provisioned: int | None = None) -> dict:
    config: dict[str, Any] = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    if provisioned:
        config["ProvisionedConcurrency"] = provisioned
    return {"VariantName": variant, "CurrentServerlessConfig": config}


def config_for(ep: dict, types: dict[str, str] | None = None, **extra: Any) -> dict:
    variants = [
        {
            "VariantName": v["VariantName"],
            "ModelName": f"{ep['EndpointName']}-model",
            "InstanceType": (types or {}).get(v["VariantName"], "ml.m5.xlarge"),
        }
        for v in ep["ProductionVariants"]
    ]
    return {"EndpointConfigName": ep["EndpointConfigName"], "ProductionVariants": variants, **extra}


def judge(ctx, endpoints, invocations=None, configs=None):
    configs = configs if configs is not None else {e["EndpointConfigName"]: config_for(e) for e in endpoints}
    return ue.find_unused_endpoints(ctx, endpoints, invocations or {}, configs)


def hourly(*hours_ago: int, value: float = 5.0) -> dict:
    return {NOW.replace(minute=0) - timedelta(hours=h): value for h in hours_ago}


def test_an_endpoint_used_within_the_week_is_not_unused(ctx):
    ep = endpoint("ep")
    assert judge(ctx, [ep], {("ep", "AllTraffic"): 0.0}) != []
    weekly = {("ep", "AllTraffic"): hourly(70)}
    assert ue.find_unused_endpoints(ctx, [ep], {("ep", "AllTraffic"): 0.0}, {"ep-config": config_for(ep)}, weekly) == []


def test_traffic_older_than_the_week_leaves_the_endpoint_unused(ctx):
    ep = endpoint("ep")
    weekly = {("ep", "AllTraffic"): hourly(24 * 7 + 1)}
    [finding] = ue.find_unused_endpoints(ctx, [ep], {("ep", "AllTraffic"): 0.0}, {"ep-config": config_for(ep)}, weekly)
    assert finding.name == "ep"


def test_a_lookback_of_a_week_or_more_needs_no_weekly_check(ctx):
    ctx.settings = ctx.settings.model_copy(update={"endpoint_lookback_hours": 24 * 8})
    ep = endpoint("ep")
    weekly = {("ep", "AllTraffic"): hourly(70)}  # cannot happen with 0 in 8 days; ignored anyway
    [finding] = ue.find_unused_endpoints(ctx, [ep], {}, {"ep-config": config_for(ep)}, weekly)
    assert finding.evidence["summary"] == "0 invocations in 192 h"


CASES = [
    ("idle with one instance", [endpoint("ep")], {("ep", "AllTraffic"): 0.0}, ["ep"]),
    ("idle without any metric series", [endpoint("ep")], {}, ["ep"]),
    ("traffic inside the window", [endpoint("ep")], {("ep", "AllTraffic"): 3.0}, []),
    (
        "traffic on one variant of two",
        [endpoint("ep", instances("a", 1), instances("b", 1))],
        {("ep", "a"): 0.0, ("ep", "b"): 12.0},
        [],
    ),
    (
        "traffic on a variant since replaced",
        [endpoint("ep", instances("new", 1))],
        {("ep", "old"): 5.0},
        [],
    ),
    ("younger than the lookback", [endpoint("ep", created=NOW - timedelta(hours=47))], {}, []),
    ("exactly as old as the lookback", [endpoint("ep", created=NOW - timedelta(hours=48))], {}, ["ep"]),
    ("scaled to zero", [endpoint("ep", instances("AllTraffic", 0))], {}, []),
    ("serverless without provisioned concurrency", [endpoint("ep", serverless("AllTraffic"))], {}, []),
    ("serverless with provisioned concurrency", [endpoint("ep", serverless("AllTraffic", 2))], {}, ["ep"]),
    ("not InService", [endpoint("ep", status="Updating")], {}, []),
    ("another endpoint's traffic", [endpoint("ep"), endpoint("ep2")], {("ep2", "AllTraffic"): 1.0}, ["ep"]),
]


@pytest.mark.parametrize(("case", "endpoints", "invocations", "flagged"), CASES, ids=[c[0] for c in CASES])
def test_which_endpoints_are_unused(ctx, case, endpoints, invocations, flagged):
    assert [f.name for f in judge(ctx, endpoints, invocations)] == flagged


def test_an_asynchronous_endpoint_is_never_called_unused_for_lack_of_invocations(ctx):
    ep = endpoint("ep-async")
    configs = {"ep-async-config": config_for(ep, AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://b/"}})}
    assert judge(ctx, [ep], {}, configs) == []


def test_an_endpoint_whose_config_could_not_be_read_is_not_judged(ctx):
    assert judge(ctx, [endpoint("ep")], {}, configs={}) == []


def test_cost_is_hosting_price_times_730_hours_times_instances_summed_over_variants(ctx):
    ep = endpoint("ep", instances("a", 2), instances("b", 1), instances("c", 0))
    [finding] = judge(ctx, [ep], {}, {"ep-config": config_for(ep, {"a": "ml.m5.xlarge", "b": "ml.c5.large"})})
    assert finding.est_monthly_cost_usd == round(0.23 * 730 * 2 + 0.102 * 730 * 1, 2)
    assert finding.est_monthly_savings_usd == finding.est_monthly_cost_usd
    assert (finding.instance_type, finding.instance_count) == ("ml.c5.large, ml.m5.xlarge", 3)
    assert "2 × ml.m5.xlarge + 1 × ml.c5.large" in finding.reason


def test_an_unknown_instance_type_gives_a_null_cost_not_zero(ctx):
    ep = endpoint("ep")
    [finding] = judge(ctx, [ep], {}, {"ep-config": config_for(ep, {"AllTraffic": "ml.x9.mega"})})
    assert finding.est_monthly_cost_usd is None
    assert finding.est_monthly_savings_usd is None
    assert "price unknown" in finding.evidence["price_note"]


def test_provisioned_concurrency_has_no_price_in_the_table_so_its_cost_is_null(ctx):
    [finding] = judge(ctx, [endpoint("ep", serverless("AllTraffic", 2))])
    assert finding.est_monthly_cost_usd is None
    assert "provisioned concurrency 2" in finding.reason


def test_evidence_gives_invocations_per_variant_the_lookback_and_the_age(ctx):
    ep = endpoint("ep", instances("a", 1), instances("b", 1))
    [finding] = judge(ctx, [ep], {("ep", "a"): 0.0})
    assert finding.evidence["invocations_by_variant"] == {"a": 0.0, "b": 0.0}
    assert finding.evidence["summary"] == "0 invocations in 48 h and none in the last 7 days"
    assert finding.evidence["lookback_hours"] == 48
    assert finding.evidence["endpoint_age"] == "10 d"
    assert [v["metric_series_listed"] for v in finding.evidence["variants"]] == [True, False]


def test_a_protected_endpoint_is_reported_as_protected(ctx):
    [finding] = judge(ctx, [endpoint("ep", tags={PROTECT: "yes", "team": "search"})])
    assert finding.protected is True
    assert finding.tags == {PROTECT: "yes", "team": "search"}


def test_the_lookback_comes_from_settings(ctx):
    ctx.settings = ctx.settings.model_copy(update={"endpoint_lookback_hours": 24 * 14})
    assert judge(ctx, [endpoint("ep")]) == []  # 10 days old: younger than a 14-day lookback


# --- the real scan path: moto over HTTP ---------------------------------------------------------


@pytest.fixture
def decoy_fleet(fleet, now):
    old = now - timedelta(days=7)
    fleet.endpoint("ep-traffic-days-ago", created=old)
    fleet.invocations("ep-traffic-days-ago", now - timedelta(days=3), 40)
    fleet.invocations("ep-traffic-days-ago", now - timedelta(days=6), 40)
    fleet.endpoint("ep-traffic-ten-days-ago", created=now - timedelta(days=12))
    fleet.invocations("ep-traffic-ten-days-ago", now - timedelta(days=10), 40)
    fleet.endpoint("ep-explicit-zeros", created=old, instance_count=2)
    for hours in (1, 20, 40):
        fleet.invocations("ep-explicit-zeros", now - timedelta(hours=hours), 0)
    fleet.endpoint("ep-busy", created=old)
    fleet.invocations("ep-busy", now - timedelta(hours=5), 17)
    fleet.endpoint("ep-young", created=now - timedelta(hours=20))
    fleet.endpoint("ep-serverless", created=old, serverless=True)
    fleet.endpoint("ep-serverless-pc", created=old, serverless=True, provisioned_concurrency=2)
    fleet.endpoint("ep-async", created=old, async_inference=True)
    fleet.endpoint("ep-scaled-to-zero", created=old)
    fleet.scale_variant_to_zero("ep-scaled-to-zero", "AllTraffic")
    fleet.endpoint("ep-protected", created=old, tags={PROTECT: "true", "team": "risk"})
    fleet.endpoint("ep-ab", created=old, variants=["blue", "green"])
    fleet.invocations("ep-ab", now - timedelta(hours=3), 9, variant="green")
    return fleet


def scan_endpoints(factory, settings, now, prices=None, regions=None):
    return run_scan(
        factory, settings, prices or load_prices(), now,
        regions=regions, kinds=[FindingKind.UNUSED_ENDPOINT],
    )


def test_the_scan_flags_only_idle_billable_endpoints_among_decoys(decoy_fleet, client_factory, settings, now):
    result = scan_endpoints(client_factory, settings, now)
    assert result.errors == []
    assert sorted(f.name for f in result.findings) == [
        "ep-explicit-zeros", "ep-protected", "ep-serverless-pc", "ep-traffic-ten-days-ago",
    ]
    by_name = {f.name: f for f in result.findings}
    assert by_name["ep-protected"].protected is True
    assert by_name["ep-explicit-zeros"].est_monthly_cost_usd == round(0.23 * 730 * 2, 2)
    assert by_name["ep-explicit-zeros"].evidence["variants"][0]["metric_series_listed"] is True
    assert by_name["ep-traffic-ten-days-ago"].evidence["invocations_by_variant"] == {"AllTraffic": 0.0}
    assert by_name["ep-traffic-ten-days-ago"].arn.endswith(":endpoint/ep-traffic-ten-days-ago")


def test_requests_stay_at_the_lower_bound(decoy_fleet, moto_server, client_factory, settings, now):
    recorder = MotoRecorder(moto_server)
    recorder.start()
    scan_endpoints(client_factory, settings, now)
    recorded = recorder.stop()
    calls = Counter(r.operation for r in recorded)
    assert [r.params["MaxResults"] for r in recorded if r.operation == "Search"] == [100]
    # 1 Search page, 1 ListMetrics page, 1 GetMetricData batch for the lookback and 1 hourly
    # batch for the week of idle endpoints, and a config for each idle endpoint only: the 4
    # findings, the intermittent one and the async one (whose config is what rules it out).
    assert calls == Counter(
        GetCallerIdentity=1, Search=1, ListMetrics=1, GetMetricData=2, DescribeEndpointConfig=6
    )


def test_busy_endpoints_add_no_requests(fleet, moto_server, client_factory, settings, now):
    def count_requests() -> Counter:
        recorder = MotoRecorder(moto_server)
        recorder.start()
        scan_endpoints(client_factory, settings, now)
        # GetCallerIdentity happens once per factory, whatever the fleet
        return Counter(r.operation for r in recorder.stop() if r.operation != "GetCallerIdentity")

    fleet.endpoint("ep-idle", created=now - timedelta(days=5))
    for i in range(3):
        fleet.endpoint(f"ep-busy-{i}", created=now - timedelta(days=5))
        fleet.invocations(f"ep-busy-{i}", now - timedelta(hours=1), 5)
    few = count_requests()
    for i in range(3, 40):
        fleet.endpoint(f"ep-busy-{i}", created=now - timedelta(days=5))
        fleet.invocations(f"ep-busy-{i}", now - timedelta(hours=1), 5)
    assert count_requests() == few
    assert few["DescribeEndpointConfig"] == 1


def test_an_unknown_price_is_null_through_the_scan(fleet, client_factory, settings, now):
    fleet.endpoint("ep-idle", created=now - timedelta(days=5))
    [finding] = scan_endpoints(client_factory, settings, now, prices=PriceTable(prices={})).findings
    assert finding.est_monthly_cost_usd is None


def test_access_denied_in_one_region_is_a_scan_error_and_the_other_region_still_reports(
    fleet, client_factory, settings, now
):
    fleet.endpoint("ep-idle", created=now - timedelta(days=5))
    eu = client_factory.client("sagemaker", "eu-west-1")
    with Stubber(eu) as stub:
        stub.add_client_error(
            "search", service_error_code="AccessDeniedException",
            service_message="User is not authorized to perform: sagemaker:Search", http_status_code=400,
        )
        result = scan_endpoints(client_factory, settings, now, regions=["us-east-1", "eu-west-1"])
    assert [(f.name, f.region) for f in result.findings] == [("ep-idle", "us-east-1")]
    [error] = result.errors
    assert (error.account_id, error.region, error.operation, error.code) == (
        "123456789012", "eu-west-1", "Search", "AccessDeniedException",
    )
    assert "not authorized" in error.message
    assert error.kind == FindingKind.UNUSED_ENDPOINT


def test_throttled_metrics_make_a_scan_error_never_an_idle_endpoint(fleet, client_factory, settings, now):
    fleet.endpoint("ep-idle", created=now - timedelta(days=5))
    cloudwatch = client_factory.client("cloudwatch", "us-east-1")
    with Stubber(cloudwatch) as stub:
        stub.add_client_error(
            "list_metrics", service_error_code="Throttling", service_message="Rate exceeded",
            http_status_code=400,
        )
        result = scan_endpoints(client_factory, settings, now)
    assert result.findings == []
    [error] = result.errors
    assert (error.account_id, error.region, error.operation, error.code) == (
        "123456789012", "us-east-1", "ListMetrics", "Throttling",
    )
    assert error.message == "Throttling: Rate exceeded"


def test_an_endpoint_whose_config_was_deleted_is_left_to_the_orphaned_kind(
    fleet, region_clients, client_factory, settings, now
):
    fleet.endpoint("ep-orphan", created=now - timedelta(days=5))
    region_clients("sagemaker").delete_endpoint_config(EndpointConfigName="ep-orphan-config")
    result = scan_endpoints(client_factory, settings, now)
    assert (result.findings, result.errors) == ([], [])
