"""Schedule and Snooze: the item buttons that open modals, the modals' submissions, Unsnooze,
and Approve/Reject on a pending schedule. Slash commands /sm-schedule and /sm-snoozed live in
`handlers.schedule_commands`, registered from here.

Buttons open their modal synchronously right after ack (a trigger_id lives 3 seconds).
A submission is validated before it is acknowledged: invalid input is answered with
`response_action: errors` on the field and nothing is saved.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.actions.issued import issue_view, key_refusal, redeem_view, refuse
from bot.actions.models import ResourceKey
from bot.actions.store import RequestStore
from bot.models import ResourceType
from bot.schedules.requests import create_schedule, decide
from bot.schedules.rules import (
    PRESETS,
    ScheduleInputError,
    ScheduleRule,
    delete_at_rule,
    recurring_rule,
)
from bot.schedules.snoozes import SnoozeInputError, snooze_until
from bot.schedules.store import (
    ScheduleStatus,
    active_snoozes,
    add_snooze,
    list_schedules,
    schedule_votes,
    unsnooze,
)
from bot.services import Services
from handlers import schedule_commands
from handlers.approvers import ApproverDirectory
from handlers.button_values import row_id
from reports.ids import ActionId, CallbackId
from reports.modals import (
    DELETE_AT_BLOCKS,
    SCHEDULE_BLOCKS,
    SNOOZE_BLOCKS,
    delete_at_modal,
    field_errors,
    metadata,
    read_metadata,
    schedule_modal,
    snooze_modal,
    submitted,
)
from reports.mrkdwn import escape
from reports.schedules import schedule_list, schedule_request, snoozed_list

logger = logging.getLogger(__name__)


def _clicked(body: dict[str, Any]) -> tuple[str, str | None, str, dict[str, Any]]:
    """(user, channel, button value, clicked message)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return body["user"]["id"], channel, body["actions"][0].get("value", ""), body.get("message") or {}


def _user_tz(client: WebClient, user: str) -> str | None:
    try:
        return (client.users_info(user=user).get("user") or {}).get("tz")
    except SlackApiError as exc:
        logger.warning("users.info %s failed: %s", user, exc.response.get("error"))
        return None


def _ephemeral(client: WebClient, channel: str | None, user: str, text: str) -> None:
    if not channel:
        return
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        logger.warning("chat.postEphemeral failed: %s", exc.response.get("error"))


CLICK_REFUSED, VIEW_REFUSED = "click-refused", "view-refused"


def register(app: App, services: Services) -> None:
    settings = services.settings
    directory = ApproverDirectory(services)
    requests = RequestStore(services.store)

    def reported(client: WebClient, user: str, channel: str | None, value: str) -> ResourceKey | None:
        """The key a Schedule/Snooze button names, if the bot reported it; else refuse (audited)."""
        try:
            key = ResourceKey.parse(value)
        except ValueError:
            _ephemeral(client, channel, user, refuse(services, user, CLICK_REFUSED, "That button does not name a resource.", value))
            return None
        refusal = key_refusal(settings, key, requests.latest_finding(value))
        if refusal:
            refuse(services, user, CLICK_REFUSED, refusal, value)
            _ephemeral(client, channel, user, f":no_entry_sign: {escape(refusal)}")
            return None
        return key

    def token_for(user: str, callback: CallbackId, value: str) -> str:
        return issue_view(services.store, user, callback.value, value, services.clock())

    def view_refusal(user: str, callback: CallbackId, meta: dict[str, Any], *, spend: bool) -> str | None:
        """Why a submission is not honoured: no token the bot issued for this user, modal and resource."""
        key = str(meta.get("key") or "")
        refusal = redeem_view(services.store, str(meta.get("token") or ""), user, callback.value, key,
                              services.clock(), spend=spend)
        return refuse(services, user, VIEW_REFUSED, refusal, key) if refusal else None

    # --- buttons that open modals ------------------------------------------------------------

    def open_schedule(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, channel, value, message = _clicked(body)
        key = reported(client, user, channel, value)
        if key is None:
            return
        thread_ts = message.get("thread_ts") or message.get("ts")
        if key.resource_type == ResourceType.ENDPOINT:
            tomorrow = (services.clock() + timedelta(days=1)).astimezone(settings.tz).date()
            meta = metadata(value, channel, thread_ts, token_for(user, CallbackId.DELETE_AT_MODAL, value))
            view = delete_at_modal(value, settings.timezone, _user_tz(client, user), meta, tomorrow)
        elif key.resource_type == ResourceType.NOTEBOOK_INSTANCE:
            meta = metadata(value, channel, thread_ts, token_for(user, CallbackId.SCHEDULE_MODAL, value))
            view = schedule_modal(value, settings.timezone, _user_tz(client, user), meta)
        else:
            _ephemeral(client, channel, user, f"A {escape(key.resource_type)} cannot be scheduled.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def open_snooze(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user, channel, value, message = _clicked(body)
        if reported(client, user, channel, value) is None:
            return
        week = (services.clock() + timedelta(days=7)).astimezone(settings.tz).date()
        meta = metadata(value, channel, message.get("ts"), token_for(user, CallbackId.SNOOZE_MODAL, value))
        client.views_open(trigger_id=body["trigger_id"], view=snooze_modal(value, meta, week))

    # --- submissions -------------------------------------------------------------------------

    def schedule_rule(callback: CallbackId, values: dict[str, Any]) -> ScheduleRule:
        tz = values.get("timezone") or settings.timezone
        if callback is CallbackId.DELETE_AT_MODAL:
            return delete_at_rule(values.get("date") or "", values.get("time") or "", tz, services.clock())
        preset = values.get("preset") or "weekdays"
        if preset in PRESETS:
            return PRESETS[preset](tz)
        return recurring_rule(values.get("days") or [], values.get("start"), values.get("stop"), tz)

    def on_schedule_submit(callback: CallbackId, blocks: tuple[str, ...]):
        def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
            user = body["user"]["id"]
            meta = read_metadata(view.get("private_metadata", ""))
            values = submitted(view["state"]["values"])
            refusal = view_refusal(user, callback, meta, spend=False)
            if refusal:
                ack(response_action="errors", errors=field_errors({"resource": refusal}, callback, blocks))
                return
            try:
                key = ResourceKey.parse(meta.get("key") or "")
                rule = schedule_rule(callback, values)
                refusal = view_refusal(user, callback, meta, spend=True)  # one submission wins
                if refusal:
                    ack(response_action="errors", errors=field_errors({"resource": refusal}, callback, blocks))
                    return
                record = create_schedule(services, key, rule, user)
            except ScheduleInputError as exc:
                ack(response_action="errors", errors=field_errors(exc.errors, callback, blocks))
                return
            except ValueError:
                ack(response_action="errors",
                    errors=field_errors({"resource": "this modal lost its resource; open it again"}, callback, blocks))
                return
            ack()
            if record.status is ScheduleStatus.PENDING_APPROVAL:
                schedule_commands.post_schedule_request(services, client, record, meta.get("channel"), meta.get("thread_ts"))
            else:
                _ephemeral(client, meta.get("channel"), user,
                           f"Schedule #{record.id} for {escape(record.name)} is active: {escape(record.description)}")

        submit.__name__ = f"submit_{callback.value}"
        return submit

    def on_snooze_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        meta = read_metadata(view.get("private_metadata", ""))
        values = submitted(view["state"]["values"])
        refusal = view_refusal(user, CallbackId.SNOOZE_MODAL, meta, spend=False)
        if refusal:
            ack(response_action="errors", errors=field_errors({"resource": refusal}, CallbackId.SNOOZE_MODAL, SNOOZE_BLOCKS))
            return
        try:
            key = ResourceKey.parse(meta.get("key") or "")
            until = snooze_until(values.get("choice") or "", services.clock(),
                                 until_date=values.get("date"), timezone=settings.timezone)
        except SnoozeInputError as exc:
            ack(response_action="errors", errors=field_errors(exc.errors, CallbackId.SNOOZE_MODAL, SNOOZE_BLOCKS))
            return
        except ValueError:
            ack(response_action="errors", errors={"choice": "this modal lost its resource; open it again"})
            return
        refusal = view_refusal(user, CallbackId.SNOOZE_MODAL, meta, spend=True)  # one submission wins
        if refusal:
            ack(response_action="errors", errors=field_errors({"resource": refusal}, CallbackId.SNOOZE_MODAL, SNOOZE_BLOCKS))
            return
        add_snooze(services.store, str(key), snoozed_by=user, until=until, now=services.clock())
        ack()
        _ephemeral(client, meta.get("channel"), user,
                   f"Snoozed {escape(key.name)} until {until.astimezone(settings.tz):%Y-%m-%d %H:%M} {settings.timezone}."
                   " `/sm-snoozed` lists snoozes.")

    # --- buttons on lists and requests ---------------------------------------------------------

    def on_unsnooze(ack: Ack, body: dict[str, Any], respond: Any) -> None:
        ack()
        user, _, value, _ = _clicked(body)
        snooze_id = row_id(value)
        gone = unsnooze(services.store, snooze_id, by=user, now=services.clock()) if snooze_id else None
        text, blocks = snoozed_list(active_snoozes(services.store, services.clock()), settings.timezone)
        note = f"Unsnoozed {escape(gone.resource_name)}." if gone else "That snooze had already ended."
        respond(replace_original=True, text=f"{note}\n{text}", blocks=[b.to_dict() for b in blocks])

    def on_decision(approve: bool):
        def decide_schedule(ack: Ack, body: dict[str, Any], client: WebClient, respond: Any) -> None:
            ack()
            user, channel, value, message = _clicked(body)
            try:
                schedule_id = row_id(value)
                if schedule_id is None:
                    raise LookupError(value)
                result = decide(services, schedule_id, user, approve, directory.approvers(client))
            except (ValueError, LookupError):
                _ephemeral(client, channel, user, f"There is no schedule #{escape(value[:20])}.")
                return
            if not result.allowed:
                _ephemeral(client, channel, user, result.reason)
                return
            if (body.get("container") or {}).get("is_ephemeral"):
                text, blocks = schedule_list(list_schedules(services.store), services.clock())
                respond(replace_original=True, text=text, blocks=[b.to_dict() for b in blocks])
                return
            text, blocks = schedule_request(result.record, schedule_votes(services.store, result.record.id),
                                            settings.required_approvals)
            if channel and message.get("ts"):
                client.chat_update(channel=channel, ts=message["ts"], text=text,
                                   blocks=[b.to_dict() for b in blocks])

        decide_schedule.__name__ = f"decide_schedule_{'approve' if approve else 'reject'}"
        return decide_schedule

    app.action(ActionId.SCHEDULE.value)(open_schedule)
    app.action(ActionId.SNOOZE.value)(open_snooze)
    app.action(ActionId.UNSNOOZE.value)(on_unsnooze)
    app.action(ActionId.SCHEDULE_APPROVE.value)(on_decision(True))
    app.action(ActionId.SCHEDULE_REJECT.value)(on_decision(False))
    app.view(CallbackId.SCHEDULE_MODAL.value)(on_schedule_submit(CallbackId.SCHEDULE_MODAL, SCHEDULE_BLOCKS))
    app.view(CallbackId.DELETE_AT_MODAL.value)(on_schedule_submit(CallbackId.DELETE_AT_MODAL, DELETE_AT_BLOCKS))
    app.view(CallbackId.SNOOZE_MODAL.value)(on_snooze_submit)
    schedule_commands.register(app, services, directory)
