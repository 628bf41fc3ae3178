"""`sm-cost-bot schedule list|add|remove`: the same rules as `/sm-schedule`, from a terminal.

Bad input prints one line on stderr (the reason, and where the usage is) and exits 2, like every
other error of the CLI; nothing is saved. `schedule help` prints the usage.
"""

from __future__ import annotations

import getpass
import sys

from rich.table import Table

from bot.models import ResourceType
from bot.schedules.requests import (
    USAGE,
    ResourceLookupError,
    ScheduleUsageError,
    create_schedule,
    find_resource,
    parse_command,
    remove_schedule,
)
from bot.schedules.rules import ScheduleInputError, next_firings
from bot.schedules.store import ScheduleStatus, list_schedules
from bot.services import Services
from bot.terminal_tables import fit_to_width, terminal_console

EXIT_OK, EXIT_USAGE = 0, 2


HELP_HINT = " (see: sm-cost-bot schedule help)"


def _fail(message: str, usage: bool = True) -> int:
    """One line on stderr; a malformed command points at the usage instead of printing it."""
    print(f"sm-cost-bot: schedule: {message}{HELP_HINT if usage else ''}", file=sys.stderr)
    return EXIT_USAGE


def _list(services: Services) -> int:
    now = services.clock()
    table = Table(title="Schedules")
    for column in ("id", "status", "resource", "where", "schedule", "next"):
        table.add_column(column)
    for record in list_schedules(services.store):
        upcoming = next_firings(record.rule, now, count=1) if record.status is ScheduleStatus.ACTIVE else []
        nxt = (
            f"{upcoming[0].action} {upcoming[0].planned.astimezone(record.rule.zone):%a %d %b %H:%M}"
            if upcoming else ""
        )
        table.add_row(str(record.id), str(record.status), record.name,
                      f"{record.account_id} {record.region}", record.description, nxt)
    terminal_console().print(fit_to_width(table))
    return EXIT_OK


def schedule_cli(services: Services, words: list[str]) -> int:
    settings = services.settings
    if [w.lower() for w in words] == ["help"]:
        print(USAGE)
        return EXIT_OK
    try:
        command = parse_command(list(words), settings.timezone, services.clock())
    except ScheduleUsageError as exc:
        return _fail(str(exc))
    except ScheduleInputError as exc:
        return _fail(str(exc))
    if command.verb == "list":
        return _list(services)
    if command.verb == "remove":
        removed = remove_schedule(services, command.schedule_id, f"cli:{getpass.getuser()}")
        if removed is None:
            return _fail(f"there is no active or pending schedule #{command.schedule_id}", usage=False)
        print(f"removed schedule #{removed.id} ({removed.name}: {removed.description})")
        return EXIT_OK
    assert command.name is not None and command.rule is not None
    try:
        key = find_resource(services, command.name, command.resource_type)
    except ResourceLookupError as exc:
        return _fail(str(exc), usage=False)
    if key is None:
        kind = "endpoint" if command.resource_type is ResourceType.ENDPOINT else "notebook instance"
        return _fail(f"no {kind} named {command.name!r} in {', '.join(settings.regions) or 'any enabled region'}", usage=False)
    try:
        record = create_schedule(services, key, command.rule, f"cli:{getpass.getuser()}")
    except ScheduleInputError as exc:
        return _fail(str(exc), usage=False)
    if record.status is ScheduleStatus.PENDING_APPROVAL:
        print(f"schedule #{record.id} for {record.name}: {record.description}"
              " — waiting for approval (approvers see it in /sm-schedule list)")
    else:
        print(f"schedule #{record.id} for {record.name}: {record.description} — active")
    return EXIT_OK
