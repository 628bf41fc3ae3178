"""Enable autoscaling from a digest item through the real Bolt app: a signed click opens the
request, an approver's click registers the scalable target (moto over HTTP), the audit records
each step, the request message gains Undo, and Undo removes the autoscaling again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.actions.models import RequestState
from bot.actions.store import RequestStore
from bot.aws.hosting_actions import resource_id
from bot.aws.session import ClientFactory, RegionClients
from bot.config import Settings
from bot.demo.moto_fleet import MotoFleet
from bot.models import FindingKind, ScanResult
from bot.services import Services
from reports.findings import item_blocks
from reports.ids import ActionId
from tests.fakes.action_world import APPROVERS, REQUESTER, action_settings
from tests.fakes.autoscaling import autoscaled_by_someone
from tests.fakes.findings import finding

S = RequestState
CHANNEL = "C0COSTS"
DIGEST_TS = "1700000100.000100"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return action_settings(tmp_path / "bot.db")


@pytest.fixture
def fleet(moto_server: str) -> MotoFleet:
    return MotoFleet(clients=RegionClients(ClientFactory(), "us-east-1"))


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in blocks if b.get("type") == "actions" for e in b["elements"]}


def send(bolt_app, request) -> int:
    return bolt_app.dispatch(request.bolt_request()).status


def scalable_targets(fleet: MotoFleet) -> list[dict]:
    return fleet.clients("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[resource_id("ep-busy", "AllTraffic")],
    )["ScalableTargets"]


def test_enable_autoscaling_is_approved_run_audited_and_undone_from_slack(
    fleet, services: Services, bolt_app, signed, slack_api
) -> None:
    fleet.endpoint("ep-busy", instance_count=3)
    ep = finding(
        "ep-busy", FindingKind.ENDPOINT_WITHOUT_AUTOSCALING, instance_type="ml.m5.xlarge",
        instance_count=3, detected_at=datetime.now(UTC),
        evidence={"variant": "AllTraffic", "endpoint_config": "ep-busy-config", "instance_count": 3,
                  "busiest_hour_invocations": 1800.0, "target_utilisation": 0.6},
    )
    services.store.save_scan(
        ScanResult(generated_at=datetime.now(UTC), findings=[ep]), scope_key=services.scope_key()
    )
    blocks = [b.to_dict() for b in item_blocks(ep)]
    assert set(buttons(blocks)) == {ActionId.AUTOSCALE, ActionId.SNOOZE}
    message = {"type": "message", "ts": DIGEST_TS, "text": "digest", "blocks": blocks}

    assert send(bolt_app, signed.click(
        ActionId.AUTOSCALE, ep.key, user=REQUESTER, message=message, channel=CHANNEL
    )) == 200
    posted = slack_api.wait_for("chat.postMessage")[0].params
    assert "enable autoscaling on endpoint ep-busy" in posted["text"]
    requests = RequestStore(services.store)
    [request] = requests.all()
    assert (request.action, request.params["max_capacity"]) == ("enable-autoscaling", 3)

    send(bolt_app, signed.click(ActionId.APPROVE, str(request.id), user=APPROVERS[0], channel=CHANNEL))
    slack_api.wait_for("chat.postMessage", 2)
    assert requests.get(request.id).state is S.SUCCEEDED
    [target] = scalable_targets(fleet)
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 3)
    events = [(e.event, e.outcome) for e in requests.audit_for(request.id)]
    assert ("aws-call", "RegisterScalableTarget") in events
    message_ts = requests.get(request.id).message_ts
    result = [c.params for c in slack_api.calls_to("chat.update") if c.params["ts"] == message_ts][-1]
    assert buttons(result["blocks"])[ActionId.UNDO]["value"] == str(request.id)

    send(bolt_app, signed.click(ActionId.UNDO, str(request.id), user=REQUESTER, channel=CHANNEL))
    undo_message = slack_api.wait_for("chat.postMessage", 3)[2].params
    assert "remove autoscaling from endpoint ep-busy" in undo_message["text"]
    undo = requests.get(int(buttons(undo_message["blocks"])[ActionId.APPROVE]["value"]))
    assert (undo.action, undo.restore_of) == ("remove-autoscaling", request.id)
    send(bolt_app, signed.click(ActionId.APPROVE, str(undo.id), user=APPROVERS[1], channel=CHANNEL))
    slack_api.wait_for("chat.postMessage", 4)
    assert requests.get(undo.id).state is S.SUCCEEDED
    assert scalable_targets(fleet) == []


def test_a_click_on_an_endpoint_that_already_autoscales_is_told_why_and_opens_nothing(
    fleet, services: Services, bolt_app, signed, slack_api
) -> None:
    fleet.endpoint("ep-busy", instance_count=3)
    autoscaled_by_someone(fleet.clients, "ep-busy", 3)
    ep = finding(
        "ep-busy", FindingKind.ENDPOINT_WITHOUT_AUTOSCALING, instance_count=3,
        evidence={"variant": "AllTraffic", "endpoint_config": "ep-busy-config", "instance_count": 3,
                  "busiest_hour_invocations": 1800.0},
    )
    services.store.save_scan(
        ScanResult(generated_at=datetime.now(UTC), findings=[ep]), scope_key=services.scope_key()
    )
    send(bolt_app, signed.click(ActionId.AUTOSCALE, ep.key, user=REQUESTER, channel=CHANNEL))
    told = slack_api.wait_for("chat.postEphemeral")[0].params
    assert "already autoscales AllTraffic" in told["text"]
    assert RequestStore(services.store).all() == []
