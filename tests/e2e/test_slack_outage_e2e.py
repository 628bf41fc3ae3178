"""`sm-cost-bot run` while Slack fails: an Approve clicked over signed HTTP stops the notebook
at once (counted by moto's recorder) although every chat.update gets a 503 and every
chat.postMessage loses its connection; once Slack answers again the running bot's sweep
delivers the result reply it owed."""

from __future__ import annotations

import time

import pytest

from bot.actions import executor
from bot.actions.models import ActionKind, RequestState
from bot.aws.session import ClientFactory, RegionClients
from bot.config import Settings
from bot.demo.moto_fleet import MotoFleet
from bot.services import build_services
from bot.storage.store import Store
from reports.ids import ActionId
from tests.e2e import test_crash_recovery

APPROVER, REQUESTER, CHANNEL = "UAPPROVER1", "UREQUESTER", "C0COSTS"
KEY = "123456789012:us-east-1:notebook-instance:nb-1"
recorder = test_crash_recovery.recorder


@pytest.fixture
def bot_env(bot_env):
    bot_env["SMBOT_APPROVERS"] = APPROVER
    return bot_env


def test_an_approval_during_a_slack_outage_acts_at_once_and_reports_when_slack_is_back(
    bot_env, running_bot, recorder, signed, slack_api
) -> None:
    url, _ = running_bot
    settings = Settings(db_path=bot_env["SMBOT_DB_PATH"], regions=["us-east-1"], approvers=[APPROVER])
    services = build_services(settings, clients=ClientFactory(), store=Store(settings.db_path))
    MotoFleet(clients=RegionClients(services.clients, "us-east-1")).notebook("nb-1")
    request = executor.request_action(services, ActionKind.STOP_NOTEBOOK, KEY, REQUESTER).request
    executor.requests_of(services).set_messages(request.id, channel=CHANNEL, message_ts="1700000001.000001")
    slack_api.fail("chat.update", "error", times=1000)
    slack_api.fail("chat.postMessage", "drop", times=1000)

    click = signed.click(ActionId.APPROVE, str(request.id), user=APPROVER, channel=CHANNEL)
    assert click.post(url).status_code == 200
    deadline = time.monotonic() + 30
    while executor.requests_of(services).get(request.id).state is not RequestState.SUCCEEDED:
        assert time.monotonic() < deadline, "the approved stop never ran"
        time.sleep(0.1)
    assert recorder("StopNotebookInstance") == 1
    assert slack_api.calls_to("chat.update"), "the bot did try to tell Slack"

    slack_api.faults.clear()
    slack_api.reset()
    [reply] = slack_api.wait_for("chat.postMessage", timeout_seconds=90)  # the sweep, every 30 s
    assert reply.params["text"] == f"Request #{request.id}: stopped notebook nb-1"
    assert recorder("StopNotebookInstance") == 1
