"""Button clicks on digest items and action requests (block_actions listeners).

Stop / Start / Delete on a digest item open an action request (posted in the digest's thread, the
item marked "requested by @x"); Approve / Reject decide it; Restore on a deleted endpoint's
result opens a restore request. Every listener acks at once and works in a lazy listener; the
rules live in `bot.executor` / `bot.approvals`, this module only translates Slack payloads and
keeps the request message and the digest item up to date (chat.update after each transition).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import approvals, executor
from bot.action_models import (
    ActionKind,
    ActionRequest,
    DecisionCode,
    Outcome,
    ResourceKey,
    Vote,
)
from bot.aws.actions import ACTIONS_BY_BUTTON
from bot.requests_store import RequestStore
from bot.services import Services
from handlers import approval_commands
from handlers.approvers import ApproverDirectory
from reports.ids import ActionId
from reports.requests import (
    item_mark,
    mark_item,
    offers_restore,
    request_blocks,
    request_text,
)

logger = logging.getLogger(__name__)

VERBS = {ActionId.STOP.value: "stop", ActionId.START.value: "start", ActionId.DELETE.value: "delete"}


def _ack(ack: Ack) -> None:
    ack()


def _click(body: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    """(user, channel, button value, clicked message) from a block_actions payload."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return body["user"]["id"], channel, body["actions"][0].get("value", ""), body.get("message") or {}


class RequestMessages:
    """Keeps the Slack side of requests current: the request message and the digest item."""

    def __init__(self, services: Services):
        self.services = services
        self.requests = RequestStore(services.store)
        self._digest_lock = threading.Lock()  # read-modify-write of one digest message's blocks

    def needed(self) -> int:
        return self.services.settings.required_approvals

    def ephemeral(self, client: WebClient, channel: str, user: str, text: str) -> None:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        except SlackApiError as exc:
            logger.warning("chat.postEphemeral failed: %s", exc.response.get("error"))

    def post(self, client: WebClient, request: ActionRequest, channel: str, thread_ts: str | None) -> None:
        votes = self.requests.votes(request.id)
        posted = client.chat_postMessage(
            channel=channel, thread_ts=thread_ts,
            text=request_text(request, votes, self.needed()),
            blocks=[b.to_dict() for b in request_blocks(request, votes, self.needed())],
        )
        self.requests.set_messages(
            request.id, channel=channel, message_ts=posted["ts"], thread_ts=thread_ts
        )

    def mark_digest_item(
        self, client: WebClient, request: ActionRequest, channel: str, message: dict[str, Any]
    ) -> None:
        """First mark: the clicked message as Slack sent it in the payload (the freshest copy)."""
        ts = message.get("ts")
        if not ts or not channel:
            return
        with self._digest_lock:
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
            with self._digest_lock:
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


def register(app: App, services: Services) -> None:
    messages = RequestMessages(services)
    requests = messages.requests
    directory = ApproverDirectory(services)

    def open_from_item(body: dict[str, Any], client: WebClient) -> None:
        user, channel, value, message = _click(body)
        verb = VERBS[body["actions"][0]["action_id"]]
        try:
            key = ResourceKey.parse(value)
        except ValueError:
            messages.ephemeral(client, channel, user, "That button does not name a resource.")
            return
        action = ACTIONS_BY_BUTTON.get((verb, key.resource_type))
        if action is None:
            messages.ephemeral(client, channel, user, f"The bot cannot {verb} a {key.resource_type}.")
            return
        finding = requests.latest_finding(value)
        opened = executor.request_action(
            services, action, value, user, params=executor.params_for(finding),
            est_monthly_cost_usd=finding.est_monthly_cost_usd if finding else None,
        )
        if opened.request is None:
            messages.ephemeral(client, channel, user, f":warning: {opened.refusal}")
            return
        request = opened.request
        if not opened.created:
            messages.ephemeral(
                client, channel, user,
                f"Request #{request.id} to {request.action.verb} {key.name} is already open"
                f" ({request.state}), asked by <@{request.requester}>: see the thread.",
            )
            return
        messages.post(client, request, channel, message.get("thread_ts") or message.get("ts"))
        messages.mark_digest_item(client, request, channel, message)

    def decide(choice: Vote):
        def on_vote(body: dict[str, Any], client: WebClient) -> None:
            user, channel, value, _ = _click(body)
            try:
                result = executor.cast_vote(
                    services, int(value), user, choice, directory.approvers(client)
                )
            except (ValueError, LookupError):
                messages.ephemeral(client, channel, user, f"There is no request #{value[:20]}.")
                return
            if not result.decision.allowed:
                messages.ephemeral(client, channel, user, result.decision.reason)
                if result.decision.code is DecisionCode.EXPIRED:  # the click expired it
                    messages.refresh(client, result.request)
                return
            messages.refresh(client, result.request)
            if executor.should_run(result):
                outcome = executor.run_request(services, result.request.id, actor=user)
                messages.refresh(client, result.request)
                messages.announce(client, result.request, outcome)

        on_vote.__name__ = f"on_{choice}"
        return on_vote

    def open_restore(body: dict[str, Any], client: WebClient) -> None:
        user, channel, value, message = _click(body)
        deleted = requests.get(int(value)) if value.isdigit() else None
        if deleted is None or not offers_restore(deleted):
            messages.ephemeral(client, channel, user, "There is no deleted endpoint to restore here.")
            return
        opened = executor.request_action(
            services, ActionKind.RESTORE_ENDPOINT, deleted.resource_key, user,
            est_monthly_cost_usd=deleted.est_monthly_cost_usd, restore_of=deleted.id,
        )
        if opened.request is None:
            messages.ephemeral(client, channel, user, f":warning: {opened.refusal}")
            return
        if not opened.created:
            messages.ephemeral(
                client, channel, user,
                f"Restore request #{opened.request.id} is already open ({opened.request.state}).",
            )
            return
        messages.post(
            client, opened.request, deleted.channel or channel,
            deleted.thread_ts or deleted.message_ts or message.get("ts"),
        )

    for action_id in VERBS:
        app.action(action_id)(ack=_ack, lazy=[open_from_item])
    app.action(ActionId.APPROVE.value)(ack=_ack, lazy=[decide(Vote.APPROVE)])
    app.action(ActionId.REJECT.value)(ack=_ack, lazy=[decide(Vote.REJECT)])
    app.action(ActionId.RESTORE.value)(ack=_ack, lazy=[open_restore])
    approval_commands.register(app, services, directory)
