"""The Slack updates a request is owed: merged, leased to one deliverer, retried with back-off
(Slack's Retry-After honoured), given up only after many attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.actions.models import ActionKind, RequestState
from bot.actions.pending_updates import MAX_ATTEMPTS, PendingUpdates
from bot.actions.store import RequestStore
from bot.runtime.slack_client import describe_failure, retry_delay_seconds
from tests.fakes.slack_api import BOT_TOKEN

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def pending(fresh_store) -> PendingUpdates:
    RequestStore(fresh_store).create(
        action=ActionKind.STOP_NOTEBOOK, resource_key="1:us-east-1:notebook-instance:nb",
        requester="U1", state=RequestState.REQUESTED, now=NOW, expires_at=NOW + timedelta(hours=1),
    )
    return PendingUpdates(fresh_store)


def test_owed_updates_for_one_request_merge_into_one_row(pending) -> None:
    pending.owe(1, NOW, digest_item=True)
    pending.owe(1, NOW, request_message=True, announce="Request #1: done")
    owed = pending.get(1)
    assert (owed.request_message, owed.digest_item, owed.announce) == (True, True, "Request #1: done")


def test_a_delivery_in_progress_keeps_others_off_the_row(pending) -> None:
    pending.owe(1, NOW, announce="Request #1: done")
    assert pending.take(1, NOW) is not None
    assert pending.take(1, NOW) is None  # the sweep meanwhile: it does not post the reply again


def test_a_refresh_owed_during_a_delivery_is_kept_for_another_go(pending) -> None:
    pending.owe(1, NOW, request_message=True)
    taken = pending.take(1, NOW)
    pending.owe(1, NOW, request_message=True)  # the state moved while the first was rendering
    pending.delivered(taken, "request_message")
    assert pending.release(taken, NOW) and pending.get(1).request_message


def test_a_posted_reply_is_not_posted_again_even_if_owed_again_meanwhile(pending) -> None:
    pending.owe(1, NOW, announce="Request #1: done")
    taken = pending.take(1, NOW)
    pending.owe(1, NOW, digest_item=True)
    pending.delivered(taken, "announce")
    assert pending.get(1).announce is None


def test_a_failed_delivery_backs_off_and_honours_a_longer_retry_after(pending) -> None:
    pending.owe(1, NOW, digest_item=True)
    first = pending.failed(1, NOW, "HTTP 503")
    assert first.next_attempt_at == (NOW + timedelta(seconds=retry_delay_seconds(1))).isoformat()
    limited = pending.failed(1, NOW, "ratelimited", retry_after_seconds=120)
    assert limited.next_attempt_at == (NOW + timedelta(seconds=120)).isoformat()
    assert pending.due(NOW + timedelta(seconds=119)) == [] and pending.due(NOW + timedelta(seconds=120)) == [1]


def test_an_update_is_given_up_after_max_attempts(pending) -> None:
    pending.owe(1, NOW, digest_item=True)
    for _ in range(MAX_ATTEMPTS - 1):
        assert pending.failed(1, NOW, "HTTP 503") is not None
    assert pending.failed(1, NOW, "HTTP 503") is None and pending.get(1) is None


def test_slacks_retry_after_is_read_from_a_real_429(slack_api) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack_api.api_url)  # no 429 retries: see it
    slack_api.fail("chat.update", "ratelimit", seconds=120)
    with pytest.raises(SlackApiError) as refused:
        client.chat_update(channel="C1", ts="1.1", text="x")
    assert describe_failure(refused.value) == ("ratelimited", 120.0)
