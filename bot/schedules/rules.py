"""Schedule rules, pure: what a user asked for ("Mon–Fri, starts 09:00, stops 18:00
Europe/Berlin"), how it is parsed and validated, which APScheduler triggers run it, and which
firing is due at a given instant.

Wall-clock times live in the rule's own time zone (that is what people mean by "09:00");
every instant that leaves this module is UTC. Weekdays are names, never crontab numbers
(APScheduler numbers Monday 0, crontab Sunday 0: FACTS.md).

Misfire policy: a firing missed while the bot was down is still run when it is still
meaningful. A stop is worth doing hours late (the notebook has been burning money since
18:00); a start is not (nobody wants a notebook started at 19:00). Only the most recent slot
of a schedule counts: a late stop is never run after a later start was due.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from pydantic import BaseModel, ConfigDict, field_validator

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = {d: d.capitalize() for d in DAYS}
DAY_GROUPS: dict[str, tuple[str, ...]] = {
    "weekdays": DAYS[:5],
    "workdays": DAYS[:5],
    "weekends": DAYS[5:],
    "daily": DAYS,
    "everyday": DAYS,
}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Action(StrEnum):
    START = "start"
    STOP = "stop"
    DELETE = "delete"


# How late a missed firing may still run (seconds). Also the jobs' APScheduler misfire_grace_time.
MISFIRE_GRACE_SECONDS: dict[Action, int] = {
    Action.STOP: 12 * 3600,
    Action.START: 30 * 60,
    Action.DELETE: 24 * 3600,
}


class ScheduleInputError(ValueError):
    """Invalid schedule input, one message per field (the modal shows each on its field)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors.items()))


class ScheduleRule(BaseModel):
    """Either recurring (days + start and/or stop) or a one-off delete at a UTC instant."""

    model_config = ConfigDict(frozen=True)

    timezone: str = "UTC"
    days: tuple[str, ...] = ()
    start: time | None = None
    stop: time | None = None
    delete_at: datetime | None = None

    @field_validator("days")
    @classmethod
    def _days_in_week_order(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [d for d in value if d not in DAYS]
        if unknown:
            raise ValueError(f"unknown day names: {', '.join(unknown)}")
        return tuple(d for d in DAYS if d in value)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_one_off(self) -> bool:
        return self.delete_at is not None

    def actions(self) -> list[Action]:
        if self.is_one_off:
            return [Action.DELETE]
        return [a for a, t in ((Action.START, self.start), (Action.STOP, self.stop)) if t]


# --- parsing pieces (each raises ScheduleInputError naming its field) ------------------------


def parse_time(text: str, field: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleInputError({field: f"{text!r} is not a time: use 24-hour HH:MM, e.g. 09:00"})
    return time(int(match.group(1)), int(match.group(2)))


def parse_timezone(text: str, field: str = "timezone") -> str:
    name = text.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleInputError(
            {field: f"unknown time zone {name!r}: use an IANA name like Europe/Berlin"}
        ) from None
    return name


def parse_days(text: str, field: str = "days") -> tuple[str, ...]:
    """`weekdays`, `daily`, `mon-fri`, `mon,wed,fri`, `sat-sun`; numbers are refused."""
    spec = text.strip().lower()
    if spec in DAY_GROUPS:
        return DAY_GROUPS[spec]
    if any(ch.isdigit() for ch in spec):
        raise ScheduleInputError({field: f"{text!r}: use day names (mon-fri), not numbers"})
    chosen: set[str] = set()
    for part in filter(None, spec.split(",")):
        ends = [p.strip()[:3] for p in part.split("-")]
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            raise ScheduleInputError(
                {field: f"{text!r} is not a list of days: e.g. weekdays, mon-fri or mon,wed,fri"}
            )
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        if last < first:
            raise ScheduleInputError({field: f"{part!r} runs backwards: write it Monday first"})
        chosen.update(DAYS[first : last + 1])
    if not chosen:
        raise ScheduleInputError({field: "choose at least one day"})
    return tuple(d for d in DAYS if d in chosen)


# --- rules from what people choose ----------------------------------------------------------


def recurring_rule(
    days: tuple[str, ...] | list[str],
    start: str | None,
    stop: str | None,
    timezone: str,
) -> ScheduleRule:
    """Validate every field at once so a form can show all errors together."""
    errors: dict[str, str] = {}
    start_t = stop_t = None
    tz = None
    for field, text in (("start", start), ("stop", stop)):
        if text:
            try:
                parsed = parse_time(text, field)
            except ScheduleInputError as exc:
                errors.update(exc.errors)
                continue
            if field == "start":
                start_t = parsed
            else:
                stop_t = parsed
    try:
        tz = parse_timezone(timezone)
    except ScheduleInputError as exc:
        errors.update(exc.errors)
    if not days:
        errors["days"] = "choose at least one day"
    if not start and not stop and "start" not in errors:
        errors["stop"] = "give a stop time (and optionally a start time)"
    if start_t and stop_t and stop_t <= start_t:
        errors["stop"] = (
            f"stop {stop_t:%H:%M} is not after start {start_t:%H:%M}: a notebook must start"
            " before it stops on the same day"
        )
    if errors:
        raise ScheduleInputError(errors)
    return ScheduleRule(timezone=tz, days=tuple(days), start=start_t, stop=stop_t)


def weekdays_preset(timezone: str) -> ScheduleRule:
    """The guide's advice: start 09:00, stop 18:00 on weekdays."""
    return recurring_rule(DAY_GROUPS["weekdays"], "09:00", "18:00", timezone)


def nightly_stop_preset(timezone: str) -> ScheduleRule:
    """Stop every night at 20:00; people start it themselves when they need it."""
    return recurring_rule(DAYS, None, "20:00", timezone)


PRESETS = {"weekdays": weekdays_preset, "nightly": nightly_stop_preset}
PRESET_LABELS = {
    "weekdays": "Weekdays 09:00–18:00",
    "nightly": "Stop every night at 20:00",
    "custom": "Custom",
}


def delete_at_rule(day: str, at: str, timezone: str, now: datetime) -> ScheduleRule:
    """A one-off delete at a local date and time, which must be in the future."""
    errors: dict[str, str] = {}
    tz = None
    try:
        tz = parse_timezone(timezone)
    except ScheduleInputError as exc:
        errors.update(exc.errors)
    day_value = None
    if not _DATE.match(day.strip()):
        errors["date"] = f"{day!r} is not a date: use YYYY-MM-DD"
    else:
        try:
            day_value = date.fromisoformat(day.strip())
        except ValueError:
            errors["date"] = f"{day!r} is not a calendar date"
    at_value = None
    try:
        at_value = parse_time(at, "time")
    except ScheduleInputError as exc:
        errors.update(exc.errors)
    if not errors and tz and day_value and at_value:
        local = datetime.combine(day_value, at_value, tzinfo=ZoneInfo(tz))
        moment = local.astimezone(UTC)
        if moment <= now:
            errors["date"] = f"{local:%Y-%m-%d %H:%M} {tz} is in the past"
        else:
            return ScheduleRule(timezone=tz, delete_at=moment)
    raise ScheduleInputError(errors)


def parse_rule_words(words: list[str], default_tz: str, now: datetime) -> ScheduleRule:
    """The schedule part of `add <name> …`:

    `weekdays 09:00-18:00 [tz]`, `mon,wed stop 20:00 [tz]`, `nightly [HH:MM] [tz]`,
    `delete-at YYYY-MM-DD HH:MM [tz]`.
    """
    if not words:
        raise ScheduleInputError({"schedule": "say when, e.g. weekdays 09:00-18:00"})
    head, rest = words[0].lower(), list(words[1:])
    if head == "delete-at":
        if len(rest) not in (2, 3):
            raise ScheduleInputError({"schedule": "delete-at needs YYYY-MM-DD HH:MM [tz]"})
        return delete_at_rule(rest[0], rest[1], rest[2] if len(rest) == 3 else default_tz, now)
    if head == "nightly":
        stop = rest.pop(0) if rest and _TIME.match(rest[0]) else "20:00"
        if len(rest) > 1:
            raise ScheduleInputError({"schedule": f"unexpected words: {' '.join(rest[1:])}"})
        return recurring_rule(DAYS, None, stop, rest[0] if rest else default_tz)
    days = parse_days(head)
    if rest and rest[0].lower() == "stop":
        if len(rest) < 2:
            raise ScheduleInputError({"stop": "stop needs a time, e.g. stop 20:00"})
        start, stop, rest = None, rest[1], rest[2:]
    elif rest and "-" in rest[0]:
        start, _, stop = rest[0].partition("-")
        if not start or not stop:
            raise ScheduleInputError({"schedule": f"{rest[0]!r}: write start-stop, e.g. 09:00-18:00"})
        rest = rest[1:]
    else:
        raise ScheduleInputError({"schedule": "give times as 09:00-18:00 or stop 20:00"})
    if len(rest) > 1:
        raise ScheduleInputError({"schedule": f"unexpected words: {' '.join(rest[1:])}"})
    return recurring_rule(days, start, stop, rest[0] if rest else default_tz)


# --- words --------------------------------------------------------------------------------


def describe_days(days: tuple[str, ...]) -> str:
    """Runs of three or more consecutive days collapse: Mon–Fri; Mon, Wed, Fri; Every day."""
    if tuple(days) == DAYS:
        return "Every day"
    runs: list[list[str]] = []
    for d in days:
        if runs and DAYS.index(d) == DAYS.index(runs[-1][-1]) + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_LABELS[run[0]]}–{DAY_LABELS[run[-1]]}")
        else:
            parts.extend(DAY_LABELS[d] for d in run)
    return ", ".join(parts)


def describe(rule: ScheduleRule) -> str:
    """"Mon–Fri, starts 09:00, stops 18:00 Europe/Berlin"."""
    if rule.delete_at is not None:
        local = rule.delete_at.astimezone(rule.zone)
        return f"Delete once at {local:%Y-%m-%d %H:%M} {rule.timezone}"
    parts = [describe_days(rule.days)]
    if rule.start:
        parts.append(f"starts {rule.start:%H:%M}")
    if rule.stop:
        parts.append(f"stops {rule.stop:%H:%M}")
    return f"{', '.join(parts)} {rule.timezone}"


# --- triggers and due firings ---------------------------------------------------------------


@dataclass(frozen=True)
class JobPlan:
    """One APScheduler job of a schedule: kwargs for `scheduler.add_job` besides func/args."""

    action: Action
    trigger: BaseTrigger
    misfire_grace_time: int
    coalesce: bool = True


def triggers(rule: ScheduleRule) -> list[JobPlan]:
    """DST-correct triggers in the rule's zone (CronTrigger with a ZoneInfo, day names)."""
    if rule.delete_at is not None:
        return [
            JobPlan(
                Action.DELETE,
                DateTrigger(run_date=rule.delete_at, timezone=UTC),
                MISFIRE_GRACE_SECONDS[Action.DELETE],
            )
        ]
    plans = []
    for action, at in ((Action.START, rule.start), (Action.STOP, rule.stop)):
        if at is None:
            continue
        trigger = CronTrigger(
            day_of_week=",".join(rule.days), hour=at.hour, minute=at.minute, timezone=rule.zone
        )
        plans.append(JobPlan(action, trigger, MISFIRE_GRACE_SECONDS[action]))
    return plans


def is_repeated_wall_time(moment: datetime, zone: ZoneInfo) -> bool:
    """True for the second pass of an hour repeated when clocks fall back (02:30 happens
    twice in Europe/Berlin on the last Sunday of October); that pass is not a new slot."""
    local = moment.astimezone(zone)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def fire_times(trigger: BaseTrigger, zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Slots in [start, end] in UTC, once per wall-clock time."""
    found: list[datetime] = []
    previous = None
    cursor = start
    while True:
        nxt = trigger.get_next_fire_time(previous, cursor)
        if nxt is None or nxt > end:
            return found
        if nxt >= start and not is_repeated_wall_time(nxt, zone):
            found.append(nxt.astimezone(UTC))
        # UTC arithmetic: adding to an aware local time is wall-clock arithmetic and would
        # step back out of a repeated hour into its first pass
        previous, cursor = nxt, nxt.astimezone(UTC) + timedelta(seconds=1)


@dataclass(frozen=True)
class DueFiring:
    action: Action
    planned: datetime  # UTC


def due_firing(rule: ScheduleRule, now: datetime) -> DueFiring | None:
    """The firing to run at `now`: the schedule's most recent slot, if still within its grace."""
    lookback = timedelta(seconds=max(MISFIRE_GRACE_SECONDS.values()))
    latest: DueFiring | None = None
    for plan in triggers(rule):
        for planned in fire_times(plan.trigger, rule.zone, now - lookback, now):
            if latest is None or planned > latest.planned:
                latest = DueFiring(plan.action, planned)
    if latest is None:
        return None
    if now - latest.planned > timedelta(seconds=MISFIRE_GRACE_SECONDS[latest.action]):
        return None
    return latest


def next_firings(rule: ScheduleRule, after: datetime, count: int = 3) -> list[DueFiring]:
    """The next slots after `after`, soonest first (shown in lists and confirmations)."""
    horizon = after + timedelta(days=8 if not rule.is_one_off else 3660)
    found = [
        DueFiring(plan.action, planned)
        for plan in triggers(rule)
        for planned in fire_times(plan.trigger, rule.zone, after, horizon)[:count]
        if planned > after
    ]
    return sorted(found, key=lambda f: f.planned)[:count]
