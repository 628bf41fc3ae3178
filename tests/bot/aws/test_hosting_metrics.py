"""Hourly hosting metrics: batches within both GetMetricData limits, NextToken pages followed,
and a failed query is an error, never a quiet zero. Stubber answers are shaped by botocore's model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bot.aws import hosting_metrics as hm
from bot.aws.metrics import MetricDataError

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def cloudwatch():
    return boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_the_window_is_on_whole_hours():
    start, end = hm.hourly_window(NOW, 14)
    assert end == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert end - start == timedelta(days=14)


@pytest.mark.parametrize("days,per_call", [(14, 300), (1, 500), (63, 66)])
def test_a_call_stays_under_500_queries_and_100800_datapoints(days, per_call):
    start, end = hm.hourly_window(NOW, days)
    assert hm.queries_per_call(start, end) == per_call


def test_queries_are_batched_and_pages_followed():
    client = cloudwatch()
    start, end = hm.hourly_window(NOW, 14)
    queries = [q for i in range(80) for q in hm.queries_for((f"ep-{i}", "AllTraffic"), gpu=False)]
    stub = Stubber(client)
    ordered = sorted(set(queries))
    first, second = ordered[0], ordered[300]  # q0 of the first and of the second call
    stub.add_response("get_metric_data", {
        "MetricDataResults": [{"Id": "q0", "StatusCode": "PartialData", "Timestamps": [start], "Values": [10.0]}],
        "NextToken": "more",
    }, {"MetricDataQueries": ANY, "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending"})
    stub.add_response("get_metric_data", {
        "MetricDataResults": [{"Id": "q0", "StatusCode": "Complete", "Timestamps": [start + timedelta(hours=1)], "Values": [30.0]}],
    }, {"MetricDataQueries": ANY, "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending", "NextToken": "more"})
    stub.add_response("get_metric_data", {
        "MetricDataResults": [{"Id": "q0", "StatusCode": "Complete", "Timestamps": [start], "Values": [7.0]}],
    }, {"MetricDataQueries": ANY, "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending"})
    with stub:
        values = hm.hourly_values(client, queries, start, end)
    stub.assert_no_pending_responses()
    assert values[first] == {start: 10.0, start + timedelta(hours=1): 30.0}
    assert values[second] == {start: 7.0}
    assert len(values) == 320


def test_a_query_that_fails_is_an_error_not_zero():
    client = cloudwatch()
    start, end = hm.hourly_window(NOW, 14)
    stub = Stubber(client)
    stub.add_response("get_metric_data", {
        "MetricDataResults": [{"Id": "q0", "StatusCode": "Forbidden", "Messages": [{"Code": "Forbidden", "Value": "no"}]}],
    })
    with stub, pytest.raises(MetricDataError):
        hm.hourly_values(client, hm.queries_for(("ep", "AllTraffic"), gpu=False)[:1], start, end)
