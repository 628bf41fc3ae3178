"""Batched CloudWatch reads: the limits AWS enforces and moto does not, checked on the wire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bot.aws.metrics import (
    MAX_QUERIES_PER_CALL,
    QUERY_ID,
    MetricDataError,
    list_variant_series,
    lookback_period_seconds,
    sum_variant_metric,
)
from bot.demo.moto_fleet import MotoRecorder

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_more_than_500_series_are_split_into_calls_of_at_most_500_valid_unique_ids(
    moto_server, fleet, region_clients, now
):
    series = [(f"ep-{i:04d}", "AllTraffic") for i in range(1203)]
    fleet.invocations_batch(
        [(ep, variant, now - timedelta(hours=1), float(i % 3)) for i, (ep, variant) in enumerate(series)]
    )
    recorder = MotoRecorder(moto_server)
    recorder.start()
    sums = sum_variant_metric(region_clients("cloudwatch"), series, now - timedelta(hours=48), now)
    calls = [r.params for r in recorder.stop() if r.operation == "GetMetricData"]

    assert [len(c["MetricDataQueries"]) for c in calls] == [500, 500, 203]
    for call in calls:
        ids = [q["Id"] for q in call["MetricDataQueries"]]
        assert len(set(ids)) == len(ids)
        assert all(QUERY_ID.match(i) for i in ids)
        assert all("Expression" not in q for q in call["MetricDataQueries"])
    assert sums[("ep-0001", "AllTraffic")] == 1.0
    assert sums[("ep-0002", "AllTraffic")] == 2.0
    assert sum(sums.values()) == sum(i % 3 for i in range(1203))


def test_queries_name_exactly_endpoint_and_variant_with_sum_over_one_lookback_period(
    moto_server, fleet, region_clients, now
):
    fleet.invocations("ep-a", now - timedelta(hours=1), 4, variant="blue")
    recorder = MotoRecorder(moto_server)
    recorder.start()
    sum_variant_metric(region_clients("cloudwatch"), [("ep-a", "blue")], now - timedelta(hours=48), now)
    [call] = [r.params for r in recorder.stop() if r.operation == "GetMetricData"]
    [query] = call["MetricDataQueries"]
    stat = query["MetricStat"]
    assert stat["Metric"]["Dimensions"] == [
        {"Name": "EndpointName", "Value": "ep-a"},
        {"Name": "VariantName", "Value": "blue"},
    ]
    assert (stat["Stat"], stat["Period"]) == ("Sum", 48 * 3600)


def test_datapoints_before_the_window_are_not_counted(fleet, region_clients, now):
    fleet.invocations("ep-a", now - timedelta(days=4), 9)
    fleet.invocations("ep-a", now - timedelta(hours=2), 3)
    sums = sum_variant_metric(
        region_clients("cloudwatch"), [("ep-a", "AllTraffic")], now - timedelta(hours=48), now
    )
    assert sums == {("ep-a", "AllTraffic"): 3.0}


def test_a_series_with_no_datapoints_sums_to_zero(moto_server, region_clients, now):
    sums = sum_variant_metric(
        region_clients("cloudwatch"), [("ep-quiet", "AllTraffic")], now - timedelta(hours=48), now
    )
    assert sums == {("ep-quiet", "AllTraffic"): 0.0}


def test_list_metrics_is_deduplicated_to_one_entry_per_endpoint_variant(fleet, region_clients, now):
    for hours in (1, 2, 3):  # moto lists one entry per datapoint
        fleet.invocations("ep-a", now - timedelta(hours=hours), 1, variant="blue")
    fleet.invocations("ep-a", now - timedelta(hours=1), 1, variant="green")
    region_clients("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "EndpointName", "Value": "ep-async"}],
                "Value": 1.0,
            }
        ],
    )
    assert list_variant_series(region_clients("cloudwatch")) == {("ep-a", "blue"), ("ep-a", "green")}


def _stubbed_cloudwatch() -> tuple[object, Stubber]:
    client = boto3.client(
        "cloudwatch",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client, Stubber(client)


def test_next_token_pages_are_followed_and_summed():
    client, stubber = _stubbed_cloudwatch()
    start = NOW - timedelta(hours=48)
    stubber.add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                {"Id": "q0", "Timestamps": [start], "Values": [2.0], "StatusCode": "PartialData"}
            ],
            "NextToken": "page-2",
        },
    )
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [{"Id": "q0", "Timestamps": [start], "Values": [5.0], "StatusCode": "Complete"}]},
        expected_params={
            "MetricDataQueries": ANY,
            "StartTime": ANY,
            "EndTime": ANY,
            "NextToken": "page-2",
        },
    )
    with stubber:
        sums = sum_variant_metric(client, [("ep-a", "AllTraffic")], start, NOW)
    stubber.assert_no_pending_responses()
    assert sums == {("ep-a", "AllTraffic"): 7.0}


def test_a_query_that_fails_is_an_error_not_a_zero():
    client, stubber = _stubbed_cloudwatch()
    stubber.add_response(
        "get_metric_data",
        {
            "MetricDataResults": [
                {
                    "Id": "q0",
                    "Values": [],
                    "StatusCode": "Forbidden",
                    "Messages": [{"Code": "Forbidden", "Value": "no access"}],
                }
            ]
        },
    )
    with stubber, pytest.raises(MetricDataError, match="Forbidden: no access"):
        sum_variant_metric(client, [("ep-a", "AllTraffic")], NOW - timedelta(hours=48), NOW)


@pytest.mark.parametrize(
    ("hours", "period_seconds"), [(48, 172800), (1, 3600), (0.001, 60), (24 * 14, 1209600)]
)
def test_the_period_spans_the_lookback_in_whole_minutes(hours, period_seconds):
    assert lookback_period_seconds(NOW - timedelta(hours=hours), NOW) == period_seconds


def test_no_series_means_no_call():
    client, stubber = _stubbed_cloudwatch()
    with stubber:
        assert sum_variant_metric(client, [], NOW - timedelta(hours=48), NOW) == {}
    assert MAX_QUERIES_PER_CALL == 500
