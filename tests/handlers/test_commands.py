"""Slash commands as Slack sends them: signed HTTP requests into the running HTTP-mode app."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from bot.models import FindingKind, ScanError, ScanResult
from bot.schedules.store import add_snooze
from reports.digest import limit_violations
from reports.ids import ActionId
from tests.fakes.findings import finding, many_findings

SLACK_ACK_LIMIT_SECONDS = 3.0


@pytest.fixture
def stored_scan(services):
    """A fresh scan in the store: recent_scan() answers from it without touching AWS."""

    def save(findings, errors=()):
        return services.store.save_scan(
            ScanResult(
                generated_at=datetime.now(UTC),
                regions=["us-east-1", "us-west-2"],
                accounts=["123456789012"],
                findings=list(findings),
                errors=list(errors),
            ),
            scope_key=services.scope_key(),
        )

    return save


def scan_count(services) -> int:
    return services.store.db["scans"].count


def answer_of(slack_api) -> dict:
    return slack_api.wait_for("response_url")[0].params


def test_sm_idle_acks_with_an_ephemeral_note_and_answers_through_response_url(http_app, signed, slack_api, stored_scan):
    stored_scan([finding("nb-alice"), finding("ep-1", FindingKind.UNUSED_ENDPOINT)])

    response = signed.command("/sm-idle").post(http_app)

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    answer = answer_of(slack_api)
    assert answer["response_type"] == "ephemeral"
    assert "nb-alice" in str(answer["blocks"])
    assert "ep-1" not in str(answer["blocks"])  # an endpoint is not an idle notebook


def test_the_ack_arrives_before_the_lazy_scan_finishes(http_app, signed, slack_api, services, monkeypatch):
    release = threading.Event()

    def slow_scan(*args, **kwargs):
        release.wait(20)
        return ScanResult(generated_at=datetime.now(UTC), findings=[finding("nb-late")])

    monkeypatch.setattr("bot.services.run_scan", slow_scan)
    started = time.monotonic()
    response = signed.command("/sm-idle").post(http_app)
    acked_after = time.monotonic() - started

    assert response.status_code == 200
    assert not slack_api.calls_to("response_url"), "answered before the scan could finish"
    assert acked_after < SLACK_ACK_LIMIT_SECONDS
    release.set()
    assert "nb-late" in str(answer_of(slack_api)["blocks"])


def test_the_answer_comes_from_the_cached_scan_when_it_is_recent(http_app, signed, slack_api, services, stored_scan):
    stored_scan([finding("nb-cached")])

    signed.command("/sm-idle").post(http_app)

    assert "nb-cached" in str(answer_of(slack_api)["blocks"])
    assert scan_count(services) == 1


@pytest.mark.parametrize(
    ("text", "shown", "hidden"),
    [
        ("210987654321", "nb-other-account", "nb-alice"),
        ("us-west-2", "nb-west", "nb-alice"),
        ("ALI", "nb-alice", "nb-west"),
    ],
)
def test_the_filter_narrows_by_account_region_or_name(http_app, signed, slack_api, stored_scan, text, shown, hidden):
    stored_scan(
        [
            finding("nb-alice"),
            finding("nb-west", region="us-west-2"),
            finding("nb-other-account", account_id="210987654321"),
        ]
    )

    signed.command("/sm-idle", text).post(http_app)

    blocks = str(answer_of(slack_api)["blocks"])
    assert shown in blocks
    assert hidden not in blocks


@pytest.mark.parametrize(
    ("command", "kind", "name"),
    [
        ("/sm-endpoints", FindingKind.UNUSED_ENDPOINT, "ep-quiet"),
        ("/sm-endpoints", FindingKind.OVERPROVISIONED_ENDPOINT, "ep-oversized"),
        ("/sm-endpoints", FindingKind.INFERENTIA_CANDIDATE, "ep-gpu"),
        ("/sm-spot", FindingKind.SPOT_ELIGIBLE_TRAINING_JOB, "train-nightly"),
        ("/sm-idle", FindingKind.IDLE_STUDIO_APP, "studio-bob"),
    ],
)
def test_each_listing_command_shows_its_kinds(http_app, signed, slack_api, stored_scan, command, kind, name):
    stored_scan([finding(name, kind), finding("nb-unrelated-but-listed-elsewhere", FindingKind.IDLE_NOTEBOOK)])

    signed.command(command).post(http_app)

    blocks = str(answer_of(slack_api)["blocks"])
    assert name in blocks
    if command != "/sm-idle":
        assert "nb-unrelated" not in blocks


def test_items_in_answers_carry_buttons_with_the_finding_key(http_app, signed, slack_api, stored_scan):
    item = finding("nb-alice")
    stored_scan([item])

    signed.command("/sm-idle").post(http_app)

    actions = [b for b in answer_of(slack_api)["blocks"] if b["type"] == "actions"]
    assert {e["action_id"] for e in actions[0]["elements"]} == {
        ActionId.STOP, ActionId.SCHEDULE, ActionId.SNOOZE, ActionId.AUTO_STOP, ActionId.AUTO_STOP_RESTART
    }
    assert {e["value"] for e in actions[0]["elements"]} == {item.key}


def test_sm_savings_totals_by_kind_account_and_region(http_app, signed, slack_api, stored_scan):
    stored_scan(
        [
            finding("nb-a", savings_usd=100.0),
            finding("ep-b", FindingKind.UNUSED_ENDPOINT, savings_usd=250.0, region="eu-west-1"),
            finding("nb-unpriced", savings_usd=None),
        ]
    )

    signed.command("/sm-savings").post(http_app)

    answer = answer_of(slack_api)
    assert "$350/month" in answer["text"]
    assert "1 finding unpriced" in answer["text"]
    fields = str(answer["blocks"][1]["fields"])
    assert "eu-west-1: $250/month" in fields and "us-east-1: $100/month" in fields


def test_a_long_answer_stays_within_slacks_block_limits(http_app, signed, slack_api, stored_scan):
    stored_scan(many_findings(1000))

    signed.command("/sm-idle").post(http_app)

    answer = answer_of(slack_api)
    assert len(answer["blocks"]) <= 50
    assert limit_violations(answer["blocks"]) == []
    assert "more not shown" in str(answer["blocks"][-1])


def test_scan_errors_are_shown_not_silently_dropped(http_app, signed, slack_api, stored_scan):
    # A stored scan with errors is never reused: the answer comes from a fresh scan, where moto
    # answers Studio ListApps with HTTP 500 (it lacks the API), an unreadable part like any other.
    stored_scan(
        [],
        [ScanError(account_id="123456789012", region="us-west-2", operation="ListEndpoints", code="AccessDenied", message="denied")],
    )

    signed.command("/sm-idle").post(http_app)

    blocks = str(answer_of(slack_api)["blocks"])
    assert "us-east-1: 500 on ListApps" in blocks
    assert "us-west-2: AccessDenied" not in blocks


def test_snoozed_resources_are_hidden_but_counted(http_app, signed, slack_api, services, stored_scan):
    snoozed = finding("nb-snoozed", savings_usd=40.0)
    stored_scan([snoozed, finding("nb-visible")])
    now = datetime.now(UTC)
    add_snooze(services.store, snoozed.key, snoozed_by="U0BOB", until=now + timedelta(days=7), now=now)

    signed.command("/sm-idle").post(http_app)

    blocks = str(answer_of(slack_api)["blocks"])
    assert "nb-visible" in blocks
    assert "*nb-snoozed*" not in blocks
    assert "1 snoozed item hidden" in blocks


@pytest.mark.parametrize("text", ["two words", "--verbose", "help", "<script>"])
def test_unknown_arguments_get_the_usage_and_no_scan(http_app, signed, slack_api, services, text):
    response = signed.command("/sm-idle", text).post(http_app)

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert "/sm-idle [filter]" in response.json()["text"]
    time.sleep(0.3)  # a lazy listener, if one ran, would have answered by now
    assert slack_api.calls_to("response_url") == []
    assert scan_count(services) == 0


def test_sm_help_answers_the_usage_in_the_ack(http_app, signed):
    response = signed.command("/sm-help").post(http_app)

    assert response.status_code == 200
    assert "/sm-endpoints [filter]" in response.json()["text"]


def test_a_failing_scan_answers_an_apology_without_a_trace(http_app, signed, slack_api, monkeypatch):
    def broken_scan(*args, **kwargs):
        raise RuntimeError("secret internals at line 42")

    monkeypatch.setattr("bot.services.run_scan", broken_scan)

    signed.command("/sm-idle").post(http_app)

    answer = answer_of(slack_api)
    assert answer["text"].startswith("Sorry, /sm-idle failed (ref ")
    assert "secret internals" not in answer["text"] and "Traceback" not in answer["text"]


def test_a_listener_that_raises_answers_200_with_an_ephemeral_apology(bolt_app, http_app, signed):
    @bolt_app.command("/sm-broken")
    def broken(ack):
        raise RuntimeError("secret internals")

    response = signed.command("/sm-broken").post(http_app)

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert "secret internals" not in response.text


@pytest.mark.parametrize("how", ["wrong secret", "stale timestamp"])
def test_a_bad_or_stale_signature_gets_401_and_nothing_happens(http_app, signed, slack_api, services, how):
    if how == "wrong secret":
        request = signed.command("/sm-idle", secret="not-the-secret")
    else:
        request = signed.command("/sm-idle", timestamp=time.time() - 6 * 60)

    response = request.post(http_app)

    assert response.status_code == 401
    time.sleep(0.3)
    assert slack_api.calls_to("response_url") == []
    assert scan_count(services) == 0


def test_a_tampered_body_gets_401(http_app, signed):
    request = signed.command("/sm-idle")
    request.body = request.body.replace("sm-idle", "sm-spot")

    assert request.post(http_app).status_code == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=not-json", "application/x-www-form-urlencoded"),
        ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
        ("[1, 2]", "application/json"),
        ("{not json", "application/json"),
        ("&&&", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_payloads_get_400_and_the_server_keeps_answering(http_app, signed, body, content_type):
    response = signed.sign(body, content_type).post(http_app)

    assert 400 <= response.status_code < 500
    assert signed.command("/sm-help").post(http_app).status_code == 200


def test_a_body_that_is_not_utf8_gets_400(http_app):
    response = requests.post(f"{http_app}/slack/events", data=b"\xff\xfe\x00", timeout=10)

    assert response.status_code == 400


def test_health_check_and_wrong_routes(http_app):
    assert requests.get(f"{http_app}/healthz", timeout=10).json() == {"ok": True}
    assert requests.get(f"{http_app}/slack/events", timeout=10).status_code == 405
    assert requests.post(f"{http_app}/elsewhere", timeout=10).status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "actions": "not-a-list"},
        {"type": "block_actions", "actions": [None]},
        {"type": "view_submission", "view": None},
        {"type": "event_callback", "event": None},
    ],
)
def test_signed_payloads_missing_what_slack_always_sends_get_400_not_500(http_app, signed, payload):
    response = signed.payload(payload).post(http_app)

    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert signed.command("/sm-help").post(http_app).status_code == 200


def test_many_people_asking_during_one_slow_scan_are_all_acked_and_share_it(http_app, signed, slack_api, services, monkeypatch):
    """Waiting answers must not hold the threads the next command's ack needs."""
    release = threading.Event()
    scans = []

    def slow_scan(*args, **kwargs):
        scans.append(1)
        release.wait(30)
        return ScanResult(generated_at=datetime.now(UTC), findings=[finding("nb-shared")])

    monkeypatch.setattr("bot.services.run_scan", slow_scan)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=40) as pool:
        responses = list(pool.map(lambda i: signed.command("/sm-idle", user=f"U{i:04d}").post(http_app), range(40)))

    assert [r.status_code for r in responses] == [200] * 40
    assert slack_api.calls_to("response_url") == []
    release.set()
    assert len(slack_api.wait_for("response_url", count=40)) == 40
    assert len(scans) == 1


def test_a_body_larger_than_any_slack_payload_gets_413(http_app, signed):
    response = signed.sign("text=" + "x" * 1_000_001).post(http_app)

    assert response.status_code == 413
    assert signed.command("/sm-help").post(http_app).status_code == 200
