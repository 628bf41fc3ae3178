"""The scheduler: the digest cron job on the right days and hours, installers, catch-up."""

from __future__ import annotations

import dataclasses
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
    missed_digest_at,
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
