"""Trust at the edge of a running `sm-cost-bot run --http`: tampered button values, forged modal
submissions, a bystander removing a schedule, and hostile slash text, all as signed HTTP."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from bot.models import ScanResult
from bot.schedules.rules import weekdays_preset
from bot.schedules.store import ScheduleStatus, add_schedule
from bot.storage.store import Store
from reports.ids import ActionId, CallbackId
from reports.modals import metadata
from tests.e2e.bot_process import start_bot, stop
from tests.fakes.findings import finding
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET

NB_KEY = "123456789012:us-east-1:notebook-instance:nb-1"


@pytest.fixture
def bot(moto_server, slack_api, tmp_path):
    db = tmp_path / "e2e.db"
    store = Store(db)  # the bot reported nb-1, and someone's approved schedule exists
    store.save_scan(ScanResult(generated_at=datetime.now(UTC), regions=["us-east-1"], accounts=["123456789012"],
                               findings=[finding("nb-1")]))
    schedule = add_schedule(store, NB_KEY, weekdays_preset("UTC"), created_by="UREQUESTER",
                            now=datetime.now(UTC), status=ScheduleStatus.ACTIVE)
    store.close()
    env = dict(os.environ)
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack_api.api_url,
               SMBOT_DB_PATH=str(db), SMBOT_REGIONS="us-east-1", SMBOT_APPROVERS="UAPPROVER1")
    url, process = start_bot(env)
    yield url, db, schedule
    stop(process)


def test_a_stop_button_naming_another_account_and_region_is_refused(bot, signed, slack_api):
    url, db, _ = bot

    response = signed.click(ActionId.STOP, "999999999999:eu-west-1:notebook-instance:nb-1", user="UMALLORY").post(url)

    assert response.status_code == 200
    said = slack_api.wait_for("chat.postEphemeral", timeout_seconds=30)[0].params
    assert (said["user"], said["text"]) == ("UMALLORY", ":no_entry_sign: This bot does not watch region eu-west-1, so it will not act there.")
    assert Store(db).db["action_requests"].count == 0


def test_a_snooze_for_a_modal_the_bot_never_opened_is_refused(bot, signed):
    url, db, _ = bot
    values = {"choice": {"choice": {"type": "radio_buttons", "selected_option": {"value": "date"}}},
              "date": {"date": {"type": "datepicker", "selected_date": "9999-12-31"}}}

    response = signed.view_submission(CallbackId.SNOOZE_MODAL.value, values, user="UMALLORY",
                                      private_metadata=metadata(NB_KEY, "C0TEST")).post(url)

    assert response.status_code == 200 and response.json()["response_action"] == "errors"
    assert Store(db).db["snoozes"].count == 0


def test_a_bystander_cannot_remove_an_approved_schedule(bot, signed):
    url, db, schedule = bot

    response = signed.command("/sm-schedule", f"remove {schedule.id}", user="UMALLORY").post(url)

    assert response.json()["text"].startswith(":no_entry_sign: Only an approver")
    [status] = [r["status"] for r in Store(db).db.query("SELECT status FROM schedules WHERE id = ?", [schedule.id])]
    assert status == "active"


def test_slash_text_comes_back_escaped(bot, signed):
    url, _, _ = bot

    response = signed.command("/sm-idle", "<!channel>").post(url)

    assert "&lt;!channel&gt;" in response.json()["text"]
    assert "<!channel>" not in response.json()["text"]
