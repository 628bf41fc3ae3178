"""Digest delivery is durable: Slack's rate limits are honoured, a digest or a thread reply that
could not be posted is retried until it is, in order, then the CSV attached; nothing skipped and
nothing posted twice. The Slack stand-in injects the faults."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bot.cli import main
from bot.digest.delivery import DELIVERY_JOB_ID, DigestDeliveries, deliver_due
from bot.digest.job import DigestPending, post_digest, run_digest_job
from bot.digest.store import last_post
from tests.bot.digest.test_digest_job import CHANNEL, store_scan
from tests.fakes.findings import finding, many_findings
from tests.fakes.slack_api import BOT_TOKEN


@pytest.fixture
def digest_services(services):
    settings = services.settings.model_copy(update={"digest_channel": CHANNEL})
    return dataclasses.replace(services, settings=settings)


def later(services, minutes: float = 30):
    return dataclasses.replace(services, clock=lambda: services.clock() + timedelta(minutes=minutes))


def posts(slack_api, *, in_thread: bool) -> list:
    return [c for c in slack_api.calls_to("chat.postMessage") if bool(c.params.get("thread_ts")) is in_thread]


def test_six_429s_delay_the_digest_and_the_delivery_job_posts_it(digest_services, slack_client, slack_api) -> None:
    store_scan(digest_services, [finding("nb-alice")])
    slack_api.rate_limit("chat.postMessage", retry_after_seconds=1, times=6)
    with pytest.raises(DigestPending):
        post_digest(digest_services, slack_client)
    assert last_post(digest_services.store) is None

    deliver_due(later(digest_services), slack_client)
    assert last_post(digest_services.store) is not None
    assert len(slack_api.calls_to("chat.postMessage")) == 7  # 6 refused, 1 posted: never dropped


def test_a_rate_limited_digest_waits_at_least_the_retry_after(digest_services, slack_client, slack_api) -> None:
    store_scan(digest_services, [finding("nb-alice")])
    slack_api.rate_limit("chat.postMessage", retry_after_seconds=1, times=3)
    slack_api.fail("chat.postMessage", "ratelimit", skip=3, seconds=900)
    run_digest_job(digest_services, slack_client)  # the cron job: logs, never raises
    deliver_due(later(digest_services, minutes=14), slack_client)
    assert last_post(digest_services.store) is None
    deliver_due(later(digest_services, minutes=16), slack_client)
    assert last_post(digest_services.store) is not None


def test_a_failed_thread_reply_is_retried_in_order_then_the_csv_attached(
    digest_services, slack_client, slack_api
) -> None:
    store_scan(digest_services, many_findings(60))
    slack_api.fail("chat.postMessage", "error", skip=1, times=1)  # the first reply gets a 503
    posted = post_digest(digest_services, slack_client)
    assert (posted.thread_replies, posted.csv_file_id) == (0, None)
    assert "thread reply failed: service_unavailable" in posted.problems[0]
    assert slack_api.calls_to("files.completeUploadExternal") == []

    deliver_due(later(digest_services), slack_client)
    replies = [c.params["text"] for c in posts(slack_api, in_thread=True)]
    assert len(posts(slack_api, in_thread=False)) == 1  # the digest itself: once
    assert replies[0] == replies[1] and len(set(replies)) == len(replies) - 1  # the failed one, again
    assert len(slack_api.calls_to("files.completeUploadExternal")) == 1
    assert last_post(digest_services.store)["csv_file_id"]


def test_a_dropped_connection_or_a_timeout_only_delays_the_digest(digest_services, slack_api) -> None:
    from bot.runtime.slack_client import web_client

    client = web_client(BOT_TOKEN, slack_api.api_url, timeout_seconds=1)
    store_scan(digest_services, [finding("nb-alice")])
    slack_api.fail("chat.postMessage", "drop", times=2)  # the client retries a reset once
    with pytest.raises(DigestPending):
        post_digest(digest_services, client)
    slack_api.fail("chat.postMessage", "timeout", seconds=2)
    deliver_due(later(digest_services), client)
    assert last_post(digest_services.store) is None
    deliver_due(later(digest_services, minutes=60), client)
    assert last_post(digest_services.store) is not None


def test_a_delivery_in_progress_is_not_resumed_by_the_job_at_the_same_time(digest_services, slack_client, slack_api) -> None:
    store_scan(digest_services, [finding("nb-alice")])
    slack_api.fail("chat.postMessage", "error", times=1)
    with pytest.raises(DigestPending):
        post_digest(digest_services, slack_client)
    deliveries = DigestDeliveries(digest_services.store)
    [pending] = deliveries.due(later(digest_services).clock())
    assert deliveries.take(pending, later(digest_services).clock()) is not None
    deliver_due(later(digest_services), slack_client)  # the job finds it leased: leaves it
    assert len(slack_api.calls_to("chat.postMessage")) == 1


def test_digest_post_from_the_terminal_says_what_slack_did_and_leaves_nothing_pending(
    moto_server, slack_api, monkeypatch, tmp_path, capsys
) -> None:
    monkeypatch.setenv("SMBOT_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("SMBOT_REGIONS", "us-east-1")
    monkeypatch.setenv("SMBOT_DIGEST_WHEN_EMPTY", "true")
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack_api.api_url)
    monkeypatch.setenv("SMBOT_DIGEST_CHANNEL", CHANNEL)
    slack_api.fail("chat.postMessage", "error", times=5)
    code = main(["digest", "--post"])
    err = capsys.readouterr().err.strip().splitlines()
    assert (code, err) == (1, ["sm-cost-bot: Slack refused the digest: service_unavailable"])
    from bot.storage.store import Store

    assert DigestDeliveries(Store(tmp_path / "cli.db")).due(later_than_ever()) == []


def later_than_ever():
    from datetime import UTC, datetime

    return datetime(9999, 1, 1, tzinfo=UTC)


def test_the_running_bot_schedules_the_delivery_job(digest_services) -> None:
    from bot.runtime.scheduler import build_scheduler

    assert build_scheduler(digest_services, client=None).get_job(DELIVERY_JOB_ID) is not None
