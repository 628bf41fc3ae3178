"""The Slack side of action requests, kept current: the request message in the digest's thread,
the mark on the digest item (chat.update after every transition), result replies, and the jobs
that move requests without a click — start-up recovery, the periodic recovery sweep and the
expiry sweep.

Updates owed to Slack are recorded first (`bot.actions.pending_updates`) and then delivered: a
Slack failure of any kind leaves them owed, and the sweep delivers them later. Nothing here is
ever awaited by an AWS action (the executor acts first; these run after).

Uses the Web API client only (no Bolt): the runner and the scheduler call it as well as the
button listeners in `handlers/actions.py`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient

from bot.actions import approvals, recovery
from bot.actions.models import ActionRequest, Outcome, RequestState
from bot.actions.pending_updates import PendingUpdate, PendingUpdates
from bot.actions.store import RequestStore
from bot.digest.store import items_for
from bot.report.ledger import backfill_after_crash
from bot.runtime.slack_client import SLACK_FAILURES, describe_failure
from bot.services import Services
from reports.requests import item_mark, mark_item, request_blocks, request_text

logger = logging.getLogger(__name__)

EXPIRY_JOB_ID = "action-request-expiry"
EXPIRY_SWEEP_MINUTES = 5
SWEEP_JOB_ID = "action-request-sweep"
SWEEP_SECONDS = 30  # how soon a stranded request or an owed Slack update is picked up
# Slack errors that no retry can fix: the update is dropped (and logged) instead of retried.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "message_not_found", "not_in_channel", "is_archived",
    "cant_update_message", "edit_window_closed", "invalid_blocks", "msg_too_long",
})
# Marks are a read-modify-write of a digest message's blocks: one writer at a time per process.
_DIGEST_LOCK = threading.Lock()


class RequestMessages:
    """Keeps the Slack side of requests current: the request message and the digest item."""

    def __init__(self, services: Services):
        self.services = services
        self.requests = RequestStore(services.store)
        self.pending = PendingUpdates(services.store)

    def needed(self) -> int:
        return self.services.settings.required_approvals

    def ephemeral(self, client: WebClient, channel: str, user: str, text: str) -> None:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        except SLACK_FAILURES as exc:
            logger.warning("chat.postEphemeral failed: %s", describe_failure(exc)[0])

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
        except SLACK_FAILURES as exc:
            logger.warning("posting request #%s in %s failed: %s", request.id, channel, describe_failure(exc)[0])
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
    ) -> bool:
        """Bring the request message and the digest item to the request's current state (owed
        until Slack has it); True when delivered now."""
        self.pending.owe(
            request.id, self.services.clock(), request_message=request_message, digest_item=True
        )
        return self.deliver(client, request.id)

    def settle(self, client: WebClient, request: ActionRequest, outcome: Outcome) -> bool:
        """After an attempt: both messages refreshed and, once it is over, the result replied."""
        self.pending.owe(
            request.id, self.services.clock(), request_message=True, digest_item=True,
            announce=None if outcome.state.open else f"Request #{request.id}: {outcome.message}",
        )
        return self.deliver(client, request.id)

    def announce(self, client: WebClient, request: ActionRequest, outcome: Outcome) -> bool:
        """The result as a thread reply, so the people in the thread are notified."""
        self.pending.owe(
            request.id, self.services.clock(), announce=f"Request #{request.id}: {outcome.message}"
        )
        return self.deliver(client, request.id)

    def deliver(self, client: WebClient, request_id: int) -> bool:
        """Send what request `request_id` is owed, part by part; a failure keeps the rest owed."""
        owed = self.pending.take(request_id, self.services.clock())
        if owed is None:
            return False
        while True:
            if not self._deliver_taken(client, owed):
                return False
            if not self.pending.release(owed, self.services.clock()):
                return True
            owed = self.pending.take(request_id, self.services.clock())
            if owed is None:
                return True

    def _deliver_taken(self, client: WebClient, owed: PendingUpdate) -> bool:
        request_id = owed.request_id
        request = self.requests.get(request_id)
        parts = [("request_message", owed.request_message), ("digest_item", owed.digest_item),
                 ("announce", bool(owed.announce))]
        for part, wanted in parts:
            if not wanted:
                continue
            try:
                if request is not None:
                    self._send(client, request, part, owed.announce)
            except SLACK_FAILURES as exc:
                error, retry_after = describe_failure(exc)
                if error in PERMANENT_ERRORS:
                    logger.error("request #%s: Slack refused the %s update for good: %s",
                                 request_id, part, error)
                else:
                    logger.warning("request #%s: %s update failed (%s); will retry",
                                   request_id, part, error)
                    if self.pending.failed(request_id, self.services.clock(), error, retry_after) is None:
                        logger.error("request #%s: gave up updating Slack: %s", request_id, error)
                    return False
            self.pending.delivered(owed, part)
        return True

    def deliver_due(self, client: WebClient) -> int:
        """Every owed update whose time has come (the sweep); returns how many were delivered."""
        return sum(self.deliver(client, r) for r in self.pending.due(self.services.clock()))

    def _send(self, client: WebClient, request: ActionRequest, part: str, announce: str | None) -> None:
        if part == "request_message":
            self._refresh_request_message(client, request)
        elif part == "digest_item":
            self._refresh_digest_item(client, request)
        elif request.channel and announce:
            client.chat_postMessage(
                channel=request.channel, thread_ts=request.thread_ts or request.message_ts,
                text=announce,
            )

    def _refresh_request_message(self, client: WebClient, request: ActionRequest) -> None:
        votes = self.requests.votes(request.id)
        if request.channel and request.message_ts:
            client.chat_update(
                channel=request.channel, ts=request.message_ts,
                text=request_text(request, votes, self.needed()),
                blocks=[b.to_dict() for b in request_blocks(request, votes, self.needed())],
            )

    def _refresh_digest_item(self, client: WebClient, request: ActionRequest) -> None:
        votes = self.requests.votes(request.id)
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
            client.chat_update(
                channel=request.digest_channel, ts=request.digest_ts,
                text=stored.get("text") or "Daily digest", blocks=blocks,
            )


def _settle_all(
    messages: RequestMessages, client: WebClient, expired: list[ActionRequest],
    outcomes: list[Outcome],
) -> None:
    """Owe and deliver the Slack side of what a recovery pass moved."""
    for request in expired:
        messages.refresh(client, request)
    for outcome in outcomes:
        request = messages.requests.get(outcome.request_id)
        if request is not None:
            messages.settle(client, request, outcome)


def recover_on_start(services: Services, client: WebClient) -> list[Outcome]:
    """At start-up, before serving: finish what a crash left (`recovery.recover`: approved ones
    run, executing ones settled by a re-read, overdue ones expired), bring their messages up to
    date, and deliver the Slack updates still owed from before; savings-ledger rows a crash
    kept from being written are written now."""
    messages = RequestMessages(services)
    expired = approvals.expire_due(messages.requests, services.clock())
    outcomes = recovery.recover(services)
    backfill_after_crash(
        services.store, messages.requests.in_states(RequestState.SUCCEEDED), services.clock(),
        services.settings.owner_tag_keys, services.prices,
    )
    _settle_all(messages, client, expired, outcomes)
    messages.deliver_due(client)
    return outcomes


def sweep(services: Services, client: WebClient) -> list[Outcome]:
    """The running bot's periodic pass: requests stranded `approved`/`executing` past the grace
    period (a lost thread, a failed re-read) are finished, and owed Slack updates retried."""
    messages = RequestMessages(services)
    outcomes = recovery.recover(services, grace_seconds=recovery.RECOVERY_GRACE_SECONDS)
    _settle_all(messages, client, [], outcomes)
    messages.deliver_due(client)
    return outcomes


def expire_and_refresh(services: Services, client: WebClient) -> list[ActionRequest]:
    """Expire requests past SMBOT_REQUEST_TTL_HOURS and show it on their messages."""
    messages = RequestMessages(services)
    expired = approvals.expire_due(messages.requests, services.clock())
    for request in expired:
        messages.refresh(client, request)
    return expired


def install_request_jobs(scheduler: Any, services: Services, client: WebClient) -> None:
    """Scheduler installer (bot.runtime.scheduler.JOB_INSTALLERS): the expiry sweep every few
    minutes, the recovery sweep (stranded requests, owed Slack updates) every SWEEP_SECONDS."""
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler.add_job(
        expire_and_refresh, IntervalTrigger(minutes=EXPIRY_SWEEP_MINUTES),
        args=(services, client), id=EXPIRY_JOB_ID, name="action request expiry",
        replace_existing=True, max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        sweep, IntervalTrigger(seconds=SWEEP_SECONDS),
        args=(services, client), id=SWEEP_JOB_ID, name="action request recovery sweep",
        replace_existing=True, max_instances=1, coalesce=True,
    )
