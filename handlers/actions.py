"""Button clicks on digest items and action requests (block_actions listeners).

Stop / Start / Delete on a digest item open an action request (posted in the digest's thread, the
item marked "requested by @x"); Approve / Reject decide it; Restore on a deleted endpoint's
result opens a restore request. Every listener acks at once and works in a lazy listener; the
rules live in `bot.actions.executor` / `bot.actions.approvals`, this module only translates Slack payloads;
`bot.actions.messages` keeps the request message and the digest item up to date.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.actions import executor, fix_steps, pending_fixes, request_params
from bot.actions.issued import key_refusal, refuse, weak_evidence_refusal
from bot.actions.messages import RequestMessages
from bot.actions.models import ActionKind, ActionRequest, DecisionCode, ResourceKey, Vote
from bot.aws.actions import ACTIONS_BY_BUTTON, RESTART_VERBS
from bot.services import Services
from handlers import approval_commands
from handlers.approvers import ApproverDirectory
from handlers.button_values import row_id
from reports.ids import ActionId
from reports.mrkdwn import escape, mention
from reports.requests import offers_restore

CLICK_REFUSED = "click-refused"
VERBS = {
    ActionId.STOP.value: "stop", ActionId.START.value: "start", ActionId.DELETE.value: "delete",
    ActionId.AUTO_STOP.value: "auto-stop", ActionId.AUTO_STOP_RESTART.value: "auto-stop-restart",
    ActionId.ENABLE_IDLE_SHUTDOWN.value: "enable-idle-shutdown", ActionId.RESIZE.value: "resize",
    ActionId.AUTOSCALE.value: "autoscale",
}


def _ack(ack: Ack) -> None:
    ack()


def _click(body: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    """(user, channel, button value, clicked message) from a block_actions payload."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return body["user"]["id"], channel, body["actions"][0].get("value", ""), body.get("message") or {}


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
            refuse(services, user, CLICK_REFUSED, "That button does not name a resource.", value)
            messages.ephemeral(client, channel, user, "That button does not name a resource.")
            return
        action = ACTIONS_BY_BUTTON.get((verb, key.resource_type))
        if action is None:
            messages.ephemeral(client, channel, user, f"The bot cannot {verb} a {escape(key.resource_type)}.")
            return
        finding = requests.latest_finding(value)
        refusal = key_refusal(services.settings, key, finding) or weak_evidence_refusal(
            finding, destructive=verb in ("stop", "delete"),
            on_request=bool((body.get("container") or {}).get("is_ephemeral")),
        )
        if refusal:
            refuse(services, user, CLICK_REFUSED, refusal, value)
            messages.ephemeral(client, channel, user, f":no_entry_sign: {escape(refusal)}")
            return
        params = request_params.params_for(finding) | fix_steps.button_params(
            services, action, restart_now=verb in RESTART_VERBS, finding=finding
        )
        opened = executor.request_action(
            services, action, value, user, params=params,
            est_monthly_cost_usd=finding.est_monthly_cost_usd if finding else None,
        )
        if opened.request is None:
            messages.ephemeral(client, channel, user, f":warning: {opened.refusal}")
            return
        request = opened.request
        if not opened.created:
            messages.ephemeral(
                client, channel, user,
                f"Request #{request.id} to {request.action.verb} {escape(key.name)} is already open"
                f" ({request.state}), asked by {mention(request.requester)}: see the thread.",
            )
            return
        where, thread_ts = messages.place_for(value, channel, message)
        if not messages.post(client, request, where, thread_ts):
            messages.ephemeral(
                client, channel, user,
                f"Request #{request.id} to {request.action.verb} {escape(key.name)} is open, but I could"
                " not post it for approvers here: they can find it with /sm-approvals.",
            )
            return
        messages.mark_digest_item(client, request, channel, message)

    def decide(choice: Vote):
        def on_vote(body: dict[str, Any], client: WebClient) -> None:
            user, channel, value, _ = _click(body)
            request_id = row_id(value)
            try:
                if request_id is None:
                    raise LookupError(value)
                result = executor.cast_vote(
                    services, request_id, user, choice, directory.approvers(client)
                )
            except (ValueError, LookupError):
                messages.ephemeral(client, channel, user, f"There is no request #{escape(value[:20])}.")
                return
            if not result.decision.allowed:
                messages.ephemeral(client, channel, user, result.decision.reason)
                if result.decision.code is DecisionCode.EXPIRED:  # the click expired it
                    messages.refresh(client, result.request)
                return
            if executor.should_run(result):  # AWS first: Slack hears about it after
                outcome = executor.run_request(services, result.request.id, actor=user)
                messages.settle(client, result.request, outcome)
            else:
                messages.refresh(client, result.request)

        on_vote.__name__ = f"on_{choice}"
        return on_vote

    def announce_follow_up(
        client: WebClient, noun: str, opened: executor.Opened, earlier: ActionRequest,
        channel: str, user: str, message: dict[str, Any],
    ) -> None:
        """A Restore or Undo request opened from an earlier request's message: posted in that
        request's thread for approvers, or why not, to the clicker."""
        if opened.request is None:
            messages.ephemeral(client, channel, user, f":warning: {opened.refusal or 'Nothing to do.'}")
            return
        if not opened.created:
            messages.ephemeral(
                client, channel, user,
                f"{noun} request #{opened.request.id} is already open ({opened.request.state}).",
            )
            return
        if not messages.post(
            client, opened.request, earlier.channel or channel,
            earlier.thread_ts or earlier.message_ts or message.get("ts"),
        ):
            messages.ephemeral(
                client, channel, user,
                f"{noun} request #{opened.request.id} is open; approvers can find it with"
                " /sm-approvals.",
            )

    def open_restore(body: dict[str, Any], client: WebClient) -> None:
        user, channel, value, message = _click(body)
        request_id = row_id(value)
        deleted = requests.get(request_id) if request_id is not None else None
        if deleted is None or not offers_restore(deleted):
            messages.ephemeral(client, channel, user, "There is no deleted endpoint to restore here.")
            return
        opened = executor.request_action(
            services, ActionKind.RESTORE_ENDPOINT, deleted.resource_key, user,
            est_monthly_cost_usd=deleted.est_monthly_cost_usd, restore_of=deleted.id,
        )
        announce_follow_up(client, "Restore", opened, deleted, channel, user, message)

    def open_undo(body: dict[str, Any], client: WebClient) -> None:
        user, channel, value, message = _click(body)
        undo_of = row_id(value)
        done = requests.get(undo_of) if undo_of is not None else None
        if done is None:
            messages.ephemeral(client, channel, user, "There is no change to undo here.")
            return
        opened = pending_fixes.open_undo(services, done, user)
        announce_follow_up(client, "Undo", opened, done, channel, user, message)

    for action_id in VERBS:
        app.action(action_id)(ack=_ack, lazy=[open_from_item])
    app.action(ActionId.APPROVE.value)(ack=_ack, lazy=[decide(Vote.APPROVE)])
    app.action(ActionId.REJECT.value)(ack=_ack, lazy=[decide(Vote.REJECT)])
    app.action(ActionId.RESTORE.value)(ack=_ack, lazy=[open_restore])
    app.action(ActionId.UNDO.value)(ack=_ack, lazy=[open_undo])
    approval_commands.register(app, services, directory)
