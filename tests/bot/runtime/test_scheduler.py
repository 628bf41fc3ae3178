"""The scheduler: the digest cron job on the right days and hours, installers, catch-up."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.store import record_post
from bot.models import ScanResult
from bot.runtime.scheduler import (
    DIGEST_CATCH_UP_JOB_ID,
    DIGEST_JOB_ID,
    DIGEST_MISFIRE_GRACE_SECONDS,
    build_scheduler,
    install_digest_job,
    log_next_runs,
    missed_digest_at,
    next_run_lines,
)
from tests.fakes.findings import finding

BERLIN = ZoneInfo("Europe/Berlin")


def with_settings(services, **updates):
    return dataclasses.replace(services, settings=services.settings.model_copy(update=updates))


def digest_scheduler(services, client=None):
    """Only the digest's installer: other features' jobs are theirs to test."""
    return build_scheduler(services, client, installers=[install_digest_job])


def fire_times(trigger, start: datetime, count: int) -> list[datetime]:
    times, previous, now = [], None, start
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        times.append(previous)
        now = previous + timedelta(seconds=1)
    return times


@pytest.fixture
def digest_services(services):
    return with_settings(services, digest_channel="C0DIGEST", timezone="Europe/Berlin")


def test_the_digest_job_uses_the_cron_in_the_configured_zone(digest_services):
    job = digest_scheduler(digest_services).get_job(DIGEST_JOB_ID)

    assert job.misfire_grace_time == DIGEST_MISFIRE_GRACE_SECONDS
    assert job.coalesce is True
    assert str(job.trigger.timezone) == "Europe/Berlin"


@pytest.mark.parametrize(
    ("start", "utc_hour"),
    [
        (datetime(2026, 3, 26, tzinfo=UTC), {"CET": 8, "CEST": 7}),  # DST starts Sun 29 March
        (datetime(2026, 10, 22, tzinfo=UTC), {"CEST": 7, "CET": 8}),  # DST ends Sun 25 October
    ],
)
def test_the_default_cron_fires_at_nine_local_on_weekdays_only_across_dst(digest_services, start, utc_hour):
    trigger = digest_scheduler(digest_services).get_job(DIGEST_JOB_ID).trigger

    times = fire_times(trigger, start, 10)

    assert {t.astimezone(BERLIN).strftime("%a") for t in times} == {"Mon", "Tue", "Wed", "Thu", "Fri"}
    assert {t.astimezone(BERLIN).strftime("%H:%M") for t in times} == {"09:00"}
    for t in times:
        assert t.astimezone(UTC).hour == utc_hour[t.astimezone(BERLIN).tzname()]
    assert {t.astimezone(BERLIN).tzname() for t in times} == {"CET", "CEST"}


def test_crontab_weekday_numbers_mean_what_crontab_means(digest_services):
    trigger = digest_scheduler(with_settings(digest_services, digest_cron="30 8 * * 1,3")).get_job(DIGEST_JOB_ID).trigger

    times = fire_times(trigger, datetime(2026, 11, 23, tzinfo=UTC), 4)  # from a Monday

    assert [t.strftime("%a %H:%M") for t in times] == ["Mon 08:30", "Wed 08:30", "Mon 08:30", "Wed 08:30"]


def test_no_digest_job_without_a_channel(services):
    assert digest_scheduler(services).get_job(DIGEST_JOB_ID) is None


def test_installers_add_their_jobs_to_the_same_scheduler(digest_services):
    seen = []

    def install_nightly(scheduler, services, client):
        seen.append((services, client))
        scheduler.add_job(print, "interval", minutes=5, id="nightly", replace_existing=True)

    scheduler = build_scheduler(digest_services, client="the-client", installers=[install_nightly])

    assert seen == [(digest_services, "the-client")]
    assert [j.id for j in scheduler.get_jobs()] == ["nightly"]


def test_a_digest_missed_within_the_grace_period_is_posted_at_start_up(digest_services):
    trigger = digest_scheduler(digest_services).get_job(DIGEST_JOB_ID).trigger
    due = datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)

    assert missed_digest_at(digest_services, trigger, due + timedelta(minutes=20)) == due
    assert missed_digest_at(digest_services, trigger, due + timedelta(hours=2)) is None
    assert missed_digest_at(digest_services, trigger, due - timedelta(minutes=1)) is None


def test_a_digest_already_posted_is_not_posted_again(digest_services):
    trigger = digest_scheduler(digest_services).get_job(DIGEST_JOB_ID).trigger
    due = datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)
    record_post(
        digest_services.store, scan_id=None, channel="C0DIGEST", ts="1.1",
        finding_count=0, est_monthly_savings_usd=0.0, now=due + timedelta(minutes=1),
    )

    assert missed_digest_at(digest_services, trigger, due + timedelta(minutes=20)) is None


def test_the_catch_up_job_posts_the_digest(digest_services, slack_client, slack_api):
    """A running scheduler really posts: the catch-up run after a restart at 09:20."""
    due = datetime.now(BERLIN).replace(microsecond=0) - timedelta(minutes=20)
    cron = f"{due.minute} {due.hour} * * *"
    services = with_settings(digest_services, digest_cron=cron)
    services.store.save_scan(
        ScanResult(generated_at=datetime.now(UTC), findings=[finding("nb-cron")]), scope_key=services.scope_key()
    )

    scheduler = digest_scheduler(services, slack_client)
    assert scheduler.get_job(DIGEST_CATCH_UP_JOB_ID) is not None
    scheduler.start()
    try:
        [post] = slack_api.wait_for("chat.postMessage")
    finally:
        scheduler.shutdown(wait=False)
    assert "nb-cron" in str(post.params["blocks"])


def test_start_up_logs_when_the_next_digest_fires_in_the_configured_zone(digest_services, caplog):
    scheduler = digest_scheduler(digest_services)
    scheduler.start(paused=True)  # next run times exist once started; paused: nothing fires
    try:
        with caplog.at_level(logging.INFO, logger="bot.runtime.scheduler"):
            log_next_runs(scheduler, BERLIN)
        due = scheduler.get_job(DIGEST_JOB_ID).next_run_time.astimezone(BERLIN)
    finally:
        scheduler.shutdown(wait=False)

    assert f"next run of daily digest: {due:%a %d %b %Y} 09:00 {due:%Z}" in caplog.messages
    assert due.tzname() in ("CET", "CEST")


def test_start_up_logs_each_schedules_next_firing(digest_services, caplog):
    from bot.schedules.jobs import install_schedule_jobs
    from bot.schedules.rules import weekdays_preset
    from bot.schedules.store import add_schedule

    record = add_schedule(digest_services.store, "123456789012:us-east-1:notebook-instance:nb-1",
                          weekdays_preset("Europe/Berlin"), created_by="U0ALICE", now=digest_services.clock())
    scheduler = build_scheduler(digest_services, None, installers=[install_schedule_jobs])
    scheduler.start(paused=True)
    try:
        with caplog.at_level(logging.INFO, logger="bot.runtime.scheduler"):
            log_next_runs(scheduler, BERLIN)
    finally:
        scheduler.shutdown(wait=False)

    schedule_lines = [m for m in caplog.messages if m.startswith(f"next run of schedule #{record.id} ")]
    assert len(schedule_lines) == 2, caplog.messages  # its stop and its start
    assert all(m.endswith(("09:00 CET", "18:00 CET", "09:00 CEST", "18:00 CEST")) for m in schedule_lines)


def test_housekeeping_sweeps_are_not_logged_at_info(digest_services):
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = digest_scheduler(digest_services)
    scheduler.add_job(print, IntervalTrigger(seconds=30), id="sweep", name="sweep")
    scheduler.start(paused=True)
    try:
        levels = {line: level for level, line in next_run_lines(scheduler.get_jobs(), BERLIN)}
    finally:
        scheduler.shutdown(wait=False)

    assert [level for line, level in levels.items() if "sweep" in line] == [logging.DEBUG]
    assert [level for line, level in levels.items() if "daily digest" in line] == [logging.INFO]
