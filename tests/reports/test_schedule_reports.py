"""Schedule and snooze renderings: valid Block Kit within Slack's limits, text fallbacks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.schedules.rules import weekdays_preset
from bot.schedules.snoozes import Snooze
from bot.schedules.store import ScheduleRecord, ScheduleStatus
from reports.ids import ActionId, CallbackId
from reports.modals import (
    SCHEDULE_BLOCKS,
    delete_at_modal,
    field_errors,
    schedule_modal,
    snooze_modal,
    submitted,
    zone_options,
)
from reports.schedules import schedule_list, schedule_request, snoozed_list

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # Thursday
KEY = "123456789012:us-east-1:notebook-instance:nb-1"


def record(n: int, status: ScheduleStatus = ScheduleStatus.ACTIVE) -> ScheduleRecord:
    rule = weekdays_preset("Europe/Berlin")
    return ScheduleRecord(id=n, resource_key=f"{KEY}{n}", rule=rule, description="Mon–Fri, starts 09:00, stops 18:00 Europe/Berlin",
                          status=status, created_by="UREQ", created_at=NOW, updated_at=NOW)


def test_the_modals_build_as_valid_views() -> None:
    for view in (
        schedule_modal(KEY, "Europe/Berlin", "Asia/Tokyo", "{}"),
        delete_at_modal(KEY.replace("notebook-instance", "endpoint"), "UTC", None, "{}", date(2026, 11, 27)),
        snooze_modal(KEY, "{}", date(2026, 12, 3)),
    ):
        data = view.to_dict()  # slack_sdk validates title length, block counts, options
        assert data["type"] == "modal" and data["callback_id"] in set(CallbackId)


def test_zone_options_put_the_users_zone_first_without_duplicates() -> None:
    values = [o.value for o in zone_options("Europe/Berlin", "Europe/Berlin")]
    assert values[0] == "Europe/Berlin" and len(values) == len(set(values))
    assert [o.value for o in zone_options("UTC", "Asia/Tokyo")][:2] == ["Asia/Tokyo", "UTC"]


def test_submitted_values_are_read_per_element_type() -> None:
    values = {
        "preset": {"preset": {"type": "radio_buttons", "selected_option": {"value": "custom"}}},
        "days": {"days": {"type": "checkboxes", "selected_options": [{"value": "mon"}, {"value": "fri"}]}},
        "start": {"start": {"type": "timepicker", "selected_time": "08:30"}},
        "date": {"date": {"type": "datepicker", "selected_date": None}},
        "timezone": {"timezone": {"type": "static_select", "selected_option": {"value": "UTC"}}},
    }
    assert submitted(values) == {"preset": "custom", "days": ["mon", "fri"], "start": "08:30", "date": None, "timezone": "UTC"}


def test_errors_about_the_resource_land_on_a_block_the_modal_has() -> None:
    errors = field_errors({"resource": "gone", "stop": "too early"}, CallbackId.SCHEDULE_MODAL, SCHEDULE_BLOCKS)
    assert errors == {"preset": "gone", "stop": "too early"}


def test_a_long_schedule_list_stays_within_50_blocks_and_says_how_many_more() -> None:
    records = [record(n, ScheduleStatus.PENDING_APPROVAL if n % 2 else ScheduleStatus.ACTIVE) for n in range(1, 61)]
    text, blocks = schedule_list(records, NOW)
    assert len(blocks) <= 50
    assert "more" in blocks[-1].to_dict()["elements"][0]["text"]
    assert text.count("\n") == 60  # the fallback lists them all


def test_active_schedules_show_their_next_firing_in_their_zone() -> None:
    text, _ = schedule_list([record(1)], NOW)
    assert "next: stop Thu 26 Nov 18:00" in text


def test_a_request_offers_decisions_only_while_pending() -> None:
    _, pending_blocks = schedule_request(record(1, ScheduleStatus.PENDING_APPROVAL), [], 1)
    _, active_blocks = schedule_request(record(1), [("UA", "approve")], 1)
    ids = lambda blocks: [e["action_id"] for b in blocks for e in b.to_dict().get("elements", []) if e.get("type") == "button"]  # noqa: E731
    assert ids(pending_blocks) == [ActionId.SCHEDULE_APPROVE, ActionId.SCHEDULE_REJECT]
    assert ids(active_blocks) == []


def test_the_snoozed_list_names_who_and_until_with_an_unsnooze_button_each() -> None:
    snoozes = [Snooze(id=n, resource_key=f"{KEY}{n}", snoozed_by="UREQ", until=NOW + timedelta(days=7), created_at=NOW)
               for n in range(1, 4)]
    text, blocks = snoozed_list(snoozes, "Europe/Berlin")
    assert "snoozed by <@UREQ> until 2026-12-03 11:00 Europe/Berlin" in text
    assert [b.to_dict()["accessory"]["value"] for b in blocks[1:]] == ["1", "2", "3"]
    _, many = snoozed_list([snoozes[0]] * 70, "UTC")
    assert len(many) <= 50
