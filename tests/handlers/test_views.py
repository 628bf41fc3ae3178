"""Schedule and Snooze through the real Bolt app: signed clicks, view_submission payloads and
slash commands in; views.open, chat.postMessage and response_url posts out (the stand-in
records them); moto behind. Invalid submissions get field errors and save nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.actions.issued import issue_view
from bot.config import Settings
from bot.demo.moto_fleet import MotoFleet
from bot.models import FindingKind, ScanResult
from bot.schedules.rules import weekdays_preset
from bot.schedules.store import (
    ScheduleStatus,
    active_snoozes,
    add_schedule,
    add_snooze,
    get_schedule,
    list_schedules,
)
from bot.services import Services
from reports.ids import ActionId, CallbackId
from reports.modals import metadata
from tests.fakes.findings import finding

ACCOUNT, REGION = "123456789012", "us-east-1"
CHANNEL, DIGEST_TS = "C0COSTS", "1700000100.000100"
APPROVER, REQUESTER = "UAPPROVER1", "UREQUESTER"
NB_KEY = f"{ACCOUNT}:{REGION}:notebook-instance:nb-1"
EP_KEY = f"{ACCOUNT}:{REGION}:endpoint:ep-1"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "bot.db", regions=[REGION], approvers=[APPROVER],
                    timezone="Europe/Berlin")


@pytest.fixture(autouse=True)
def reported(services: Services) -> None:
    """The bot reported nb-1 and ep-1: their buttons are honoured (bot.actions.issued)."""
    findings = [finding("nb-1"), finding("ep-1", kind=FindingKind.UNUSED_ENDPOINT)]
    services.store.save_scan(ScanResult(generated_at=datetime.now(UTC), regions=[REGION], accounts=[ACCOUNT], findings=findings))


def send(bolt_app, request) -> tuple[int, dict[str, Any]]:
    response = bolt_app.dispatch(request.bolt_request())
    return response.status, json.loads(response.body) if response.body else {}


def state(**fields: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """view.state.values with each block's single element under the block's own id."""
    return {block: {block: element} for block, element in fields.items()}


def radio(value: str) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def timepicker(value: str | None) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": value}


def datepicker(value: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": value}


def days(*names: str) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": n} for n in names]}


def custom(start: str | None, stop: str | None, tz: str = "Europe/Berlin", on: tuple[str, ...] = ("mon", "tue")) -> dict:
    return state(preset=radio("custom"), days=days(*on), start=timepicker(start), stop=timepicker(stop),
                 timezone=select(tz))


def submit_schedule(services: Services, signed, values: dict, key: str = NB_KEY, callback: CallbackId = CallbackId.SCHEDULE_MODAL):
    """A submission of the modal the bot opened for REQUESTER (with the token it issued)."""
    token = issue_view(services.store, REQUESTER, callback.value, key, datetime.now(UTC))
    return signed.view_submission(callback.value, values, user=REQUESTER,
                                  private_metadata=metadata(key, CHANNEL, DIGEST_TS, token))


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    found = {}
    for block in blocks:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("type") == "button":
                found[element["action_id"]] = element["value"]
    return found


# --- the Schedule button -------------------------------------------------------------------


def test_the_schedule_button_opens_presets_with_the_users_zone_offered_first(bolt_app, signed, slack_api) -> None:
    slack_api.respond_with("users.info", {"ok": True, "user": {"id": REQUESTER, "tz": "America/New_York"}})
    status, _ = send(bolt_app, signed.click(ActionId.SCHEDULE, NB_KEY, user=REQUESTER, channel=CHANNEL))
    assert status == 200
    view = slack_api.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == CallbackId.SCHEDULE_MODAL
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    presets = [o["text"]["text"] for o in blocks["preset"]["element"]["options"]]
    assert presets == ["Weekdays 09:00–18:00", "Stop every night at 20:00", "Custom"]
    zone = blocks["timezone"]["element"]
    assert zone["options"][0]["value"] == "America/New_York"
    assert zone["initial_option"]["value"] == "Europe/Berlin"
    meta = json.loads(view["private_metadata"])
    assert meta == {"key": NB_KEY, "channel": CHANNEL, "thread_ts": "1700000001.000001", "token": meta["token"]}
    assert len(meta["token"]) >= 24


def test_on_an_endpoint_the_schedule_button_offers_a_one_off_delete_at(bolt_app, signed, slack_api) -> None:
    send(bolt_app, signed.click(ActionId.SCHEDULE, EP_KEY, user=REQUESTER, channel=CHANNEL))
    view = slack_api.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == CallbackId.DELETE_AT_MODAL
    assert {"date", "time", "timezone"} <= {b.get("block_id") for b in view["blocks"]}


# --- schedule submissions ------------------------------------------------------------------


def test_a_valid_submission_saves_a_pending_schedule_and_asks_for_approval_in_words(
    bolt_app, signed, slack_api, services: Services, fleet: MotoFleet
) -> None:
    fleet.notebook("nb-1")
    status, body = send(bolt_app, submit_schedule(services, signed, state(preset=radio("weekdays"), timezone=select("Europe/Berlin"))))
    assert (status, body) == (200, {})
    [record] = list_schedules(services.store)
    assert (record.status, record.resource_key, record.created_by) == (ScheduleStatus.PENDING_APPROVAL, NB_KEY, REQUESTER)
    posted = slack_api.wait_for("chat.postMessage")[0].params
    assert (posted["channel"], posted["thread_ts"]) == (CHANNEL, DIGEST_TS)
    assert "Mon–Fri, starts 09:00, stops 18:00 Europe/Berlin" in posted["text"]
    assert buttons(posted["blocks"]) == {ActionId.SCHEDULE_APPROVE: str(record.id), ActionId.SCHEDULE_REJECT: str(record.id)}


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        (custom("18:00", "09:00"), "stop", "not after start"),
        (custom("09:00", "18:00", tz="Mars/Olympus"), "timezone", "unknown time zone"),
        (custom("9am", "18:00"), "start", "not a time"),
        (custom("09:00", "18:00", on=()), "days", "at least one day"),
        (custom(None, None), "stop", "give a stop time"),
    ],
)
def test_an_invalid_custom_schedule_gets_an_error_on_its_field_and_saves_nothing(
    bolt_app, signed, slack_api, services: Services, fleet: MotoFleet, values: dict, field: str, fragment: str
) -> None:
    fleet.notebook("nb-1")
    status, body = send(bolt_app, submit_schedule(services, signed, values))
    assert status == 200 and body["response_action"] == "errors"
    assert list(body["errors"]) == [field]
    assert fragment in body["errors"][field]
    assert list_schedules(services.store) == []
    assert slack_api.calls_to("chat.postMessage") == []


def test_a_schedule_for_an_unknown_notebook_is_refused_on_the_form(bolt_app, signed, services: Services, moto_server) -> None:
    status, body = send(bolt_app, submit_schedule(services, signed, state(preset=radio("nightly"), timezone=select("UTC"))))
    assert body["response_action"] == "errors"
    assert "no notebook-instance named nb-1" in body["errors"]["preset"]
    assert list_schedules(services.store) == []


def test_a_delete_at_in_the_past_is_refused_on_the_date(bolt_app, signed, services: Services, fleet: MotoFleet) -> None:
    fleet.endpoint("ep-1")
    values = state(date=datepicker("2020-01-01"), time=timepicker("18:00"), timezone=select("UTC"))
    _, body = send(bolt_app, submit_schedule(services, signed, values, key=EP_KEY, callback=CallbackId.DELETE_AT_MODAL))
    assert list(body["errors"]) == ["date"] and "in the past" in body["errors"]["date"]
    assert list_schedules(services.store) == []


def test_a_valid_delete_at_saves_a_one_off_for_the_endpoint(bolt_app, signed, services: Services, fleet: MotoFleet) -> None:
    fleet.endpoint("ep-1")
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    values = state(date=datepicker(day), time=timepicker("18:00"), timezone=select("Europe/Berlin"))
    _, body = send(bolt_app, submit_schedule(services, signed, values, key=EP_KEY, callback=CallbackId.DELETE_AT_MODAL))
    assert body == {}
    [record] = list_schedules(services.store)
    assert record.description == f"Delete once at {day} 18:00 Europe/Berlin"


# --- approval of a schedule ----------------------------------------------------------------


def pending(services: Services, by: str = REQUESTER):
    return add_schedule(services.store, NB_KEY, weekdays_preset("Europe/Berlin"), created_by=by,
                        now=services.clock(), status=ScheduleStatus.PENDING_APPROVAL)


@pytest.mark.parametrize(
    ("asker", "clicker", "fragment"),
    [(APPROVER, APPROVER, "someone else has to approve"), (REQUESTER, REQUESTER, "not an approver")],
)
def test_only_another_approver_may_approve_a_schedule(
    bolt_app, signed, slack_api, services: Services, asker: str, clicker: str, fragment: str
) -> None:
    record = pending(services, by=asker)
    send(bolt_app, signed.click(ActionId.SCHEDULE_APPROVE, str(record.id), user=clicker, channel=CHANNEL))
    refusal = slack_api.wait_for("chat.postEphemeral")[0].params
    assert fragment in refusal["text"]
    assert get_schedule(services.store, record.id).status is ScheduleStatus.PENDING_APPROVAL


def test_an_approver_activates_the_schedule_and_the_request_says_so(bolt_app, signed, slack_api, services: Services) -> None:
    record = pending(services)
    send(bolt_app, signed.click(ActionId.SCHEDULE_APPROVE, str(record.id), user=APPROVER, channel=CHANNEL))
    updated = slack_api.wait_for("chat.update")[0].params
    assert get_schedule(services.store, record.id).status is ScheduleStatus.ACTIVE
    assert f"Approved by <@{APPROVER}>" in updated["text"]
    assert buttons(updated["blocks"]) == {}


def test_a_rejected_schedule_never_becomes_active(bolt_app, signed, slack_api, services: Services) -> None:
    record = pending(services)
    send(bolt_app, signed.click(ActionId.SCHEDULE_REJECT, str(record.id), user=APPROVER, channel=CHANNEL))
    slack_api.wait_for("chat.update")
    send(bolt_app, signed.click(ActionId.SCHEDULE_APPROVE, str(record.id), user=APPROVER, channel=CHANNEL))
    assert "already rejected" in slack_api.wait_for("chat.postEphemeral")[0].params["text"]
    assert get_schedule(services.store, record.id).status is ScheduleStatus.REJECTED


# --- snooze --------------------------------------------------------------------------------


def test_snooze_opens_the_choices_and_a_submission_hides_the_resource_for_seven_days(
    bolt_app, signed, slack_api, services: Services
) -> None:
    send(bolt_app, signed.click(ActionId.SNOOZE, NB_KEY, user=REQUESTER, channel=CHANNEL))
    view = slack_api.wait_for("views.open")[0].params["view"]
    choice = next(b for b in view["blocks"] if b.get("block_id") == "choice")["element"]
    assert [o["value"] for o in choice["options"]] == ["1d", "7d", "30d", "date"]
    assert choice["initial_option"]["value"] == "7d"
    before = datetime.now(UTC)
    _, body = send(bolt_app, signed.view_submission(
        CallbackId.SNOOZE_MODAL.value, state(choice=radio("7d"), date=datepicker(None)), user=REQUESTER,
        private_metadata=view["private_metadata"],
    ))
    assert body == {}
    [snooze] = active_snoozes(services.store, datetime.now(UTC))
    assert (snooze.resource_key, snooze.snoozed_by) == (NB_KEY, REQUESTER)
    assert before + timedelta(days=7) <= snooze.until <= datetime.now(UTC) + timedelta(days=7)


def test_snooze_until_a_date_needs_the_date(bolt_app, signed, services: Services) -> None:
    _, body = send(bolt_app, signed.view_submission(
        CallbackId.SNOOZE_MODAL.value, state(choice=radio("date"), date=datepicker(None)), user=REQUESTER,
        private_metadata=metadata(NB_KEY, CHANNEL, token=issue_view(services.store, REQUESTER, CallbackId.SNOOZE_MODAL.value, NB_KEY, datetime.now(UTC))),
    ))
    assert body["response_action"] == "errors" and list(body["errors"]) == ["date"]
    assert active_snoozes(services.store, datetime.now(UTC)) == []


def test_sm_snoozed_lists_who_and_until_and_unsnooze_ends_it(bolt_app, signed, slack_api, services: Services) -> None:
    now = datetime.now(UTC)
    snooze = add_snooze(services.store, NB_KEY, snoozed_by=REQUESTER, until=now + timedelta(days=7), now=now)
    _, body = send(bolt_app, signed.command("/sm-snoozed", user=APPROVER))
    assert f"<@{REQUESTER}>" in body["text"] and "nb-1" in body["text"]
    assert buttons(body["blocks"]) == {ActionId.UNSNOOZE: str(snooze.id)}
    send(bolt_app, signed.click(ActionId.UNSNOOZE, str(snooze.id), user=APPROVER, channel=CHANNEL))
    replaced = slack_api.wait_for("response_url")[0].params
    assert replaced["replace_original"] is True and "Unsnoozed nb-1" in replaced["text"]
    assert active_snoozes(services.store, datetime.now(UTC)) == []


# --- /sm-schedule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "say what to do"),
        ("frobnicate", "cannot read"),
        ("add nb-1 1-5 09:00-18:00", "not numbers"),
        ("add nb-1 weekdays 18:00-09:00", "not after start"),
        ("add nb-1 weekdays 09:00-18:00 Mars/Olympus", "unknown time zone"),
        ("remove seven", "not a schedule id"),
    ],
)
def test_sm_schedule_answers_bad_input_with_the_reason_and_usage(
    bolt_app, signed, slack_api, services: Services, text: str, fragment: str
) -> None:
    status, body = send(bolt_app, signed.command("/sm-schedule", text, user=REQUESTER))
    assert status == 200 and body["response_type"] == "ephemeral"
    assert fragment in body["text"] and "/sm-schedule add <notebook>" in body["text"]
    assert list_schedules(services.store) == []


def test_sm_schedule_add_asks_for_approval_and_list_shows_it(
    bolt_app, signed, slack_api, services: Services, fleet: MotoFleet
) -> None:
    fleet.notebook("nb-1")
    send(bolt_app, signed.command("/sm-schedule", "add nb-1 weekdays 09:00-18:00 Europe/Berlin",
                                  user=REQUESTER, channel=CHANNEL))
    answer = slack_api.wait_for("response_url")[0].params
    assert "waiting for approval" in answer["text"]
    posted = slack_api.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == CHANNEL and "Mon–Fri, starts 09:00, stops 18:00 Europe/Berlin" in posted["text"]
    _, listed = send(bolt_app, signed.command("/sm-schedule", "list", user=APPROVER))
    [record] = list_schedules(services.store)
    assert f"#{record.id}" in listed["text"] and "pending-approval" in listed["text"]
    assert buttons(listed["blocks"])[ActionId.SCHEDULE_APPROVE] == str(record.id)


def test_sm_schedule_add_for_an_unknown_notebook_saves_nothing(bolt_app, signed, slack_api, services: Services, moto_server) -> None:
    send(bolt_app, signed.command("/sm-schedule", "add ghost weekdays 09:00-18:00", user=REQUESTER))
    answer = slack_api.wait_for("response_url")[0].params
    assert "No notebook instance named `ghost`" in answer["text"]
    assert list_schedules(services.store) == []


def test_sm_schedule_remove_ends_a_schedule(bolt_app, signed, services: Services) -> None:
    record = pending(services)
    _, body = send(bolt_app, signed.command("/sm-schedule", f"remove {record.id}", user=REQUESTER))
    assert f"Removed schedule #{record.id}" in body["text"]
    assert get_schedule(services.store, record.id).status is ScheduleStatus.REMOVED
    _, again = send(bolt_app, signed.command("/sm-schedule", f"remove {record.id}", user=REQUESTER))
    assert f"no active or pending schedule #{record.id}" in again["text"]
