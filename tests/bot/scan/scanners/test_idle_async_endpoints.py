"""idle-async-endpoint: async endpoints with instances, nothing processed and nothing queued;
table tests of the rule and the scan on moto over HTTP with the async metrics AWS publishes."""

from __future__ import annotations

from datetime import timedelta

from bot.aws.metrics import endpoint_series
from bot.models import FindingKind
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import idle_async_endpoints as ia
from reports.findings import buttons
from reports.ids import ActionId
from tests.bot.scan.scanners.test_unused_endpoints import NOW, config_for, endpoint, instances

ASYNC = {"AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": "s3://bucket/out/"}}}


def judge(ctx, ep, processed=None, backlog=None, **config_extra):
    configs = {ep["EndpointConfigName"]: config_for(ep, **(ASYNC | config_extra))}
    return ia.find_idle_async_endpoints(ctx, [ep], configs, processed or {}, backlog or {})


def test_nothing_processed_and_an_empty_queue_is_idle(ctx):
    [finding] = judge(ctx, endpoint("ep", instances("AllTraffic", 2)))
    assert finding.kind == FindingKind.IDLE_ASYNC_ENDPOINT
    assert finding.est_monthly_cost_usd == round(0.23 * 730 * 2, 2)
    assert "MinCapacity 0" in finding.reason


def test_processed_requests_keep_it(ctx):
    assert judge(ctx, endpoint("ep"), processed={("ep", "AllTraffic"): 4.0}) == []


def test_a_queued_request_keeps_it(ctx):
    assert judge(ctx, endpoint("ep"), backlog={endpoint_series("ep"): 1.0}) == []


def test_an_async_endpoint_scaled_to_zero_costs_nothing_and_is_not_reported(ctx):
    assert judge(ctx, endpoint("ep", instances("AllTraffic", 0))) == []


def test_a_real_time_endpoint_is_not_this_kind(ctx):
    ep = endpoint("ep")
    configs = {"ep-config": config_for(ep)}
    assert ia.find_idle_async_endpoints(ctx, [ep], configs, {}, {}) == []


def test_younger_than_the_lookback_is_not_judged(ctx):
    assert judge(ctx, endpoint("ep", created=NOW - timedelta(hours=5))) == []


def test_only_snooze_is_offered(ctx):
    [finding] = judge(ctx, endpoint("ep"))
    assert [b.action_id for b in buttons(finding)] == [ActionId.SNOOZE.value]


def put(region_clients, metric, dims, at, value):
    region_clients("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[{
            "MetricName": metric, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            "Timestamp": at, "Value": value, "Unit": "None",
        }],
    )


def test_the_scan_reads_processed_counts_per_variant_and_the_backlog_per_endpoint(
    fleet, region_clients, client_factory, settings, now
):
    old = now - timedelta(days=5)
    for name in ("ep-async-idle", "ep-async-busy", "ep-async-queued"):
        fleet.endpoint(name, created=old, async_inference=True)
    put(region_clients, "InvocationsProcessed", {"EndpointName": "ep-async-busy", "VariantName": "AllTraffic"},
        now - timedelta(hours=2), 12)
    put(region_clients, "ApproximateBacklogSize", {"EndpointName": "ep-async-queued"}, now - timedelta(hours=1), 3)
    put(region_clients, "ApproximateBacklogSize", {"EndpointName": "ep-async-idle"}, now - timedelta(hours=1), 0)
    result = run_scan(client_factory, settings, load_prices(), now, kinds=[FindingKind.IDLE_ASYNC_ENDPOINT])
    assert result.errors == []
    assert [f.name for f in result.findings] == ["ep-async-idle"]



class RecordingCloudWatch:
    """Records the queries asked and answers every one with no datapoints."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, list[str]]] = []

    def get_metric_data(self, **params):
        queries = params["MetricDataQueries"]
        self.asked.extend(
            (q["MetricStat"]["Metric"]["MetricName"], q["MetricStat"]["Stat"],
             [d["Name"] for d in q["MetricStat"]["Metric"]["Dimensions"]])
            for q in queries
        )
        return {"MetricDataResults": [
            {"Id": q["Id"], "StatusCode": "Complete", "Timestamps": [], "Values": []} for q in queries
        ]}


def test_the_backlog_is_read_as_its_peak_and_the_processed_count_as_a_sum(ctx):
    """AWS's "Monitor asynchronous endpoint" page: ApproximateBacklogSize is a gauge (Average, Max,
    Min) with EndpointName alone; InvocationsProcessed a count (Sum) with EndpointName and
    VariantName."""
    cloudwatch = RecordingCloudWatch()
    ctx.clients = lambda service: cloudwatch
    ia.get_async_activity(ctx, [endpoint("ep")], NOW - timedelta(hours=48), NOW)
    assert sorted(cloudwatch.asked) == [
        ("ApproximateBacklogSize", "Maximum", ["EndpointName"]),
        ("InvocationsProcessed", "Sum", ["EndpointName", "VariantName"]),
    ]
