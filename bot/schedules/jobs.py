"""Running schedules: APScheduler jobs rebuilt from the schedules table, firings claimed once
and run through the executor (re-read, skip when already done, protected tag, dry-run, audit).

The table is the source of truth; jobs live in the one scheduler's in-memory store and are
rebuilt from it at start-up and by a short reconcile job (Slack handlers and the CLI only
write the table). Each job calls `run_due(services, schedule_id)`, which asks the pure rules
which slot is due now (`bot.schedules.rules.due_firing`: the latest slot within its action's grace)
and fires it. Firing claims (schedule_id, planned_time) first, so two jobs, two processes or a
restart never run one slot twice; the executor's idempotency key says the same again.

A firing missed while the bot was down is caught up at start-up when still meaningful: the
sync looks for a due, unclaimed slot and runs it at once. Slots planned before a schedule
became active never fire (a schedule made at 18:30 does not stop the notebook at once for
the 18:00 slot it never had).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler

from bot.actions import executor
from bot.actions.models import ActionKind
from bot.clock import fire_time_text
from bot.schedules.rules import MISFIRE_GRACE_SECONDS, Action, DueFiring, due_firing, triggers
from bot.schedules.store import (
    ScheduleRecord,
    ScheduleStatus,
    claim_firing,
    firings,
    get_schedule,
    list_schedules,
    record_firing_outcome,
    set_schedule_status,
)
from bot.services import Services

logger = logging.getLogger(__name__)

JOB_PREFIX = "schedule-"
CATCH_UP_PREFIX = "schedule-catch-up-"
SYNC_JOB_ID = "schedules-sync"
SYNC_INTERVAL_SECONDS = 30

ACTION_KINDS: dict[Action, ActionKind] = {
    Action.START: ActionKind.START_NOTEBOOK,
    Action.STOP: ActionKind.STOP_NOTEBOOK,
    Action.DELETE: ActionKind.DELETE_ENDPOINT,
}


@dataclass(frozen=True)
class FiringResult:
    schedule_id: int
    action: Action | None
    planned: datetime | None
    fired: bool  # this call claimed the slot and ran the executor
    code: str  # the executor's outcome code, or why nothing ran
    message: str


def _planned_key(planned: datetime) -> str:
    return planned.astimezone(UTC).isoformat(timespec="seconds")


def current_due(record: ScheduleRecord, now: datetime) -> DueFiring | None:
    """The slot to run now, if the schedule is active and the slot postdates its activation."""
    if record.status is not ScheduleStatus.ACTIVE:
        return None
    due = due_firing(record.rule, now)
    if due is None or due.planned < record.updated_at - timedelta(seconds=1):
        return None
    return due


def fire(services: Services, record: ScheduleRecord, due: DueFiring) -> FiringResult:
    """Claim the slot, then act through the executor; the outcome is kept on the firing row."""
    now = services.clock()
    if not claim_firing(services.store, record.id, due.planned, due.action, now):
        return FiringResult(record.id, due.action, due.planned, False, "already-fired",
                            f"schedule #{record.id}: the {due.action} due at {_planned_key(due.planned)} already ran")
    try:
        outcome = executor.execute(
            services,
            ACTION_KINDS[due.action],
            record.resource_key,
            actor=f"schedule #{record.id}",
            idempotency_key=f"schedule:{record.id}:{_planned_key(due.planned)}",
            origin="schedule",
            # A slot run after a crash must still honour its grace (a 09:00 start never at 19:00).
            params={"not_after": _planned_key(due.planned + timedelta(seconds=MISFIRE_GRACE_SECONDS[due.action]))},
        )
        code, message = str(outcome.code), outcome.message
    except Exception as exc:
        logger.exception("schedule #%s %s failed", record.id, due.action)
        code, message = "error", f"{type(exc).__name__}: {exc}"
    record_firing_outcome(services.store, record.id, due.planned, code, message)
    if due.action is Action.DELETE:
        set_schedule_status(
            services.store, record.id, ScheduleStatus.DONE,
            from_statuses=(ScheduleStatus.ACTIVE,), by="system", now=services.clock(),
        )
    logger.info("schedule #%s %s %s: %s", record.id, due.action, record.name, message)
    return FiringResult(record.id, due.action, due.planned, True, code, message)


def run_due(services: Services, schedule_id: int) -> FiringResult:
    """The job function: fire whatever slot of this schedule is due now, once."""
    record = get_schedule(services.store, schedule_id)
    if record is None:
        return FiringResult(schedule_id, None, None, False, "gone", f"no schedule #{schedule_id}")
    due = current_due(record, services.clock())
    if due is None:
        return FiringResult(schedule_id, None, None, False, "not-due",
                            f"schedule #{schedule_id}: nothing due now")
    return fire(services, record, due)


def _unclaimed_due(services: Services, record: ScheduleRecord, now: datetime) -> DueFiring | None:
    due = current_due(record, now)
    if due is None:
        return None
    claimed = {r["planned_time"] for r in firings(services.store, record.id)}
    planned = due.planned.astimezone(UTC).isoformat(timespec="microseconds")
    return None if planned in claimed else due


def sync_jobs(scheduler: BaseScheduler, services: Services) -> dict[str, int]:
    """Make the scheduler's schedule jobs match the table; run due, unclaimed slots now.

    Idempotent: job ids are `schedule-<id>-<action>`; a removed schedule loses its jobs.
    Returns counts (added, removed, caught_up) for logs and tests.
    """
    now = services.clock()
    active = list_schedules(services.store, (ScheduleStatus.ACTIVE,))
    wanted: dict[str, tuple[ScheduleRecord, Any]] = {}
    for record in active:
        for plan in triggers(record.rule):
            wanted[f"{JOB_PREFIX}{record.id}-{plan.action}"] = (record, plan)
    existing = {
        job.id for job in scheduler.get_jobs()
        if job.id.startswith(JOB_PREFIX) and not job.id.startswith(CATCH_UP_PREFIX)
    }
    removed = 0
    for job_id in existing - set(wanted):
        scheduler.remove_job(job_id)
        logger.info("%s: no longer scheduled", job_id)
        removed += 1
    added = 0
    for job_id in set(wanted) - existing:
        record, plan = wanted[job_id]
        if plan.action is Action.DELETE and record.rule.delete_at and record.rule.delete_at <= now:
            continue  # a one-off whose time has passed is only ever caught up below
        job = scheduler.add_job(
            run_due, plan.trigger, args=(services, record.id), id=job_id,
            name=f"schedule #{record.id} {plan.action} {record.name}",
            misfire_grace_time=plan.misfire_grace_time, coalesce=plan.coalesce,
            max_instances=1, replace_existing=True,
        )
        if scheduler.running:  # added while the bot runs: say when it fires, as start-up does
            logger.info("next run of %s: %s", job.name,
                        fire_time_text(getattr(job, "next_run_time", None), services.settings.tz))
        added += 1
    caught_up = 0
    for record in active:
        due = _unclaimed_due(services, record, now)
        if due is not None:
            logger.info("schedule #%s: the %s due at %s was missed: running it now",
                        record.id, due.action, _planned_key(due.planned))
            scheduler.add_job(
                run_due, args=(services, record.id), id=f"{CATCH_UP_PREFIX}{record.id}",
                name=f"schedule #{record.id} catch-up", replace_existing=True,
                misfire_grace_time=None,
            )
            caught_up += 1
    return {"added": added, "removed": removed, "caught_up": caught_up}


def install_schedule_jobs(scheduler: BaseScheduler, services: Services, client: Any) -> None:
    """The JOB_INSTALLERS entry: jobs from the table now, and a reconcile job for changes."""
    sync_jobs(scheduler, services)
    scheduler.add_job(
        sync_jobs, "interval", seconds=SYNC_INTERVAL_SECONDS, args=(scheduler, services),
        id=SYNC_JOB_ID, name="schedules: follow the table", replace_existing=True,
        coalesce=True, max_instances=1,
    )
