"""The Slack side of action requests, kept current: the request message in the digest's thread,
the mark on the digest item (chat.update after every transition), result replies, and the jobs
that move requests without a click — start-up recovery and the periodic expiry sweep.

Uses the Web API client only (no Bolt): the runner and the scheduler call it as well as the
button listeners in `handlers/actions.py`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.actions import approvals, executor
from bot.actions.models import ActionRequest, Outcome
from bot.actions.store import RequestStore
from bot.digest.store import items_for
from bot.services import Services
from reports.requests import item_mark, mark_item, request_blocks, request_text

logger = logging.getLogger(__name__)

EXPIRY_JOB_ID = "action-request-expiry"
EXPIRY_SWEEP_MINUTES = 5
# Marks are a read-modify-write of a digest message's blocks: one writer at a time per process.
_DIGEST_LOCK = threading.Lock()


class RequestMessages:
    """Keeps the Slack side of requests current: the request message and the digest item."""

    def __init__(self, services: Services):
        self.services = services
        self.requests = RequestStore(services.store)

    def needed(self) -> int:
        return self.services.settings.required_approvals

    def ephemeral(self, client: WebClient, channel: str, user: str, text: str) -> None:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        except SlackApiError as exc:
            logger.warning("chat.postEphemeral failed: %s", exc.response.get("error"))

    def place_for(
        self, resource_key: str, channel: str | None, message: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        """Where a request goes: the clicked message's thread; for a click on an ephemeral
        listing (no message), the thread of the newest digest showing the resource; else the
        channel of the click, or SMBOT_DIGEST_CHANNEL."""
        if message.get("ts"):
            return channel, message.get("thread_ts") or message["ts"]
        shown = items_for(self.services.store, resource_key)
        if shown:
            return shown[0].channel, shown[0].thread_ts or shown[0].ts
        return channel or self.services.settings.digest_channel, None

    def post(
        self, client: WebClient, request: ActionRequest, channel: str | None, thread_ts: str | None
    ) -> bool:
        """Post the request message; False when Slack refused (e.g. the bot is not in the channel)."""
        if not channel:
            return False
        votes = self.requests.votes(request.id)
        try:
            posted = client.chat_postMessage(
                channel=channel, thread_ts=thread_ts,
                text=request_text(request, votes, self.needed()),
                blocks=[b.to_dict() for b in request_blocks(request, votes, self.needed())],
            )
        except SlackApiError as exc:
            logger.warning("posting request #%s in %s failed: %s", request.id, channel, exc.response.get("error"))
            return False
        self.requests.set_messages(
            request.id, channel=channel, message_ts=posted["ts"], thread_ts=thread_ts
        )
        return True

    def mark_digest_item(
        self, client: WebClient, request: ActionRequest, channel: str, message: dict[str, Any]
    ) -> None:
        """First mark: the clicked message as Slack sent it in the payload (the freshest copy)."""
        ts = message.get("ts")
        if not ts or not channel:
            return
        with _DIGEST_LOCK:
            self.requests.save_digest_message(channel, ts, message)
        self.requests.set_messages(request.id, digest_channel=channel, digest_ts=ts)
        self.refresh(client, self.requests.get(request.id) or request, request_message=False)

    def refresh(
        self, client: WebClient, request: ActionRequest, *, request_message: bool = True
    ) -> None:
        """chat.update the request message and the digest item to the request's current state."""
        request = self.requests.get(request.id) or request
        votes = self.requests.votes(request.id)
        if request_message and request.channel and request.message_ts:
            self._update(
                client, request.channel, request.message_ts,
                request_text(request, votes, self.needed()),
                [b.to_dict() for b in request_blocks(request, votes, self.needed())],
            )
        if request.digest_channel and request.digest_ts:
            with _DIGEST_LOCK:
                stored = self.requests.digest_message(request.digest_channel, request.digest_ts)
                if stored is None:
                    return
                blocks, block_id = mark_item(
                    stored["blocks"], request.resource_key, request.digest_block_id,
                    item_mark(request, votes, self.needed()),
                )
                if block_id is None:
                    return
                stored["blocks"] = blocks
                self.requests.save_digest_message(request.digest_channel, request.digest_ts, stored)
            if block_id != request.digest_block_id:
                self.requests.set_messages(request.id, digest_block_id=block_id)
            self._update(
                client, request.digest_channel, request.digest_ts,
                stored.get("text") or "Daily digest", blocks,
            )

    def announce(self, client: WebClient, request: ActionRequest, outcome: Outcome) -> None:
        """The result as a thread reply, so the people in the thread are notified."""
        request = self.requests.get(request.id) or request
        if request.channel:
            client.chat_postMessage(
                channel=request.channel, thread_ts=request.thread_ts or request.message_ts,
                text=f"Request #{request.id}: {outcome.message}",
            )

    def _update(self, client: WebClient, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        try:
            client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            logger.warning("chat.update %s/%s failed: %s", channel, ts, exc.response.get("error"))


def recover_on_start(services: Services, client: WebClient) -> list[Outcome]:
    """At start-up, before serving: finish what a crash left (`executor.recover`: approved ones
    run, executing ones reconciled, overdue ones expired) and bring their messages up to date."""
    messages = RequestMessages(services)
    expired = approvals.expire_due(messages.requests, services.clock())
    outcomes = executor.recover(services)
    touched = {r.id for r in expired} | {o.request_id for o in outcomes}
    for request_id in sorted(touched):
        request = messages.requests.get(request_id)
        if request is None:
            continue
        try:
            messages.refresh(client, request)
            outcome = next((o for o in outcomes if o.request_id == request_id), None)
            if outcome is not None and not outcome.state.open:
                messages.announce(client, request, outcome)
        except SlackApiError as exc:
            logger.warning("start-up update of request #%s failed: %s", request_id, exc)
    return outcomes


def expire_and_refresh(services: Services, client: WebClient) -> list[ActionRequest]:
    """Expire requests past SMBOT_REQUEST_TTL_HOURS and show it on their messages."""
    messages = RequestMessages(services)
    expired = approvals.expire_due(messages.requests, services.clock())
    for request in expired:
        try:
            messages.refresh(client, request)
        except SlackApiError as exc:
            logger.warning("update of expired request #%s failed: %s", request.id, exc)
    return expired


def install_request_jobs(scheduler: Any, services: Services, client: WebClient) -> None:
    """Scheduler installer (bot.runtime.scheduler.JOB_INSTALLERS): the expiry sweep every few minutes."""
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler.add_job(
        expire_and_refresh, IntervalTrigger(minutes=EXPIRY_SWEEP_MINUTES),
        args=(services, client), id=EXPIRY_JOB_ID, name="action request expiry",
        replace_existing=True, max_instances=1, coalesce=True,
    )
