"""Making, approving and removing schedules: the rules behind the Schedule modal,
`/sm-schedule` and `sm-cost-bot schedule`, shared so the three behave the same.

With SMBOT_SCHEDULES_NEED_APPROVAL (the default) a new schedule is `pending-approval` until
SMBOT_REQUIRED_APPROVALS approvers approve it (same approvers, self-approval rule and time to
live as action requests); only `active` schedules get jobs. Every step writes a row to the
append-only audit table.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.actions import executor
from bot.actions.models import ResourceKey
from bot.actions.store import RequestStore
from bot.aws import actions
from bot.aws.session import error_message
from bot.models import ResourceType
from bot.schedules.rules import ScheduleInputError, ScheduleRule, parse_rule_words
from bot.schedules.store import (
    ScheduleRecord,
    ScheduleStatus,
    add_schedule,
    add_schedule_vote,
    get_schedule,
    schedule_votes,
    set_schedule_status,
)
from bot.services import Services

USAGE = (
    "Usage:\n"
    "  schedule list\n"
    "  schedule add <notebook> <days> <HH:MM>-<HH:MM> [time zone]   e.g. add nb-1 weekdays 09:00-18:00 Europe/Berlin\n"
    "  schedule add <notebook> <days> stop <HH:MM> [time zone]      e.g. add nb-1 mon-fri stop 20:00\n"
    "  schedule add <notebook> nightly [HH:MM] [time zone]          stop every night (default 20:00)\n"
    "  schedule add <endpoint> delete-at <YYYY-MM-DD> <HH:MM> [time zone]\n"
    "  schedule remove <id>\n"
    "Days are names (weekdays, daily, mon-fri, mon,wed,fri), never numbers."
)
OPEN = (ScheduleStatus.ACTIVE, ScheduleStatus.PENDING_APPROVAL)


class ScheduleUsageError(ValueError):
    """What was typed is not a schedule command: answer with the reason and USAGE."""


@dataclass(frozen=True)
class ScheduleCommand:
    verb: str  # list | add | remove
    name: str | None = None
    rule: ScheduleRule | None = None
    schedule_id: int | None = None

    @property
    def resource_type(self) -> ResourceType:
        if self.rule is not None and self.rule.is_one_off:
            return ResourceType.ENDPOINT
        return ResourceType.NOTEBOOK_INSTANCE


MAX_SCHEDULE_ID = 2**63 - 1  # SQLite's largest INTEGER: a bigger id cannot even be looked up


def parse_command(words: list[str], default_tz: str, now: datetime) -> ScheduleCommand:
    """`list` | `add <name> …` | `remove <id>`; ScheduleUsageError (bad shape) or
    ScheduleInputError (a bad field) otherwise."""
    if not words:
        raise ScheduleUsageError("say what to do: list, add or remove")
    verb, rest = words[0].lower(), words[1:]
    if verb == "list" and not rest:
        return ScheduleCommand("list")
    if verb == "remove" and len(rest) == 1:
        if not rest[0].lstrip("#").isdigit():
            raise ScheduleUsageError(f"{rest[0]!r} is not a schedule id (a number from list)")
        schedule_id = int(rest[0].lstrip("#"))
        if schedule_id > MAX_SCHEDULE_ID:
            raise ScheduleUsageError(f"there is no schedule #{schedule_id} (ids are from list)")
        return ScheduleCommand("remove", schedule_id=schedule_id)
    if verb == "add" and len(rest) >= 2:
        return ScheduleCommand("add", name=rest[0], rule=parse_rule_words(rest[1:], default_tz, now))
    raise ScheduleUsageError(f"cannot read {' '.join(words)[:80]!r}")


# --- resources ------------------------------------------------------------------------------


def check_resource(services: Services, key: ResourceKey) -> str | None:
    """Why this resource cannot be scheduled (gone, protected, unreadable), or None."""
    try:
        seen = actions.observe(executor.clients_for(services, key), key, {})
    except Exception as exc:
        return f"could not read {key.resource_type} {key.name}: {error_message(exc)}"
    if seen.state == actions.ABSENT:
        return f"there is no {key.resource_type} named {key.name} in {key.account_id} {key.region}"
    if services.settings.protected_tag_key in seen.tags:
        return f"{key.name} is protected ({services.settings.protected_tag_key}): the bot never touches it"
    return None


# What the lookups below call, with the scan identity: the read policy grants them.
LOOKUP_PERMISSIONS = [
    "sagemaker:DescribeNotebookInstance",
    "sagemaker:DescribeEndpoint",
    "sagemaker:ListTags",
    "ec2:DescribeRegions",  # the account's enabled regions, when SMBOT_REGIONS is unset
]


class ResourceLookupError(LookupError):
    """The resource was not found, and some account-region could not even be looked in."""


def find_resource(services: Services, name: str, resource_type: ResourceType) -> ResourceKey | None:
    """The first account-region (in settings order) where a resource of that name exists.

    None when it is in none of them; ResourceLookupError when it was not found and some
    account-region could not be read (AccessDenied is not "no such notebook")."""
    settings = services.settings
    failures: list[str] = []
    for target in settings.account_targets():
        for region in services.regions_for(target):
            try:
                key = ResourceKey(
                    account_id=services.clients.account_id(target, region), region=region,
                    resource_type=resource_type, name=name,
                )
                state = actions.observe(executor.clients_for(services, key), key, {}).state
            except Exception as exc:
                where = target.account_id if target else "this account"
                failures.append(f"{where} {region}: {error_message(exc)}")
                continue
            if state != actions.ABSENT:
                return key
    if failures:
        raise ResourceLookupError(f"{name} not found, and could not look in {'; '.join(failures)}")
    return None


def resource_problem(key: ResourceKey, rule: ScheduleRule) -> str | None:
    """A start/stop schedule is for notebooks, a one-off delete for endpoints."""
    wanted = ResourceType.ENDPOINT if rule.is_one_off else ResourceType.NOTEBOOK_INSTANCE
    if key.resource_type != wanted:
        what = "a delete-at" if rule.is_one_off else "a start/stop schedule"
        return f"{what} is for a {wanted}, and {key.name} is a {key.resource_type}"
    return None


# --- life of a schedule ---------------------------------------------------------------------


def _audit(services: Services, actor: str, event: str, record: ScheduleRecord, outcome: str) -> None:
    RequestStore(services.store).audit(
        now=services.clock(), actor=actor, event=event, action="schedule",
        resource_key=record.resource_key, outcome=outcome,
        detail=f"schedule #{record.id}: {record.description}", dry_run=services.settings.dry_run,
    )


def create_schedule(services: Services, key: ResourceKey, rule: ScheduleRule, user: str) -> ScheduleRecord:
    """Validate the resource (ScheduleInputError on field `resource`), then save: pending
    approval or active, as SMBOT_SCHEDULES_NEED_APPROVAL says."""
    problem = resource_problem(key, rule) or check_resource(services, key)
    if problem:
        raise ScheduleInputError({"resource": problem})
    status = (
        ScheduleStatus.PENDING_APPROVAL if services.settings.schedules_need_approval
        else ScheduleStatus.ACTIVE
    )
    record = add_schedule(services.store, str(key), rule, created_by=user, now=services.clock(), status=status)
    _audit(services, user, "schedule-requested" if status is ScheduleStatus.PENDING_APPROVAL
           else "schedule-created", record, str(status))
    return record


def removal_refusal(record: ScheduleRecord, user: str, approvers: Collection[str]) -> str | None:
    """Why `user` may not remove this schedule from Slack (None: they may). Removing an approved
    schedule changes what runs on AWS, so it takes an approver, like approving it did; whoever
    asked for a schedule may still withdraw it while it waits for approval."""
    if user in approvers:
        return None
    if user == record.created_by and record.status is ScheduleStatus.PENDING_APPROVAL:
        return None
    if user == record.created_by:
        return f"schedule #{record.id} is {record.status}: only an approver can remove it now"
    return f"only an approver, or whoever asked for it while it waits for approval, can remove schedule #{record.id}"


def refuse_removal(services: Services, schedule_id: int, user: str, approvers: Collection[str]) -> str | None:
    """The refusal (audited) when a Slack user may not remove this open schedule; None otherwise,
    including when there is no such schedule (remove_schedule then says so)."""
    record = get_schedule(services.store, schedule_id)
    if record is None or record.status not in OPEN:
        return None
    refusal = removal_refusal(record, user, approvers)
    if refusal:
        _audit(services, user, "schedule-remove-refused", record, "refused")
    return refusal


def remove_schedule(services: Services, schedule_id: int, user: str) -> ScheduleRecord | None:
    """None when there is no such open schedule (already removed, or never was)."""
    if not set_schedule_status(services.store, schedule_id, ScheduleStatus.REMOVED,
                               from_statuses=OPEN, by=user, now=services.clock()):
        return None
    record = get_schedule(services.store, schedule_id)
    assert record is not None
    _audit(services, user, "schedule-removed", record, str(ScheduleStatus.REMOVED))
    return record


@dataclass(frozen=True)
class ScheduleDecision:
    allowed: bool
    reason: str
    record: ScheduleRecord
    decided_now: bool = False


def decide(
    services: Services, schedule_id: int, user: str, approve: bool, approvers: Collection[str]
) -> ScheduleDecision:
    """An Approve/Reject click on a pending schedule; LookupError when there is no such schedule."""
    settings, now = services.settings, services.clock()
    record = get_schedule(services.store, schedule_id)
    if record is None:
        raise LookupError(f"no schedule #{schedule_id}")

    def refuse(reason: str) -> ScheduleDecision:
        return ScheduleDecision(False, reason, get_schedule(services.store, schedule_id) or record)

    if record.status is not ScheduleStatus.PENDING_APPROVAL:
        return refuse(f"schedule #{record.id} is already {record.status}")
    if now >= record.created_at + timedelta(hours=settings.request_ttl_hours):
        set_schedule_status(services.store, record.id, ScheduleStatus.EXPIRED,
                            from_statuses=(ScheduleStatus.PENDING_APPROVAL,), by="system", now=now)
        return refuse(f"schedule #{record.id} expired before approval; ask again")
    if approve:
        if not approvers:
            return refuse("no approvers are configured (SMBOT_APPROVERS or SMBOT_APPROVER_GROUP)")
        if user not in approvers:
            return refuse("you are not an approver for schedules")
        if user == record.created_by and not settings.allow_self_approval:
            return refuse("you asked for this schedule, so someone else has to approve it")
    elif user not in approvers and user != record.created_by:
        return refuse("you are not an approver for schedules")
    if not add_schedule_vote(services.store, record.id, user, "approve" if approve else "reject", now):
        return refuse("you already voted on this schedule")
    if not approve:
        moved = set_schedule_status(services.store, record.id, ScheduleStatus.REJECTED,
                                    from_statuses=(ScheduleStatus.PENDING_APPROVAL,), by=user, now=now)
        event = "schedule-rejected"
    else:
        approvals = [u for u, v in schedule_votes(services.store, record.id) if v == "approve"]
        moved = len(approvals) >= settings.required_approvals and set_schedule_status(
            services.store, record.id, ScheduleStatus.ACTIVE,
            from_statuses=(ScheduleStatus.PENDING_APPROVAL,), by=user, now=now,
        )
        event = "schedule-approved" if moved else "schedule-vote"
    after = get_schedule(services.store, record.id) or record
    _audit(services, user, event, after, str(after.status))
    verb = "approved" if approve else "rejected"
    return ScheduleDecision(True, f"{verb} schedule #{record.id}", after, decided_now=bool(moved))
