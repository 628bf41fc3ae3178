"""Action buttons through the real Bolt app: signed clicks in, Web API calls out (the stand-in
records them), moto behind. Authorisation failures change nothing and are audited."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from bot.actions.models import RequestState, Vote
from bot.actions.store import RequestStore
from bot.aws.session import ClientFactory, RegionClients
from bot.config import Settings
from bot.demo.moto_fleet import MotoFleet
from bot.models import Finding, FindingKind, ResourceType, ScanResult
from bot.services import Services
from reports.findings import item_blocks
from reports.ids import ActionId
from tests.fakes.action_world import APPROVERS, OUTSIDER, REQUESTER, CallCounter, action_settings

S = RequestState
ACCOUNT, REGION = "123456789012", "us-east-1"
CHANNEL = "C0COSTS"
DIGEST_TS = "1700000100.000100"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return action_settings(tmp_path / "bot.db", approver_group="S0GROUP")


@pytest.fixture
def counter() -> CallCounter:
    return CallCounter()


@pytest.fixture
def client_factory(moto_server: str, counter: CallCounter) -> ClientFactory:
    return counter.factory()


@pytest.fixture
def fleet(client_factory: ClientFactory) -> MotoFleet:
    return MotoFleet(clients=RegionClients(client_factory, REGION))


def finding(resource_type: ResourceType, name: str, kind: FindingKind, cost: float) -> Finding:
    return Finding(
        kind=kind, resource_type=resource_type, name=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{resource_type}/{name}",
        account_id=ACCOUNT, region=REGION, est_monthly_cost_usd=cost,
        est_monthly_savings_usd=cost, reason="idle for 3 d", detected_at=datetime.now(UTC),
    )


def digest_with(services: Services, *findings: Finding) -> dict[str, Any]:
    """A stored scan and the digest message showing its items, as Slack would send it back."""
    services.store.save_scan(
        ScanResult(generated_at=datetime.now(UTC), findings=list(findings)), scope_key=services.scope_key()
    )
    blocks = [b.to_dict() for f in findings for b in item_blocks(f)]
    return {"type": "message", "ts": DIGEST_TS, "text": "SageMaker waste digest", "blocks": blocks}


def send(bolt_app, request) -> int:
    return bolt_app.dispatch(request.bolt_request()).status


def requests_of(services: Services) -> RequestStore:
    return RequestStore(services.store)


def open_stop_request(fleet, services, bolt_app, signed, slack_api) -> tuple[Finding, dict[str, Any]]:
    fleet.notebook("nb-1")
    nb = finding(ResourceType.NOTEBOOK_INSTANCE, "nb-1", FindingKind.IDLE_NOTEBOOK, 36.5)
    message = digest_with(services, nb)
    assert send(bolt_app, signed.click(
        ActionId.STOP, nb.key, user=REQUESTER, message=message, channel=CHANNEL
    )) == 200
    posted = slack_api.wait_for("chat.postMessage")[0].params
    slack_api.wait_for("chat.update")  # the digest item's mark: the click's last step
    return nb, posted


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        e["action_id"]: e for b in blocks if b.get("type") == "actions" for e in b["elements"]
    }


def test_a_stop_click_posts_a_request_in_the_thread_and_marks_the_item(
    fleet, services, bolt_app, signed, slack_api
) -> None:
    nb, posted = open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    assert (request.state, request.requester, request.est_monthly_cost_usd) == (S.REQUESTED, REQUESTER, 36.5)
    assert (posted["channel"], posted["thread_ts"]) == (CHANNEL, DIGEST_TS)
    assert f"<@{REQUESTER}>" in posted["text"] and "stop notebook nb-1" in posted["text"]
    assert {k: v["value"] for k, v in buttons(posted["blocks"]).items()} == {
        ActionId.APPROVE: str(request.id), ActionId.REJECT: str(request.id)
    }
    item = [c.params for c in slack_api.wait_for("chat.update") if c.params["ts"] == DIGEST_TS][-1]
    assert buttons(item["blocks"]) == {}  # the item's buttons gave way to the mark
    assert any(f"requested by <@{REQUESTER}>" in str(b) for b in item["blocks"])


def test_an_approver_click_stops_the_notebook_and_updates_both_messages(
    fleet, services, bolt_app, signed, slack_api, counter
) -> None:
    _, posted = open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    slack_api.reset()
    send(bolt_app, signed.click(
        ActionId.APPROVE, str(request.id), user=APPROVERS[0], channel=CHANNEL,
        message={"type": "message", "ts": "1700000200.000001", "thread_ts": DIGEST_TS,
                 "text": posted["text"], "blocks": posted["blocks"]},
    ))
    reply = slack_api.wait_for("chat.postMessage")[0].params
    assert "stopped notebook nb-1" in reply["text"]
    assert requests_of(services).get(request.id).state is S.SUCCEEDED
    assert counter.calls["StopNotebookInstance"] == 1
    sm = fleet.clients("sagemaker")
    assert sm.describe_notebook_instance(NotebookInstanceName="nb-1")["NotebookInstanceStatus"] == "Stopped"
    updates = [c.params for c in slack_api.calls_to("chat.update")]
    final_request = [u for u in updates if u["ts"] != DIGEST_TS][-1]
    assert "done" in final_request["text"] and buttons(final_request["blocks"]) == {}
    final_item = [u for u in updates if u["ts"] == DIGEST_TS][-1]
    assert any(f"approved by <@{APPROVERS[0]}>" in str(b) for b in final_item["blocks"])


@pytest.mark.parametrize(
    "user, told",
    [
        (OUTSIDER, "you are not an approver for this action"),
        (REQUESTER, "someone else has to approve it"),
    ],
)
def test_a_click_without_the_right_is_told_why_changes_nothing_and_is_audited(
    fleet, services, bolt_app, signed, slack_api, counter, settings, user, told
) -> None:
    if user == REQUESTER:  # the requester is an approver too: only self-approval stops them
        settings.approvers.append(REQUESTER)
    open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    send(bolt_app, signed.click(ActionId.APPROVE, str(request.id), user=user, channel=CHANNEL))
    notice = slack_api.wait_for("chat.postEphemeral")[0].params
    assert (notice["user"], told in notice["text"]) == (user, True)
    assert requests_of(services).get(request.id).state is S.REQUESTED
    assert requests_of(services).votes(request.id) == []
    assert counter.calls["StopNotebookInstance"] == 0
    denied = [e for e in requests_of(services).audit_for(request.id) if e.event == "approve-denied"]
    assert [e.actor for e in denied] == [user]


def test_a_member_of_the_approver_group_may_approve(
    fleet, services, bolt_app, signed, slack_api
) -> None:
    slack_api.usergroup_members["S0GROUP"] = ["UGROUPMEMBER"]
    open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    slack_api.reset()
    send(bolt_app, signed.click(ActionId.APPROVE, str(request.id), user="UGROUPMEMBER", channel=CHANNEL))
    slack_api.wait_for("chat.postMessage")
    assert requests_of(services).get(request.id).state is S.SUCCEEDED
    assert [c.params["usergroup"] for c in slack_api.calls_to("usergroups.users.list")] == ["S0GROUP"]


@pytest.mark.parametrize(
    ("forgery", "expected_reason"),
    [
        ({"secret": "not-the-signing-secret"}, "signature does not match"),
        ({"timestamp": time.time() - 600}, "stale or missing timestamp"),
    ],
    ids=["wrong-secret", "stale-timestamp"],
)
def test_a_forged_or_stale_approval_gets_401_changes_nothing_and_is_audited(
    fleet, services, bolt_app, signed, slack_api, http_app, counter, forgery, expected_reason
) -> None:
    open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    before = len(requests_of(services).audit_for(request.id))
    response = signed.click(
        ActionId.APPROVE, str(request.id), user=APPROVERS[0], channel=CHANNEL, **forgery
    ).post(http_app)
    assert response.status_code == 401
    assert requests_of(services).votes(request.id) == []
    assert requests_of(services).get(request.id).state is S.REQUESTED
    assert len(requests_of(services).audit_for(request.id)) == before
    assert counter.calls["StopNotebookInstance"] == 0
    rejected = [e for e in requests_of(services).audit_since(services.clock() - timedelta(minutes=5))
                if e.event == "request-rejected"]
    assert [(e.actor, e.action, e.outcome) for e in rejected] == [
        (f"unverified:{APPROVERS[0]}", ActionId.APPROVE.value, "rejected")
    ]
    assert rejected[0].detail == f"Slack signature rejected: {expected_reason}"


def test_a_deleted_endpoint_is_restored_through_the_same_approval_flow(
    fleet, services, bolt_app, signed, slack_api
) -> None:
    fleet.endpoint("ep-1")
    ep = finding(ResourceType.ENDPOINT, "ep-1", FindingKind.UNUSED_ENDPOINT, 167.9)
    send(bolt_app, signed.click(
        ActionId.DELETE, ep.key, user=REQUESTER, channel=CHANNEL, message=digest_with(services, ep)
    ))
    request_message = slack_api.wait_for("chat.postMessage")[0].params
    slack_api.wait_for("chat.update")
    approve = buttons(request_message["blocks"])[ActionId.APPROVE]
    assert approve["confirm"]["confirm"]["text"] == "Approve"  # destructive: Slack asks first
    delete = requests_of(services).all()[0]
    send(bolt_app, signed.click(ActionId.APPROVE, str(delete.id), user=APPROVERS[0], channel=CHANNEL))
    slack_api.wait_for("chat.postMessage", 2)
    sm = fleet.clients("sagemaker")
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == []
    message_ts = requests_of(services).get(delete.id).message_ts
    result = [c.params for c in slack_api.calls_to("chat.update") if c.params["ts"] == message_ts][-1]
    assert buttons(result["blocks"])[ActionId.RESTORE]["value"] == str(delete.id)

    send(bolt_app, signed.click(ActionId.RESTORE, str(delete.id), user=REQUESTER, channel=CHANNEL))
    restore_message = slack_api.wait_for("chat.postMessage", 3)[2].params
    assert restore_message["thread_ts"] == DIGEST_TS
    restore = requests_of(services).get(int(buttons(restore_message["blocks"])[ActionId.APPROVE]["value"]))
    assert (restore.action, restore.restore_of) == ("restore-endpoint", delete.id)
    send(bolt_app, signed.click(ActionId.APPROVE, str(restore.id), user=APPROVERS[1], channel=CHANNEL))
    slack_api.wait_for("chat.postMessage", 4)
    assert requests_of(services).get(restore.id).state is S.SUCCEEDED
    assert sm.describe_endpoint(EndpointName="ep-1")["EndpointStatus"] == "InService"


def test_sm_approvals_lists_what_the_caller_may_approve(
    fleet, services, bolt_app, signed, slack_api
) -> None:
    open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    send(bolt_app, signed.command("/sm-approvals", user=APPROVERS[0]))
    send(bolt_app, signed.command("/sm-approvals", user=OUTSIDER))
    answers = [c.params for c in slack_api.wait_for("response_url", 2)]
    mine = [a for a in answers if "1 request waiting" in a["text"]]
    assert len(mine) == 1 and f"#{request.id} stop notebook nb-1" in mine[0]["text"]
    assert [a["text"] for a in answers if a is not mine[0]] == ["Nothing is waiting for your approval."]


def test_sm_audit_shows_recent_actions(fleet, services, bolt_app, signed, slack_api) -> None:
    open_stop_request(fleet, services, bolt_app, signed, slack_api)
    send(bolt_app, signed.command("/sm-audit", "3", user=OUTSIDER))
    answer = slack_api.wait_for("response_url")[0].params
    assert "last 3 days" in answer["text"]
    assert f"<@{REQUESTER}> requested" in str(answer["blocks"])


def test_sm_audit_explains_a_bad_argument(services, bolt_app, signed, slack_api) -> None:
    response = bolt_app.dispatch(signed.command("/sm-audit", "lots").bolt_request())
    assert "Usage: `/sm-audit [days]`" in response.body


class Crash(BaseException):
    """The process dies mid-request (nothing in the bot catches a BaseException)."""


def test_after_a_crash_start_up_recovery_finishes_and_updates_the_messages(
    fleet, services, bolt_app, signed, slack_api, counter, settings, slack_client, monkeypatch
) -> None:
    from bot.actions import executor
    from bot.actions.messages import recover_on_start
    from bot.aws import actions
    from bot.services import build_services
    from bot.storage.store import Store

    open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    real_perform = actions.perform

    def perform_then_die(*args: Any, **kwargs: Any) -> Any:
        real_perform(*args, **kwargs)
        raise Crash

    monkeypatch.setattr(actions, "perform", perform_then_die)
    with pytest.raises(Crash):  # the click's lazy work, run here so the crash is ours to see
        executor.vote_and_run(services, request.id, APPROVERS[0], Vote.APPROVE, APPROVERS)
    monkeypatch.setattr(actions, "perform", real_perform)
    assert requests_of(services).get(request.id).state is S.EXECUTING
    slack_api.reset()

    restarted = build_services(settings, clients=counter.factory(), store=Store(settings.db_path))
    outcomes = recover_on_start(restarted, slack_client)
    assert [(o.request_id, o.state, o.code) for o in outcomes] == [(request.id, S.SUCCEEDED, "reconciled")]
    assert counter.calls["StopNotebookInstance"] == 1
    updated = [c.params for c in slack_api.calls_to("chat.update")]
    assert {u["ts"] for u in updated} == {requests_of(restarted).get(request.id).message_ts, DIGEST_TS}
    assert "not re-run" in slack_api.calls_to("chat.postMessage")[0].params["text"]


def test_the_expiry_sweep_expires_overdue_requests_and_says_so_on_both_messages(
    fleet, services, bolt_app, signed, slack_api, slack_client
) -> None:
    import dataclasses
    from datetime import timedelta

    from bot.actions.messages import EXPIRY_JOB_ID, expire_and_refresh
    from bot.runtime.scheduler import build_scheduler

    open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    slack_api.reset()
    assert expire_and_refresh(services, slack_client) == []  # not yet due
    later = dataclasses.replace(services, clock=lambda: request.expires_at + timedelta(seconds=1))
    assert [r.id for r in expire_and_refresh(later, slack_client)] == [request.id]
    assert requests_of(services).get(request.id).state is S.EXPIRED
    updates = {c.params["ts"]: c.params for c in slack_api.calls_to("chat.update")}
    assert set(updates) == {requests_of(services).get(request.id).message_ts, DIGEST_TS}
    assert all("expired" in str(u["blocks"]) for u in updates.values())
    assert build_scheduler(services, slack_client).get_job(EXPIRY_JOB_ID) is not None


def test_a_click_in_an_ephemeral_listing_posts_the_request_in_the_digest_thread(
    fleet, services, bolt_app, signed, slack_api
) -> None:
    from bot.digest.store import DigestItem, record_items, record_post

    fleet.notebook("nb-1")
    nb = finding(ResourceType.NOTEBOOK_INSTANCE, "nb-1", FindingKind.IDLE_NOTEBOOK, 36.5)
    digest_with(services, nb)
    digest_id = record_post(
        services.store, scan_id=None, channel="C0DIGEST", ts="1700000300.000300",
        finding_count=1, est_monthly_savings_usd=36.5, now=datetime.now(UTC),
    )
    record_items(services.store, digest_id, [DigestItem(
        finding_key=nb.key, scan_id=None, channel="C0DIGEST", ts="1700000300.000300",
        thread_ts=None, block_id="item:x",
    )])
    click = signed.click(ActionId.STOP, nb.key, user=REQUESTER, channel="D0DM")
    # the listing is ephemeral: Slack sends no message with the click
    payload = json.loads(parse_qs(click.body)["payload"][0])
    payload.pop("message")
    payload["container"]["is_ephemeral"] = True
    assert send(bolt_app, signed.payload(payload)) == 200
    posted = slack_api.wait_for("chat.postMessage")[0].params
    assert (posted["channel"], posted["thread_ts"]) == ("C0DIGEST", "1700000300.000300")


def test_fifty_simultaneous_approve_clicks_over_http_stop_the_notebook_once(
    fleet, services, bolt_app, signed, slack_api, http_app, counter, settings
) -> None:
    import threading

    crowd = [f"UCROWD{i:03d}" for i in range(50)]
    settings.approvers.extend(crowd)
    open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    clicks = [signed.click(ActionId.APPROVE, str(request.id), user=u, channel=CHANNEL) for u in crowd]
    barrier = threading.Barrier(len(clicks))
    statuses: list[int] = []

    def click(signed_request) -> None:
        barrier.wait()
        statuses.append(signed_request.post(http_app).status_code)

    threads = [threading.Thread(target=click, args=(c,)) for c in clicks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 50
    told = slack_api.wait_for("chat.postEphemeral", 49)
    slack_api.wait_for("chat.postMessage", 2)  # the request, then the one result reply
    assert counter.calls["StopNotebookInstance"] == 1
    assert all("already approved by" in c.params["text"] for c in told)
    assert len(requests_of(services).votes(request.id)) == 1
    assert requests_of(services).get(request.id).state is S.SUCCEEDED


def test_auto_stop_at_next_stop_is_approved_remembered_and_can_be_undone(
    fleet, services, bolt_app, signed, slack_api, counter
) -> None:
    fleet.notebook("nb-1")
    nb = finding(ResourceType.NOTEBOOK_INSTANCE, "nb-1", FindingKind.IDLE_NOTEBOOK, 36.5)
    message = digest_with(services, nb)
    assert {ActionId.AUTO_STOP, ActionId.AUTO_STOP_RESTART} <= set(buttons(message["blocks"]))
    send(bolt_app, signed.click(
        ActionId.AUTO_STOP, nb.key, user=REQUESTER, message=message, channel=CHANNEL
    ))
    posted = slack_api.wait_for("chat.postMessage")[0].params
    assert "install auto-stop on notebook nb-1" in posted["text"]
    request = requests_of(services).all()[0]
    assert (request.action, request.params["restart_now"]) == ("install-auto-stop", False)
    send(bolt_app, signed.click(ActionId.APPROVE, str(request.id), user=APPROVERS[0], channel=CHANNEL))
    reply = slack_api.wait_for("chat.postMessage", 2)[1].params
    assert "attached when a scan next sees it Stopped" in reply["text"]
    assert counter.calls["StopNotebookInstance"] == 0  # nobody chose a restart
    sm = fleet.clients("sagemaker")
    assert sm.describe_notebook_instance(NotebookInstanceName="nb-1")["NotebookInstanceStatus"] == "InService"
    message_ts = requests_of(services).get(request.id).message_ts
    result = [c.params for c in slack_api.calls_to("chat.update") if c.params["ts"] == message_ts][-1]
    assert buttons(result["blocks"])[ActionId.UNDO]["value"] == str(request.id)

    send(bolt_app, signed.click(ActionId.UNDO, str(request.id), user=REQUESTER, channel=CHANNEL))
    told = slack_api.wait_for("chat.postEphemeral")[0].params
    assert "still waiting for nb-1 to stop: cancelled" in told["text"]
