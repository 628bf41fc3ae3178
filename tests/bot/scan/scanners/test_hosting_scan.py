"""The hosting kinds end to end on moto over HTTP: one shared read per account-region, batched
metrics, decoys left alone, and request counts from moto's recorder."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from bot.aws.hosting_metrics import hourly_window
from bot.demo.moto_fleet import MotoRecorder
from bot.models import FindingKind as K
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices

HOSTING = [
    K.OVERPROVISIONED_ENDPOINT, K.ENDPOINT_WITHOUT_AUTOSCALING, K.SERVERLESS_CANDIDATE,
    K.MULTI_MODEL_CANDIDATE, K.INFERENTIA_CANDIDATE,
]
PYTORCH = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-gpu-py310"


@pytest.fixture
def hosting_fleet(fleet, now):
    start, end = hourly_window(now, 14)
    hours = [start + timedelta(hours=i) for i in range(0, 14 * 24, 6)]  # every 6th hour is enough
    old = now - timedelta(days=30)
    # 4 × m5.xlarge at 30 % CPU of one instance: 2 are enough.
    fleet.endpoint("ep-oversized", instance_count=4, created=old, image="own/model:1")
    fleet.hourly_metrics("ep-oversized", hours, {"CPUUtilization": 120.0, "MemoryUtilization": 10.0})
    every_hour = [start + timedelta(hours=i) for i in range(14 * 24)]
    fleet.hourly_metrics("ep-oversized", every_hour, {"Invocations": 50.0})  # steady: no autoscaling advice
    # Busy at its size, but one busy hour a fortnight: autoscaling.
    fleet.endpoint("ep-spiky", instance_count=3, created=old, image="own/model:1")
    fleet.hourly_metrics("ep-spiky", hours, {"CPUUtilization": 300.0, "MemoryUtilization": 70.0, "Invocations": 5.0})
    fleet.hourly_metrics("ep-spiky", [hours[4]], {"Invocations": 900.0})
    # A PyTorch g4dn? Not in the Inferentia window (inf2.xlarge is dearer); p3.2xlarge is.
    fleet.endpoint("ep-gpu", instance_type="ml.p3.2xlarge", created=old, image=PYTORCH)
    fleet.hourly_metrics("ep-gpu", hours, {
        "CPUUtilization": 500.0, "MemoryUtilization": 50.0, "GPUUtilization": 55.0,
        "GPUMemoryUtilization": 50.0, "Invocations": 100.0,
    })
    # Decoys: already autoscaled and busy; changed last week; no utilisation data; serverless.
    fleet.endpoint("ep-autoscaled", instance_count=3, created=old, image="own/model:1")
    fleet.register_autoscaling("ep-autoscaled", 3)
    fleet.hourly_metrics("ep-autoscaled", hours, {"CPUUtilization": 300.0, "MemoryUtilization": 70.0, "Invocations": 5.0})
    fleet.hourly_metrics("ep-autoscaled", [hours[4]], {"Invocations": 900.0})
    fleet.endpoint("ep-changed", instance_count=4, created=now - timedelta(days=3))
    fleet.hourly_metrics("ep-changed", hours[-4:], {"CPUUtilization": 10.0})
    fleet.endpoint("ep-no-data", instance_count=4, created=old)
    fleet.endpoint("ep-serverless", created=old, serverless=True)
    return fleet


def scan(factory, settings, now, kinds=HOSTING):
    return run_scan(factory, settings, load_prices(), now, kinds=kinds)


def test_the_scan_gives_each_busy_endpoint_one_recommendation(hosting_fleet, client_factory, settings, now):
    result = scan(client_factory, settings, now)
    assert result.errors == []
    found = {f.name: f.kind for f in result.findings}
    assert found == {
        "ep-oversized": K.OVERPROVISIONED_ENDPOINT,
        "ep-spiky": K.ENDPOINT_WITHOUT_AUTOSCALING,
        "ep-gpu": K.INFERENTIA_CANDIDATE,
    }
    by_name = {f.name: f for f in result.findings}
    assert by_name["ep-oversized"].evidence["n_prime"] == 2
    assert by_name["ep-oversized"].est_monthly_savings_usd == round(2 * 0.23 * 730, 2)
    assert by_name["ep-gpu"].evidence["advised_type"] == "ml.inf2.xlarge"


def test_one_kind_alone_reports_only_that_kind(hosting_fleet, client_factory, settings, now):
    result = scan(client_factory, settings, now, kinds=[K.ENDPOINT_WITHOUT_AUTOSCALING])
    assert [(f.kind, f.name) for f in result.findings] == [(K.ENDPOINT_WITHOUT_AUTOSCALING, "ep-spiky")]


def test_five_kinds_read_the_fleet_once_with_batched_metrics(hosting_fleet, moto_server, client_factory, settings, now):
    recorder = MotoRecorder(moto_server)
    recorder.start()
    scan(client_factory, settings, now)
    calls = Counter(r.operation for r in recorder.stop())
    # 5 endpoints old enough with instances (ep-serverless has none): 4 + 4 + 6 + 4 + 4 queries
    # fit one GetMetricData call; each distinct config is described once, and the model of each
    # instance-based variant (not ep-serverless's: nothing to advise on there).
    assert calls["Search"] == 1
    assert calls["GetMetricData"] == 1
    assert calls["DescribeScalableTargets"] == 1
    assert calls["DescribeEndpointConfig"] == 6
    assert calls["DescribeModel"] == 5


def test_endpoints_the_advice_cannot_judge_are_counted_with_their_reason(hosting_fleet, client_factory, settings, now):
    result = scan(client_factory, settings, now)
    reasons = {n.name: n.reason for n in result.not_assessed}
    assert reasons == {
        "ep-changed": "changed within the 14-day window",
        "ep-no-data": "no utilisation metrics in 14 days",
        "ep-serverless": "serverless variant",
    }
    assert result.totals.not_assessed == 3
    assert result.totals.not_assessed_reasons == {
        "changed within the 14-day window": 1, "no utilisation metrics in 14 days": 1, "serverless variant": 1,
    }


def test_not_assessed_endpoints_are_in_the_json_document(hosting_fleet, client_factory, settings, now):
    document = scan(client_factory, settings, now, kinds=[K.SERVERLESS_CANDIDATE]).to_json_dict()
    assert {"account_id": "123456789012", "region": "us-east-1", "name": "ep-serverless",
            "reason": "serverless variant"} in document["not_assessed"]
    assert document["totals"]["not_assessed"] == 3


ENDPOINT_KINDS = [*HOSTING, K.UNUSED_ENDPOINT, K.INTERMITTENT_ENDPOINT, K.ORPHANED_ENDPOINT, K.IDLE_ASYNC_ENDPOINT]


def test_idle_and_hosting_kinds_search_the_endpoints_once(hosting_fleet, moto_server, client_factory, settings, now):
    recorder = MotoRecorder(moto_server)
    recorder.start()
    result = scan(client_factory, settings, now, kinds=ENDPOINT_KINDS)
    calls = Counter(r.operation for r in recorder.stop())
    assert result.errors == []
    assert calls["Search"] == 1


def test_a_config_both_idle_and_hosting_kinds_need_is_described_once(hosting_fleet, moto_server, client_factory, settings, now):
    recorder = MotoRecorder(moto_server)
    recorder.start()
    result = scan(client_factory, settings, now, kinds=ENDPOINT_KINDS)
    described = Counter(
        r.params.get("EndpointConfigName") for r in recorder.stop() if r.operation == "DescribeEndpointConfig"
    )
    assert "ep-no-data" in {f.name for f in result.findings if f.kind is K.UNUSED_ENDPOINT}
    assert described["ep-no-data-config"] == 1


def test_deployed_images_in_search_spare_the_describe_model_of_custom_images(fleet, moto_server, client_factory, settings, now):
    old = now - timedelta(days=30)
    fleet.endpoint("ep-custom", created=old, image="own/model:1")
    fleet.deployed_images("ep-custom", "own/model:1")
    fleet.endpoint("ep-sklearn", created=old, image="683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3")
    fleet.deployed_images("ep-sklearn", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3")
    recorder = MotoRecorder(moto_server)
    recorder.start()
    scan(client_factory, settings, now)
    described = [r.params.get("ModelName") for r in recorder.stop() if r.operation == "DescribeModel"]
    # The scikit-learn container may already run in MultiModel mode: only its model says so.
    assert described == ["ep-sklearn-model"]
