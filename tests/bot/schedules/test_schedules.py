"""Schedule rules: parsing, validation, words, triggers, DST and the misfire policy."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.schedules.rules import (
    MISFIRE_GRACE_SECONDS,
    Action,
    ScheduleInputError,
    ScheduleRule,
    delete_at_rule,
    describe,
    due_firing,
    fire_times,
    next_firings,
    nightly_stop_preset,
    parse_days,
    parse_rule_words,
    recurring_rule,
    triggers,
    weekdays_preset,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("weekdays", ("mon", "tue", "wed", "thu", "fri")),
        ("mon-fri", ("mon", "tue", "wed", "thu", "fri")),
        ("MON-FRI", ("mon", "tue", "wed", "thu", "fri")),
        ("fri,mon,wed", ("mon", "wed", "fri")),
        ("sat-sun", ("sat", "sun")),
        ("weekends", ("sat", "sun")),
        ("daily", ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
        ("monday-tuesday", ("mon", "tue")),
    ],
)
def test_day_names_and_groups_parse_in_week_order(text: str, days: tuple[str, ...]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1-5", "not numbers"),
        ("0", "not numbers"),
        ("fri-mon", "backwards"),
        ("someday", "not a list of days"),
        ("", "at least one day"),
    ],
)
def test_bad_days_are_refused_on_the_days_field(text: str, fragment: str) -> None:
    with pytest.raises(ScheduleInputError) as err:
        parse_days(text)
    assert list(err.value.errors) == ["days"]
    assert fragment in err.value.errors["days"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["weekdays", "09:00-18:00"], "Mon–Fri, starts 09:00, stops 18:00 UTC"),
        (["weekdays", "09:00-18:00", "Europe/Berlin"], "Mon–Fri, starts 09:00, stops 18:00 Europe/Berlin"),
        (["mon,wed,fri", "8:30-17:15"], "Mon, Wed, Fri, starts 08:30, stops 17:15 UTC"),
        (["mon-sat", "stop", "20:00"], "Mon–Sat, stops 20:00 UTC"),
        (["nightly"], "Every day, stops 20:00 UTC"),
        (["nightly", "22:00", "Asia/Tokyo"], "Every day, stops 22:00 Asia/Tokyo"),
        (["sat,sun", "10:00-12:00"], "Sat, Sun, starts 10:00, stops 12:00 UTC"),
        (["delete-at", "2026-12-01", "18:00", "Europe/Berlin"], "Delete once at 2026-12-01 18:00 Europe/Berlin"),
    ],
)
def test_schedule_words_parse_to_the_rule_described_in_words(words: list[str], expected: str) -> None:
    assert describe(parse_rule_words(words, "UTC", NOW)) == expected


@pytest.mark.parametrize(
    ("words", "field", "fragment"),
    [
        (["weekdays", "18:00-09:00"], "stop", "not after start"),
        (["weekdays", "09:00-09:00"], "stop", "not after start"),
        (["weekdays", "9am-18:00"], "start", "not a time"),
        (["weekdays", "09:00-24:00"], "stop", "not a time"),
        (["weekdays", "09:00-18:00", "Mars/Olympus"], "timezone", "unknown time zone"),
        (["1-5", "09:00-18:00"], "days", "not numbers"),
        (["weekdays"], "schedule", "09:00-18:00"),
        (["weekdays", "09:00-18:00", "UTC", "extra"], "schedule", "unexpected"),
        (["delete-at", "2026-11-01", "18:00"], "date", "in the past"),
        (["delete-at", "2026-02-30", "18:00"], "date", "not a calendar date"),
        (["delete-at", "tomorrow", "18:00"], "date", "YYYY-MM-DD"),
        ([], "schedule", "say when"),
    ],
)
def test_invalid_schedule_words_name_the_field_at_fault(words: list[str], field: str, fragment: str) -> None:
    with pytest.raises(ScheduleInputError) as err:
        parse_rule_words(words, "UTC", NOW)
    assert field in err.value.errors
    assert fragment in err.value.errors[field]


def test_a_custom_form_reports_every_bad_field_at_once() -> None:
    with pytest.raises(ScheduleInputError) as err:
        recurring_rule([], "25:00", "18:00", "Nowhere/Land")
    assert set(err.value.errors) == {"days", "start", "timezone"}


def test_presets_are_the_guides_working_hours_and_a_nightly_stop() -> None:
    assert weekdays_preset("UTC") == ScheduleRule(
        timezone="UTC", days=("mon", "tue", "wed", "thu", "fri"), start=time(9), stop=time(18)
    )
    nightly = nightly_stop_preset("UTC")
    assert (nightly.start, nightly.stop, len(nightly.days)) == (None, time(20), 7)
    assert nightly.actions() == [Action.STOP]


def test_delete_at_is_stored_as_the_utc_instant_of_the_local_time() -> None:
    rule = delete_at_rule("2026-12-01", "18:00", "Europe/Berlin", NOW)
    assert rule.delete_at == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert rule.actions() == [Action.DELETE]


def test_weekday_triggers_fire_monday_to_friday_never_the_weekend() -> None:
    rule = weekdays_preset("Europe/Berlin")
    week = fire_times(
        triggers(rule)[0].trigger, BERLIN, berlin(2026, 11, 30, 0, 0), berlin(2026, 12, 6, 23, 59)
    )
    assert [t.astimezone(BERLIN).strftime("%a %H:%M") for t in week] == [
        "Mon 09:00", "Tue 09:00", "Wed 09:00", "Thu 09:00", "Fri 09:00",
    ]


@pytest.mark.parametrize(
    ("first_day", "change_day", "offset_before", "offset_after"),
    [
        (datetime(2026, 3, 26), datetime(2026, 3, 29).date(), 1, 2),  # spring forward
        (datetime(2026, 10, 22), datetime(2026, 10, 25).date(), 2, 1),  # fall back
    ],
)
@pytest.mark.parametrize("at", ["09:00", "02:30"])
def test_a_daily_slot_fires_exactly_once_per_day_across_dst_changes(
    first_day: datetime, change_day: object, offset_before: int, offset_after: int, at: str
) -> None:
    rule = recurring_rule(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), at, None, "Europe/Berlin")
    start = first_day.replace(tzinfo=BERLIN).astimezone(UTC)
    fires = fire_times(triggers(rule)[0].trigger, BERLIN, start, start + timedelta(days=7))
    per_day = Counter(t.astimezone(BERLIN).date() for t in fires)
    assert len(per_day) == 7
    assert set(per_day.values()) == {1}
    if at == "09:00":
        assert {t.astimezone(BERLIN).strftime("%H:%M") for t in fires} == {"09:00"}
        before = [t for t in fires if t.astimezone(BERLIN).date() < change_day]
        after = [t for t in fires if t.astimezone(BERLIN).date() >= change_day]
        assert {t.hour for t in before} == {9 - offset_before}
        assert {t.hour for t in after} == {9 - offset_after}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # a stop due at 18:00 still runs at 18:40, and at 23:00
        (berlin(2026, 11, 26, 18, 40), (Action.STOP, berlin(2026, 11, 26, 18, 0))),
        (berlin(2026, 11, 26, 23, 0), (Action.STOP, berlin(2026, 11, 26, 18, 0))),
        # a start due at 09:00 runs at 09:10 but not at 10:00, and certainly not at 19:00
        (berlin(2026, 11, 26, 9, 10), (Action.START, berlin(2026, 11, 26, 9, 0))),
        (berlin(2026, 11, 26, 10, 0), None),
        # at 19:00 the latest slot is the 18:00 stop: never the morning's start
        (berlin(2026, 11, 26, 19, 0), (Action.STOP, berlin(2026, 11, 26, 18, 0))),
        # Saturday noon: Friday's stop is beyond its grace, nothing else is due
        (berlin(2026, 11, 28, 12, 0), None),
        # exactly on time
        (berlin(2026, 11, 26, 9, 0), (Action.START, berlin(2026, 11, 26, 9, 0))),
        (berlin(2026, 11, 26, 8, 59), None),  # last night's stop is 15 h old
    ],
)
def test_due_firing_follows_the_misfire_grace_of_each_action(now: datetime, expected: object) -> None:
    due = due_firing(weekdays_preset("Europe/Berlin"), now)
    assert (due.action, due.planned) == expected if expected else due is None


def test_a_late_stop_is_superseded_by_a_later_start() -> None:
    rule = recurring_rule(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "06:00", "22:00", "UTC")
    due = due_firing(rule, datetime(2026, 11, 27, 6, 5, tzinfo=UTC))
    assert (due.action, due.planned) == (Action.START, datetime(2026, 11, 27, 6, 0, tzinfo=UTC))


def test_misfire_grace_lets_stops_and_deletes_run_late_but_not_starts() -> None:
    assert MISFIRE_GRACE_SECONDS[Action.STOP] >= 40 * 60
    assert MISFIRE_GRACE_SECONDS[Action.START] < 10 * 3600
    plans = {p.action: p for p in triggers(weekdays_preset("UTC"))}
    assert plans[Action.STOP].misfire_grace_time == MISFIRE_GRACE_SECONDS[Action.STOP]
    assert plans[Action.START].misfire_grace_time == MISFIRE_GRACE_SECONDS[Action.START]
    assert all(p.coalesce for p in plans.values())


def test_a_one_off_delete_is_due_once_within_its_grace() -> None:
    rule = delete_at_rule("2026-12-01", "18:00", "UTC", NOW)
    at = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert due_firing(rule, at - timedelta(seconds=1)) is None
    assert due_firing(rule, at + timedelta(hours=2)).planned == at
    assert due_firing(rule, at + timedelta(seconds=MISFIRE_GRACE_SECONDS[Action.DELETE] + 1)) is None


def test_next_firings_lists_the_coming_slots_in_order() -> None:
    upcoming = next_firings(weekdays_preset("UTC"), datetime(2026, 11, 27, 12, 0, tzinfo=UTC), count=3)
    assert [(f.action, f.planned.strftime("%a %H:%M")) for f in upcoming] == [
        (Action.STOP, "Fri 18:00"),
        (Action.START, "Mon 09:00"),
        (Action.STOP, "Mon 18:00"),
    ]
