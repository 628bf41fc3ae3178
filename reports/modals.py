"""The Schedule, Delete-at and Snooze modals, and reading their submitted values. Pure.

Block ids double as field names: a validation error from `bot.schedules.rules` (`{"stop": "…"}`)
is shown on the block of the same id (`response_action: errors`). The modal carries the
resource key and where it was clicked in `private_metadata` (JSON).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.schedules.rules import DAY_LABELS, DAYS, PRESET_LABELS
from bot.schedules.snoozes import DEFAULT_SNOOZE, SNOOZE_LABELS
from reports.ids import CallbackId
from reports.mrkdwn import escape

COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Warsaw",
    "Europe/Helsinki", "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo",
    "Asia/Shanghai", "Australia/Sydney",
)
MAX_SELECT_OPTIONS = 100
# Which block shows an error about the resource itself (every modal has it, and it is an input).
RESOURCE_ERROR_BLOCK = {
    CallbackId.SCHEDULE_MODAL: "preset",
    CallbackId.DELETE_AT_MODAL: "date",
    CallbackId.SNOOZE_MODAL: "choice",
}


def metadata(
    resource_key: str, channel: str | None = None, thread_ts: str | None = None, token: str | None = None
) -> str:
    """The modal's `private_metadata`: its resource, where to answer, and the bot-issued token
    that its submission must bring back (bot.actions.issued)."""
    return json.dumps({"key": resource_key, "channel": channel, "thread_ts": thread_ts, "token": token})


def read_metadata(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _name_of(resource_key: str) -> str:
    return resource_key.split(":", 3)[-1]


def _where(resource_key: str) -> str:
    parts = resource_key.split(":", 3)
    return f"{parts[0]} · {parts[1]}" if len(parts) == 4 else ""


def zone_options(default_tz: str, user_tz: str | None) -> list[Option]:
    """The user's Slack zone first, then SMBOT_TIMEZONE, then common zones; no duplicates."""
    zones = [z for z in (user_tz, default_tz, *COMMON_ZONES) if z]
    ordered = list(dict.fromkeys(zones))[:MAX_SELECT_OPTIONS]
    labels = {user_tz: f"{user_tz} (your Slack time zone)"} if user_tz else {}
    return [Option(value=z, text=labels.get(z, z)) for z in ordered]


def _zone_block(default_tz: str, user_tz: str | None) -> InputBlock:
    options = zone_options(default_tz, user_tz)
    initial = next(o for o in options if o.value == default_tz)
    return InputBlock(
        block_id="timezone", label="Time zone",
        element=StaticSelectElement(action_id="timezone", options=options, initial_option=initial),
    )


def _heading(resource_key: str, what: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(
        text=f"{what} *{escape(_name_of(resource_key))}* ({escape(_where(resource_key))})"
    ))


def schedule_modal(resource_key: str, default_tz: str, user_tz: str | None, private_metadata: str) -> View:
    """Presets or custom days + start + stop, in a time zone."""
    presets = [Option(value=k, text=v) for k, v in PRESET_LABELS.items()]
    day_options = [Option(value=d, text=DAY_LABELS[d]) for d in DAYS]
    return View(
        type="modal", callback_id=CallbackId.SCHEDULE_MODAL.value, private_metadata=private_metadata,
        title="Schedule notebook", submit="Schedule", close="Cancel",
        blocks=[
            _heading(resource_key, "Start and stop notebook"),
            InputBlock(
                block_id="preset", label="Schedule",
                element=RadioButtonsElement(action_id="preset", options=presets, initial_option=presets[0]),
            ),
            InputBlock(
                block_id="days", label="Days (custom)", optional=True,
                element=CheckboxesElement(action_id="days", options=day_options, initial_options=day_options[:5]),
            ),
            InputBlock(
                block_id="start", label="Start at (custom, optional)", optional=True,
                element=TimePickerElement(action_id="start", initial_time="09:00"),
            ),
            InputBlock(
                block_id="stop", label="Stop at (custom)", optional=True,
                element=TimePickerElement(action_id="stop", initial_time="18:00"),
            ),
            _zone_block(default_tz, user_tz),
            ContextBlock(elements=[MarkdownTextObject(
                text="Days and times apply to *Custom*; the presets ignore them."
            )]),
        ],
    )


def delete_at_modal(
    resource_key: str, default_tz: str, user_tz: str | None, private_metadata: str, tomorrow: date
) -> View:
    return View(
        type="modal", callback_id=CallbackId.DELETE_AT_MODAL.value, private_metadata=private_metadata,
        title="Delete endpoint at…", submit="Schedule delete", close="Cancel",
        blocks=[
            _heading(resource_key, "Delete endpoint once, at a date and time:"),
            InputBlock(block_id="date", label="Date",
                       element=DatePickerElement(action_id="date", initial_date=tomorrow.isoformat())),
            InputBlock(block_id="time", label="Time",
                       element=TimePickerElement(action_id="time", initial_time="18:00")),
            _zone_block(default_tz, user_tz),
            ContextBlock(elements=[MarkdownTextObject(
                text="The endpoint's configuration is saved first, so it can be restored."
            )]),
        ],
    )


def snooze_modal(resource_key: str, private_metadata: str, default_date: date) -> View:
    choices = [Option(value=k, text=v) for k, v in SNOOZE_LABELS.items()]
    initial = next(o for o in choices if o.value == DEFAULT_SNOOZE)
    return View(
        type="modal", callback_id=CallbackId.SNOOZE_MODAL.value, private_metadata=private_metadata,
        title="Snooze", submit="Snooze", close="Cancel",
        blocks=[
            _heading(resource_key, "Hide from digests and answers:"),
            InputBlock(block_id="choice", label="For",
                       element=RadioButtonsElement(action_id="choice", options=choices, initial_option=initial)),
            InputBlock(block_id="date", label="Until (for “Until a date”)", optional=True,
                       element=DatePickerElement(action_id="date", initial_date=default_date.isoformat())),
            ContextBlock(elements=[MarkdownTextObject(
                text="Snoozed items still count in the digest's hidden total. `/sm-snoozed` lists them."
            )]),
        ],
    )


def submitted(values: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` → {block_id: value}: text for pickers, selects and radios, a list
    for checkboxes, None when empty."""
    out: dict[str, Any] = {}
    for block_id, actions in (values or {}).items():
        for element in (actions or {}).values():
            kind = element.get("type")
            if kind == "checkboxes":
                out[block_id] = [o["value"] for o in element.get("selected_options") or []]
            elif kind in ("radio_buttons", "static_select"):
                out[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "timepicker":
                out[block_id] = element.get("selected_time")
            elif kind == "datepicker":
                out[block_id] = element.get("selected_date")
            else:
                out[block_id] = element.get("value")
    return out


def field_errors(errors: dict[str, str], callback_id: CallbackId, blocks: Sequence[str]) -> dict[str, str]:
    """Errors keyed by the modal's block ids; a field the modal lacks goes on its resource block."""
    fallback = RESOURCE_ERROR_BLOCK[callback_id]
    out: dict[str, str] = {}
    for field, message in errors.items():
        block = field if field in blocks else fallback
        out[block] = f"{out[block]} {message}" if block in out else message
    return out


SCHEDULE_BLOCKS = ("preset", "days", "start", "stop", "timezone")
DELETE_AT_BLOCKS = ("date", "time", "timezone")
SNOOZE_BLOCKS = ("choice", "date")
