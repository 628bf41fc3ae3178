"""The weekly shape of an endpoint's traffic: days and hours in words, idle share of the week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.scan.weekly_traffic import days_in_words, weekly_shape

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def hours(*offsets: int, value: float = 3.0) -> dict[datetime, float]:
    """Hours counted back from MONDAY_9 (1 = Monday 08:00)."""
    return {MONDAY_9 - timedelta(hours=h): value for h in offsets}


@pytest.mark.parametrize(
    ("days", "words"),
    [
        ([0, 1, 2, 3, 4], "Mon–Fri"),
        ([0, 2, 4], "Mon, Wed, Fri"),
        ([5, 6], "Sat, Sun"),
        ([0, 1, 2, 5], "Mon–Wed, Sat"),
        ([3], "Thu"),
    ],
)
def test_weekdays_are_said_as_ranges(days, words):
    assert days_in_words(days) == words


def test_office_hours_read_as_weekdays_and_a_utc_span():
    week = {
        MONDAY_9 - timedelta(days=7) + timedelta(days=d, hours=h): 1.0 for d in range(5) for h in range(11)
    }
    shape = weekly_shape([week], MONDAY_9)
    assert shape.describe() == "Mon–Fri 09–20 UTC, idle 67% of hours"
    assert shape.idle_hours == 168 - 55


def test_an_hour_with_zero_invocations_is_idle():
    assert weekly_shape([hours(5, value=0.0)], MONDAY_9).invoked is False


def test_hours_outside_the_week_do_not_count():
    assert weekly_shape([hours(24 * 7 + 1, -1)], MONDAY_9).invoked is False


def test_series_of_one_endpoint_are_merged_hour_by_hour():
    shape = weekly_shape([hours(5, 6), hours(6, 7)], MONDAY_9)
    assert len(shape.busy) == 3


def test_traffic_in_every_hour_of_the_day_reads_around_the_clock():
    shape = weekly_shape([hours(*range(1, 25))], MONDAY_9)
    assert shape.describe().endswith("around the clock, idle 86% of hours")


def test_no_traffic_is_said_plainly():
    assert weekly_shape([], MONDAY_9).describe() == "no traffic"
