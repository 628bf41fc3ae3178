"""/sm-schedule list|add|remove and /sm-snoozed (answers visible only to the asker).

`list`, `remove` and `/sm-snoozed` read the store and answer in the ack; `add` looks the
resource up on AWS, so it acks at once and answers from a lazy listener. Bad input is
answered with the reason and the usage; nothing is saved.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.models import ResourceType
from bot.schedules.requests import (
    USAGE,
    ResourceLookupError,
    ScheduleUsageError,
    create_schedule,
    find_resource,
    parse_command,
    refuse_removal,
    remove_schedule,
)
from bot.schedules.rules import ScheduleInputError
from bot.schedules.store import (
    ScheduleRecord,
    ScheduleStatus,
    active_snoozes,
    list_schedules,
    schedule_votes,
)
from bot.services import Services
from handlers.approvers import ApproverDirectory
from reports.mrkdwn import escape
from reports.schedules import schedule_list, schedule_request, snoozed_list

logger = logging.getLogger(__name__)


def _ephemeral(text: str, blocks: list[Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"response_type": "ephemeral", "text": text}
    if blocks is not None:
        answer["blocks"] = [b.to_dict() for b in blocks]
    return answer


def usage(reason: str) -> str:
    """`reason` may quote what the user typed: it is escaped."""
    return f"{escape(reason)}\n```{USAGE.replace('  schedule', '  /sm-schedule')}```"


def post_schedule_request(
    services: Services, client: WebClient, record: ScheduleRecord, channel: str | None, thread_ts: str | None
) -> None:
    """The approval request in the thread it came from (else the digest channel)."""
    text, blocks = schedule_request(record, schedule_votes(services.store, record.id),
                                    services.settings.required_approvals)
    for target, thread in ((channel, thread_ts), (services.settings.digest_channel, None)):
        if not target:
            continue
        try:
            client.chat_postMessage(channel=target, thread_ts=thread, text=text,
                                    blocks=[b.to_dict() for b in blocks])
            return
        except SlackApiError as exc:
            logger.warning("posting schedule #%s to %s failed: %s", record.id, target, exc.response.get("error"))


def register(app: App, services: Services, directory: ApproverDirectory | None = None) -> None:
    settings = services.settings
    directory = directory or ApproverDirectory(services)

    def parsed(command: dict[str, Any]):
        try:
            return parse_command((command.get("text") or "").split(), settings.timezone, services.clock())
        except ScheduleUsageError as exc:
            return usage(str(exc))
        except ScheduleInputError as exc:
            return usage("; ".join(exc.errors.values()))

    def ack_schedule(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed_command = parsed(command)
        if isinstance(parsed_command, str):
            ack(**_ephemeral(parsed_command))
            return
        if parsed_command.verb == "list":
            text, blocks = schedule_list(list_schedules(services.store), services.clock())
            ack(**_ephemeral(text, blocks))
        elif parsed_command.verb == "remove":
            user = command["user_id"]
            refusal = refuse_removal(services, parsed_command.schedule_id, user, directory.approvers(client))
            if refusal:
                ack(**_ephemeral(f":no_entry_sign: {refusal.capitalize()}."))
                return
            removed = remove_schedule(services, parsed_command.schedule_id, user)
            ack(**_ephemeral(
                f"Removed schedule #{removed.id} ({escape(removed.name)}: {escape(removed.description)})." if removed
                else f"There is no active or pending schedule #{parsed_command.schedule_id}."
            ))
        else:
            ack(**_ephemeral(f":hourglass_flowing_sand: Looking for {escape(parsed_command.name)}…"))

    def add_schedule(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        parsed_command = parsed(command)
        if isinstance(parsed_command, str) or parsed_command.verb != "add":
            return  # answered in the ack
        user = command["user_id"]
        try:
            key = find_resource(services, parsed_command.name, parsed_command.resource_type)
        except ResourceLookupError as exc:
            respond(**_ephemeral(escape(str(exc))), replace_original=False)
            return
        if key is None:
            kind = "endpoint" if parsed_command.resource_type is ResourceType.ENDPOINT else "notebook instance"
            respond(**_ephemeral(usage(f"No {kind} named `{parsed_command.name}` in {', '.join(settings.regions) or 'any enabled region'}.")),
                    replace_original=False)
            return
        try:
            record = create_schedule(services, key, parsed_command.rule, user)
        except ScheduleInputError as exc:
            respond(**_ephemeral(escape("; ".join(exc.errors.values()))), replace_original=False)
            return
        if record.status is ScheduleStatus.PENDING_APPROVAL:
            post_schedule_request(services, client, record, command.get("channel_id"), None)
            note = "waiting for approval (the request is in the channel)"
        else:
            note = "active"
        respond(**_ephemeral(f"Schedule #{record.id} for {escape(record.name)}: {escape(record.description)} — {note}."),
                replace_original=False)

    def snoozed(ack: Ack) -> None:
        text, blocks = snoozed_list(active_snoozes(services.store, services.clock()), settings.timezone)
        ack(**_ephemeral(text, blocks))

    app.command("/sm-schedule")(ack=ack_schedule, lazy=[add_schedule])
    app.command("/sm-snoozed")(snoozed)
