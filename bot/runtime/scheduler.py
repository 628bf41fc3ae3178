"""The process's one APScheduler: the digest cron job and whatever other features install.

Exactly one scheduler per process, in-memory jobs: the source of truth (schedules, requests,
digest posts) lives in the project's tables and jobs are rebuilt from it at start-up
(FACTS.md: two schedulers on one job store run jobs twice).

Other features add their jobs through JOB_INSTALLERS: functions `(scheduler, services, client)`
called by `build_scheduler` after the digest job. An installer adds jobs with stable ids and
`replace_existing=True`, so running it again rebuilds them; to follow changes made by Slack
handlers (which only write the store), an installer can add a short interval job that reconciles
its jobs with the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.actions.messages import install_request_jobs
from bot.actions.pending_fixes import install_pending_jobs
from bot.clock import fire_time_text
from bot.cron import parse_cron
from bot.digest.delivery import install_digest_delivery_job, pending_since
from bot.digest.job import run_digest_job
from bot.digest.store import last_post
from bot.report.job import install_report_job
from bot.schedules.jobs import install_schedule_jobs
from bot.services import Services

logger = logging.getLogger(__name__)

DIGEST_JOB_ID = "digest"
DIGEST_CATCH_UP_JOB_ID = "digest-catch-up"
# A digest that could not start on time (process busy, host suspended, restarted shortly after
# the hour) is still worth posting within the hour: people read it in the morning. Later than
# that it lands mid-afternoon as noise, and tomorrow's is coming — so it is skipped.
# `coalesce` turns a backlog of missed runs into one post.
DIGEST_MISFIRE_GRACE_SECONDS = 3600

JobInstaller = Callable[[BackgroundScheduler, Services, Any], None]


def digest_trigger(services: Services) -> CronTrigger:
    settings = services.settings
    return parse_cron(settings.digest_cron, settings.tz)


def missed_digest_at(services: Services, trigger: CronTrigger, now: datetime) -> datetime | None:
    """The scheduled time of a digest missed within the grace period (bot down at 09:00 and back
    at 09:20), or None. In-memory jobs forget missed runs across restarts; this remembers them
    through `digest_posts`."""
    due = trigger.get_next_fire_time(None, now - timedelta(seconds=DIGEST_MISFIRE_GRACE_SECONDS))
    if due is None or due > now:
        return None
    last = last_post(services.store)
    if last is not None and datetime.fromisoformat(last["posted_at"]) >= due:
        return None
    if pending_since(services.store, due):  # started, not finished: the delivery job finishes it
        return None
    return due


def install_digest_job(scheduler: BackgroundScheduler, services: Services, client: Any) -> None:
    if not services.settings.digest_channel:
        logger.warning("SMBOT_DIGEST_CHANNEL is not set: no daily digest will be posted")
        return
    trigger = digest_trigger(services)
    scheduler.add_job(
        run_digest_job,
        trigger,
        args=(services, client),
        id=DIGEST_JOB_ID,
        name="daily digest",
        replace_existing=True,
        misfire_grace_time=DIGEST_MISFIRE_GRACE_SECONDS,
        coalesce=True,
        max_instances=1,
    )
    missed = missed_digest_at(services, trigger, services.clock())
    if missed is not None:
        logger.info("the digest due at %s was missed: posting it now", missed.isoformat())
        scheduler.add_job(
            run_digest_job, args=(services, client), id=DIGEST_CATCH_UP_JOB_ID, replace_existing=True
        )


# Each feature adds its installer to this list (a one-line edit, like the schema registry in bot.storage.migrations).
JOB_INSTALLERS: list[JobInstaller] = [install_digest_job]
JOB_INSTALLERS.append(install_schedule_jobs)
JOB_INSTALLERS.append(install_request_jobs)
JOB_INSTALLERS.append(install_digest_delivery_job)
JOB_INSTALLERS.append(install_pending_jobs)
JOB_INSTALLERS.append(install_report_job)


def build_scheduler(
    services: Services, client: Any, installers: Sequence[JobInstaller] | None = None
) -> BackgroundScheduler:
    """The scheduler with every installer's jobs added; not started (the caller starts it)."""
    scheduler = BackgroundScheduler(timezone=services.settings.tz, job_defaults={"coalesce": True})
    for install in JOB_INSTALLERS if installers is None else installers:
        install(scheduler, services, client)
    return scheduler


def next_run_lines(jobs: Sequence[Any], tz: ZoneInfo) -> list[tuple[int, str]]:
    """(log level, line) per job: when it fires next, in the configured zone. Housekeeping
    sweeps (interval jobs) go to DEBUG; the digest, the report and each schedule to INFO, so the
    start-up log answers "when will the next digest be posted?"."""
    lines = []
    def soonest_first(job: Any) -> tuple[bool, float, str]:
        when = job.next_run_time
        return (when is None, when.timestamp() if when else 0.0, job.id)

    for job in sorted(jobs, key=soonest_first):
        level = logging.DEBUG if isinstance(job.trigger, IntervalTrigger) else logging.INFO
        lines.append((level, f"next run of {job.name}: {fire_time_text(job.next_run_time, tz)}"))
    return lines


def log_next_runs(scheduler: BackgroundScheduler, tz: ZoneInfo) -> None:
    """Called once the scheduler has started: only then do jobs have a next run time."""
    for level, line in next_run_lines(scheduler.get_jobs(), tz):
        logger.log(level, line)
