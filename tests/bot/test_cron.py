from datetime import UTC, datetime, timedelta

import pytest

from bot.cron import crontab_days_to_names, parse_cron


def _fire_days(expression, start, count=5, tz="UTC"):
    trigger = parse_cron(expression, tz)
    days, moment = [], start
    for _ in range(count):
        moment = trigger.get_next_fire_time(None, moment)
        days.append(moment.strftime("%a"))
        moment += timedelta(minutes=1)
    return days


def test_crontab_weekday_numbers_fire_monday_to_friday():
    # APScheduler's own from_crontab would fire this Tue-Sat.
    assert _fire_days("0 9 * * 1-5", datetime(2026, 11, 28, tzinfo=UTC)) == ["Mon", "Tue", "Wed", "Thu", "Fri"]


def test_weekday_names_fire_the_same_days():
    assert _fire_days("0 9 * * MON-FRI", datetime(2026, 11, 28, tzinfo=UTC)) == ["Mon", "Tue", "Wed", "Thu", "Fri"]


@pytest.mark.parametrize(("field", "names"), [("0", "sun"), ("7", "sun"), ("1-5", "mon-fri"), ("0,6", "sun,sat"), ("MON", "mon")])
def test_crontab_days_translate_to_names(field, names):
    assert crontab_days_to_names(field) == names


def test_nine_o_clock_berlin_stays_nine_across_the_dst_change():
    trigger = parse_cron("0 9 * * *", "Europe/Berlin")
    before = trigger.get_next_fire_time(None, datetime(2026, 3, 27, 12, tzinfo=UTC))
    after = trigger.get_next_fire_time(None, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert (before.astimezone(UTC).hour, after.astimezone(UTC).hour) == (8, 7)
