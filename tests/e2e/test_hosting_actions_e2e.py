"""`sm-cost-bot run --http` enables autoscaling on an endpoint from signed clicks: the click
opens the request, the approval runs it once, and moto (over HTTP, recording) received exactly
one RegisterScalableTarget and one PutScalingPolicy."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bot.actions.models import RequestState
from bot.actions.store import RequestStore
from bot.aws.session import ClientFactory, RegionClients
from bot.demo.moto_fleet import MotoFleet
from bot.models import FindingKind, ScanResult
from bot.storage.store import Store
from reports.ids import ActionId
from tests.fakes.findings import finding

APPROVER, REQUESTER, CHANNEL = "UAPPROVER1", "UREQUESTER", "C0COSTS"


@pytest.fixture
def bot_env(bot_env):
    bot_env["SMBOT_APPROVERS"] = APPROVER
    return bot_env


@pytest.fixture
def autoscaling_calls(moto_recording):
    """Application Auto Scaling operations as moto received them (from the bot process too)."""
    return lambda operation: moto_recording(f"AnyScaleFrontendService.{operation}")


def wait_until(condition, what: str, timeout_seconds: float = 30):
    deadline = time.monotonic() + timeout_seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return value


def test_a_running_bot_enables_autoscaling_once_from_signed_clicks(
    bot_env, running_bot, autoscaling_calls, signed, slack_api
) -> None:
    url, _ = running_bot
    MotoFleet(clients=RegionClients(ClientFactory(), "us-east-1")).endpoint("ep-busy", instance_count=3)
    ep = finding(
        "ep-busy", FindingKind.ENDPOINT_WITHOUT_AUTOSCALING, instance_count=3,
        detected_at=datetime.now(UTC),
        evidence={"variant": "AllTraffic", "endpoint_config": "ep-busy-config", "instance_count": 3,
                  "busiest_hour_invocations": 1800.0, "target_utilisation": 0.6},
    )
    store = Store(bot_env["SMBOT_DB_PATH"])
    store.save_scan(ScanResult(generated_at=datetime.now(UTC), findings=[ep]), scope_key="e2e")
    requests_store = RequestStore(store)

    assert signed.click(ActionId.AUTOSCALE, ep.key, user=REQUESTER, channel=CHANNEL).post(url).status_code == 200
    [request] = wait_until(requests_store.all, "the click opened no request")
    for approver in (APPROVER, APPROVER):  # a double click runs it once
        click = signed.click(ActionId.APPROVE, str(request.id), user=approver, channel=CHANNEL)
        assert click.post(url).status_code == 200
    wait_until(lambda: requests_store.get(request.id).state is RequestState.SUCCEEDED,
               "the approved request never ran")
    assert (autoscaling_calls("RegisterScalableTarget"), autoscaling_calls("PutScalingPolicy")) == (1, 1)
