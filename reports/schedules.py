"""Schedules and snoozes as Slack messages and terminal lines. Pure: data in, blocks out,
each with its text fallback.

A schedule waiting for approval carries Approve / Reject buttons wherever it is shown (its
request message and `/sm-schedule list`), so one made from the CLI can be approved in Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.schedules.rules import next_firings
from bot.schedules.snoozes import Snooze
from reports.ids import ActionId
from reports.mrkdwn import escape, mention, mentions

if TYPE_CHECKING:
    from bot.schedules.store import ScheduleRecord

MAX_BLOCKS = 50
STATUS_EMOJI = {
    "pending-approval": ":hourglass_flowing_sand:",
    "active": ":alarm_clock:",
    "rejected": ":no_entry_sign:",
    "expired": ":zzz:",
    "removed": ":wastebasket:",
    "done": ":heavy_check_mark:",
}


def _where(resource_key: str) -> str:
    account, region, kind, name = (resource_key.split(":", 3) + ["", "", "", ""])[:4]
    return f"{escape(kind)} *{escape(name)}* ({escape(account)} · {escape(region)})"


def next_text(record: ScheduleRecord, now: datetime) -> str:
    upcoming = next_firings(record.rule, now, count=1)
    if not upcoming:
        return ""
    local = upcoming[0].planned.astimezone(record.rule.zone)
    return f"next: {upcoming[0].action} {local:%a %d %b %H:%M}"


def schedule_line(record: ScheduleRecord, now: datetime) -> str:
    """`#3 notebook-instance nb-1 (acct · region): Mon–Fri, … · active · next: stop Thu 18:00`"""
    parts = [f"#{record.id} {_where(record.resource_key)}: {escape(record.description)}", str(record.status)]
    if str(record.status) == "active":
        parts.append(next_text(record, now))
    if str(record.status) == "pending-approval":
        parts.append(f"asked by {mention(record.created_by)}")
    return " · ".join(p for p in parts if p)


def _decision_buttons(record: ScheduleRecord) -> ActionsBlock:
    return ActionsBlock(
        block_id=f"schedule-{record.id}",
        elements=[
            ButtonElement(text="Approve", action_id=ActionId.SCHEDULE_APPROVE.value,
                          value=str(record.id), style="primary"),
            ButtonElement(text="Reject", action_id=ActionId.SCHEDULE_REJECT.value, value=str(record.id)),
        ],
    )


def schedule_list(records: Sequence[ScheduleRecord], now: datetime) -> tuple[str, list[Block]]:
    """/sm-schedule list: one section per schedule; pending ones get Approve/Reject."""
    if not records:
        text = "No schedules. Add one from a digest item's Schedule button or `/sm-schedule add`."
        return text, [SectionBlock(text=MarkdownTextObject(text=text))]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*Schedules* ({len(records)})"))]
    lines = []
    shown = 0
    for record in records:
        line = f"{STATUS_EMOJI.get(str(record.status), '')} {schedule_line(record, now)}"
        lines.append(line)
        pending = str(record.status) == "pending-approval"
        # keep one block free for the "more" line; the text fallback lists every schedule
        if shown < len(lines) - 1 or len(blocks) + (2 if pending else 1) > MAX_BLOCKS - 1:
            continue
        blocks.append(SectionBlock(text=MarkdownTextObject(text=line)))
        if pending:
            blocks.append(_decision_buttons(record))
        shown += 1
    if shown < len(records):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=f"{len(records) - shown} more: `sm-cost-bot schedule list` shows all"
        )]))
    return "\n".join(["Schedules:", *lines]), blocks


def schedule_request(record: ScheduleRecord, votes: Sequence[tuple[str, str]], needed: int) -> tuple[str, list[Block]]:
    """The approval request for a new schedule, in words; buttons while it is pending."""
    status = str(record.status)
    approvals = [u for u, v in votes if v == "approve"]
    head = (
        f"{STATUS_EMOJI.get(status, '')} {mention(record.created_by)} asks to schedule"
        f" {_where(record.resource_key)}:\n*{escape(record.description)}*"
    )
    if status == "pending-approval":
        state = f"Waiting for approval ({len(approvals)} of {needed})"
    elif status == "active":
        state = f"Approved by {mentions(approvals)}: active"
    elif status == "rejected":
        state = f"Rejected by {mentions([u for u, v in votes if v == 'reject']) or 'someone'}"
    else:
        state = status.replace("-", " ").capitalize()
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=head)),
        ContextBlock(elements=[MarkdownTextObject(text=f"Schedule #{record.id} · {state}")]),
    ]
    if status == "pending-approval":
        blocks.append(_decision_buttons(record))
    text = f"Schedule #{record.id} for {escape(record.name)}: {escape(record.description)} ({state})"
    return text, blocks


def snoozed_list(snoozes: Sequence[Snooze], tz_name: str = "UTC") -> tuple[str, list[Block]]:
    """/sm-snoozed: who snoozed what until when, each with an Unsnooze button."""
    zone = ZoneInfo(tz_name)
    if not snoozes:
        text = "Nothing is snoozed."
        return text, [SectionBlock(text=MarkdownTextObject(text=text))]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*Snoozed* ({len(snoozes)})"))]
    lines = []
    for snooze in snoozes:
        line = (
            f"{_where(snooze.resource_key)} snoozed by {mention(snooze.snoozed_by)}"
            f" until {snooze.until.astimezone(zone):%Y-%m-%d %H:%M} {tz_name}"
        )
        lines.append(line)
        if len(blocks) >= MAX_BLOCKS - 1:
            continue
        blocks.append(SectionBlock(
            text=MarkdownTextObject(text=line),
            accessory=ButtonElement(text="Unsnooze", action_id=ActionId.UNSNOOZE.value, value=str(snooze.id)),
        ))
    if len(blocks) - 1 < len(snoozes):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=f"{len(snoozes) - (len(blocks) - 1)} more not shown"
        )]))
    return "\n".join(["Snoozed:", *lines]), blocks
