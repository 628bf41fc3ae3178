"""Effects first, messages after: an approved action reaches AWS whatever Slack does (timeouts,
dropped connections, 5xx, 429 with Retry-After), and the message updates it owes are kept and
delivered by the recovery sweep once Slack answers again. Also: a button value no request could
have gets a clear ephemeral answer. Real Bolt verification, the stand-in's fault injection,
moto behind."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.actions.messages import recover_on_start, sweep
from bot.actions.pending_updates import PendingUpdates
from bot.runtime.slack_client import web_client
from reports.ids import ActionId
from tests.fakes.action_world import APPROVERS
from tests.fakes.slack_api import BOT_TOKEN
from tests.handlers import test_action_handlers as clicks
from tests.handlers.test_action_handlers import CHANNEL, S, open_stop_request, requests_of, send

# The click tests' fixtures (approver settings, counted AWS clients, the fleet behind them).
settings, counter, client_factory, fleet = (
    clicks.settings, clicks.counter, clicks.client_factory, clicks.fleet
)

CLIENT_TIMEOUT_SECONDS = 1
FAULTS = {
    "timeout": {"seconds": CLIENT_TIMEOUT_SECONDS + 1},
    "drop": {},
    "error": {"status": 503},
    "ratelimit": {"seconds": 1},
}


@pytest.fixture
def slack_client(slack_api):
    """The production client with a short timeout, so a held answer times out quickly."""
    return web_client(BOT_TOKEN, slack_api.api_url, timeout_seconds=CLIENT_TIMEOUT_SECONDS)


def eventually(check: Callable[[], object], timeout_seconds: float = 30) -> object:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the condition never held")


def approve_while_slack_fails(fleet, services, bolt_app, signed, slack_api, kind: str):
    open_stop_request(fleet, services, bolt_app, signed, slack_api)
    request = requests_of(services).all()[0]
    slack_api.reset()
    for method in ("chat.update", "chat.postMessage"):
        slack_api.fail(method, kind, times=20, **FAULTS[kind])
    assert send(bolt_app, signed.click(ActionId.APPROVE, str(request.id), user=APPROVERS[0],
                                       channel=CHANNEL)) == 200
    pending = PendingUpdates(services.store)
    owed = eventually(lambda: (p := pending.get(request.id)) and p.attempts >= 1 and p)
    return request, owed


@pytest.mark.parametrize("kind", list(FAULTS))
def test_an_approved_stop_reaches_aws_whatever_slack_does(
    fleet, services, bolt_app, signed, slack_api, counter, kind
) -> None:
    request, owed = approve_while_slack_fails(fleet, services, bolt_app, signed, slack_api, kind)
    assert requests_of(services).get(request.id).state is S.SUCCEEDED
    assert counter.calls["StopNotebookInstance"] == 1
    assert (owed.request_message, owed.digest_item) == (True, True)
    assert "stopped notebook nb-1" in owed.announce


def slack_back_five_minutes_later(slack_api, services):
    """Slack answers again (faults cleared, calls forgotten); the services of 5 minutes later."""
    slack_api.faults.clear()
    slack_api.reset()
    return dataclasses.replace(services, clock=lambda: services.clock() + timedelta(minutes=5))


def test_the_sweep_delivers_what_slack_missed_once_it_answers(
    fleet, services, bolt_app, signed, slack_api, slack_client
) -> None:
    request, _ = approve_while_slack_fails(fleet, services, bolt_app, signed, slack_api, "error")
    later = slack_back_five_minutes_later(slack_api, services)
    sweep(later, slack_client)
    request = requests_of(services).get(request.id)
    updated = {c.params["ts"]: c.params for c in slack_api.calls_to("chat.update")}
    assert "done" in updated[request.message_ts]["text"]
    assert [c.params["text"] for c in slack_api.calls_to("chat.postMessage")] == [
        f"Request #{request.id}: {request.reason}"
    ]
    assert PendingUpdates(services.store).get(request.id) is None
    sweep(later, slack_client)  # nothing owed any more: nothing sent again
    assert len(slack_api.calls_to("chat.postMessage")) == 1


def test_updates_still_owed_at_a_restart_are_delivered_at_start_up(
    fleet, services, bolt_app, signed, slack_api, slack_client
) -> None:
    request, _ = approve_while_slack_fails(fleet, services, bolt_app, signed, slack_api, "drop")
    later = slack_back_five_minutes_later(slack_api, services)
    recover_on_start(later, slack_client)
    assert "stopped notebook nb-1" in slack_api.wait_for("chat.postMessage")[0].params["text"]
    assert PendingUpdates(services.store).get(request.id) is None


@pytest.mark.parametrize(
    "action_id, told",
    [
        (ActionId.APPROVE, "There is no request #99999999999999999999."),
        (ActionId.REJECT, "There is no request #99999999999999999999."),
        (ActionId.RESTORE, "There is no deleted endpoint to restore here."),
        (ActionId.UNDO, "There is no change to undo here."),
    ],
)
def test_an_out_of_range_number_in_a_button_gets_a_clear_ephemeral_reply(
    services, bolt_app, signed, slack_api, action_id, told
) -> None:
    assert send(bolt_app, signed.click(action_id, "99999999999999999999999", channel=CHANNEL)) == 200
    assert slack_api.wait_for("chat.postEphemeral")[0].params["text"] == told
