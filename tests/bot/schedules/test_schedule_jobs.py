"""Schedules running against a moto notebook with the clock in the test's hands.

The clock is injected (`services.clock`); the scheduler's own timing is not under test: jobs
are invoked the way APScheduler would invoke them (`run_due(services, id)`) at chosen instants.
AWS calls are counted on the wire with botocore's before-call event.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.aws.session import ClientFactory
from bot.config import Settings
from bot.demo.moto_fleet import MotoFleet
from bot.schedules.jobs import (
    CATCH_UP_PREFIX,
    install_schedule_jobs,
    run_due,
    sync_jobs,
)
from bot.schedules.rules import (
    DAYS,
    MISFIRE_GRACE_SECONDS,
    Action,
    ScheduleRule,
    delete_at_rule,
    recurring_rule,
    weekdays_preset,
)
from bot.schedules.store import (
    ScheduleRecord,
    ScheduleStatus,
    add_schedule,
    firings,
    get_schedule,
    set_schedule_status,
)
from bot.services import Services, build_services
from bot.storage.store import Store
from tests.conftest import ACCOUNT_ID, REGION

BERLIN = ZoneInfo("Europe/Berlin")
NOTEBOOK = "nb-team-a"
KEY = f"{ACCOUNT_ID}:{REGION}:notebook-instance:{NOTEBOOK}"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(berlin(2026, 11, 22, 12, 0))  # a Sunday


@pytest.fixture
def timed(services: Services, clock: Clock) -> Services:
    return dataclasses.replace(services, clock=clock)


@pytest.fixture
def aws_calls(client_factory: ClientFactory) -> Counter:
    """Every SageMaker API call the bot's clients send, by operation name."""
    counts: Counter = Counter()

    def count(model, **_: object) -> None:
        counts[model.name] += 1

    client_factory.client("sagemaker", REGION).meta.events.register("before-call.sagemaker", count)
    return counts


def notebook_status(fleet: MotoFleet) -> str:
    return fleet.clients("sagemaker").describe_notebook_instance(NotebookInstanceName=NOTEBOOK)[
        "NotebookInstanceStatus"
    ]


def schedule(timed: Services, rule: ScheduleRule, key: str = KEY) -> ScheduleRecord:
    return add_schedule(timed.store, key, rule, created_by="U0ALICE", now=timed.clock())


def walk(timed: Services, clock: Clock, record: ScheduleRecord, start: datetime, end: datetime,
         step: timedelta) -> Iterator[datetime]:
    """Call the schedule's job at every step, as a scheduler ticking that often would."""
    clock.at = start
    while clock.at <= end:
        run_due(timed, record.id)
        yield clock.at
        clock.at += step


def fired(timed: Services, record: ScheduleRecord) -> list[tuple[str, str, str]]:
    return [
        (datetime.fromisoformat(r["planned_time"]).astimezone(BERLIN).strftime("%a %d %H:%M"),
         r["action"], r["outcome"])
        for r in firings(timed.store, record.id)
    ]


WORKING_WEEK = [f"{day} {hm}" for day in ("Mon 23", "Tue 24", "Wed 25", "Thu 26", "Fri 27") for hm in ("09:00", "18:00")]
# the week the clocks go back (Sunday 25 October 2026): Friday in CEST, Monday and Tuesday in CET
DST_WEEK = [f"{day} {hm}" for day in ("Fri 23", "Mon 26", "Tue 27") for hm in ("09:00", "18:00")]


@pytest.mark.parametrize(
    ("start", "end", "slots", "utc_hours"),
    [
        ((2026, 11, 22, 12, 0), (2026, 11, 29, 12, 0), WORKING_WEEK, [8, 17] * 5),
        ((2026, 10, 22, 20, 0), (2026, 10, 27, 23, 0), DST_WEEK, [7, 16, 8, 17, 8, 17]),
    ],
)
def test_a_weekday_schedule_stops_and_starts_the_notebook_at_the_right_instants(
    timed: Services, clock: Clock, fleet: MotoFleet, aws_calls: Counter,
    start: tuple[int, ...], end: tuple[int, ...], slots: list[str], utc_hours: list[int],
) -> None:
    fleet.notebook(NOTEBOOK)  # running when the schedule is made
    clock.at = berlin(*start)
    record = schedule(timed, weekdays_preset("Europe/Berlin"))
    seen: dict[datetime, str] = {}
    for at in walk(timed, clock, record, berlin(*start), berlin(*end), timedelta(minutes=30)):
        seen[at] = notebook_status(fleet)
    first_stop = next(datetime.fromisoformat(r["planned_time"]) for r in firings(timed.store, record.id) if r["action"] == "stop")
    for at, status in seen.items():
        local = at.astimezone(BERLIN)
        working = local.weekday() < 5 and 9 <= local.hour < 18
        # until the first stop the notebook is still up from before
        expected = "InService" if working or at < first_stop else "Stopped"
        assert status == expected, f"{local:%a %H:%M}: {status}"
    assert [d for d, _, _ in fired(timed, record)] == slots
    assert [datetime.fromisoformat(r["planned_time"]).hour for r in firings(timed.store, record.id)] == utc_hours
    assert [(a, o) for _, a, o in fired(timed, record)][:2] == [("start", "already"), ("stop", "done")]
    assert aws_calls["StopNotebookInstance"] == len(slots) // 2
    assert aws_calls["StartNotebookInstance"] == len(slots) // 2 - 1  # the first start found it running


@pytest.mark.parametrize(
    ("start", "change_day", "utc_before", "utc_after"),
    [
        ((2026, 3, 26, 0, 0), "Sun 29", 8, 7),  # spring forward: 09:00 was 08:00 UTC, then 07:00
        ((2026, 10, 22, 0, 0), "Sun 25", 7, 8),  # fall back: 07:00 UTC, then 08:00
    ],
)
def test_a_daily_0900_fires_once_a_day_through_a_dst_week(
    timed: Services, clock: Clock, fleet: MotoFleet, aws_calls: Counter,
    start: tuple[int, ...], change_day: str, utc_before: int, utc_after: int,
) -> None:
    fleet.notebook(NOTEBOOK, stopped=True)
    aws_calls.clear()  # the seeding's own stop
    clock.at = berlin(*start) - timedelta(days=1)
    record = schedule(timed, recurring_rule(DAYS, "09:00", "17:00", "Europe/Berlin"))
    list(walk(timed, clock, record, berlin(*start), berlin(*start) + timedelta(days=7), timedelta(minutes=15)))
    starts = [r for r in firings(timed.store, record.id) if r["action"] == "start"]
    local_days = Counter(datetime.fromisoformat(r["planned_time"]).astimezone(BERLIN).strftime("%a %d") for r in starts)
    assert len(local_days) == 7 and set(local_days.values()) == {1}
    assert change_day in local_days
    hours = [datetime.fromisoformat(r["planned_time"]).hour for r in starts]
    assert hours[:3] == [utc_before] * 3 and hours[3:] == [utc_after] * 4
    assert aws_calls["StartNotebookInstance"] == 7
    assert aws_calls["StopNotebookInstance"] == 7


def test_two_firings_for_the_same_slot_make_one_aws_call(
    timed: Services, clock: Clock, fleet: MotoFleet, aws_calls: Counter
) -> None:
    fleet.notebook(NOTEBOOK)
    record = schedule(timed, weekdays_preset("Europe/Berlin"))
    clock.at = berlin(2026, 11, 23, 18, 0)
    results = []
    threads = [threading.Thread(target=lambda: results.append(run_due(timed, record.id))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    clock.at = berlin(2026, 11, 23, 18, 20)
    results.append(run_due(timed, record.id))
    assert sorted(r.fired for r in results) == [False] * 4 + [True]
    assert aws_calls["StopNotebookInstance"] == 1
    assert notebook_status(fleet) == "Stopped"


def test_a_stop_missed_while_the_bot_was_down_runs_after_a_restart(
    settings: Settings, client_factory: ClientFactory, fleet: MotoFleet, aws_calls: Counter
) -> None:
    fleet.notebook(NOTEBOOK)
    clock = Clock(berlin(2026, 11, 23, 12, 0))
    first = build_services(settings, clients=client_factory, clock=clock, store=Store(settings.db_path))
    record = schedule(first, weekdays_preset("Europe/Berlin"))
    scheduler = BackgroundScheduler(timezone=UTC)
    install_schedule_jobs(scheduler, first, None)
    assert scheduler.get_job(f"{CATCH_UP_PREFIX}{record.id}") is None
    first.store.close()  # the bot goes down at 17:30; the 18:00 stop is due while it is down

    clock.at = berlin(2026, 11, 23, 18, 40)
    restarted = build_services(settings, clients=client_factory, clock=clock, store=Store(settings.db_path))
    scheduler = BackgroundScheduler(timezone=UTC)
    install_schedule_jobs(scheduler, restarted, None)
    catch_up = scheduler.get_job(f"{CATCH_UP_PREFIX}{record.id}")
    assert catch_up is not None
    result = catch_up.func(*catch_up.args)
    assert (result.action, result.planned, result.code) == (Action.STOP, berlin(2026, 11, 23, 18, 0), "done")
    assert notebook_status(fleet) == "Stopped"

    clock.at = berlin(2026, 11, 23, 18, 50)  # and a second restart does not fire it again
    again = BackgroundScheduler(timezone=UTC)
    install_schedule_jobs(again, restarted, None)
    assert again.get_job(f"{CATCH_UP_PREFIX}{record.id}") is None
    assert aws_calls["StopNotebookInstance"] == 1
    restarted.store.close()


def test_a_start_missed_by_hours_is_not_run_at_start_up(
    timed: Services, clock: Clock, fleet: MotoFleet, aws_calls: Counter
) -> None:
    fleet.notebook(NOTEBOOK, stopped=True)
    aws_calls.clear()  # the seeding's own stop
    record = schedule(timed, weekdays_preset("Europe/Berlin"))
    clock.at = berlin(2026, 11, 23, 9, 0) + timedelta(seconds=MISFIRE_GRACE_SECONDS[Action.START] + 60)
    scheduler = BackgroundScheduler(timezone=UTC)
    counts = sync_jobs(scheduler, timed)
    assert counts["caught_up"] == 0
    assert run_due(timed, record.id).code == "not-due"
    assert aws_calls["StartNotebookInstance"] == 0
    assert notebook_status(fleet) == "Stopped"


def test_jobs_follow_the_table_with_misfire_grace_per_action(timed: Services) -> None:
    scheduler = BackgroundScheduler(timezone=UTC)
    record = schedule(timed, weekdays_preset("Europe/Berlin"))
    assert sync_jobs(scheduler, timed)["added"] == 2
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert jobs[f"schedule-{record.id}-stop"].misfire_grace_time == MISFIRE_GRACE_SECONDS[Action.STOP]
    assert jobs[f"schedule-{record.id}-start"].misfire_grace_time == MISFIRE_GRACE_SECONDS[Action.START]
    assert all(j.coalesce for j in jobs.values())
    assert sync_jobs(scheduler, timed) == {"added": 0, "removed": 0, "caught_up": 0}
    set_schedule_status(timed.store, record.id, ScheduleStatus.REMOVED,
                        from_statuses=(ScheduleStatus.ACTIVE,), by="U0ALICE", now=timed.clock())
    assert sync_jobs(scheduler, timed)["removed"] == 2
    assert [j.id for j in scheduler.get_jobs()] == []


def test_a_pending_schedule_never_fires(timed: Services, clock: Clock, fleet: MotoFleet, aws_calls: Counter) -> None:
    fleet.notebook(NOTEBOOK)
    record = add_schedule(timed.store, KEY, weekdays_preset("Europe/Berlin"), created_by="U0ALICE",
                          now=clock(), status=ScheduleStatus.PENDING_APPROVAL)
    clock.at = berlin(2026, 11, 23, 18, 0)
    assert run_due(timed, record.id).code == "not-due"
    assert aws_calls["StopNotebookInstance"] == 0


def test_a_slot_before_the_schedule_existed_does_not_fire(timed: Services, clock: Clock, fleet: MotoFleet) -> None:
    fleet.notebook(NOTEBOOK)
    clock.at = berlin(2026, 11, 23, 18, 30)
    record = schedule(timed, weekdays_preset("Europe/Berlin"))
    assert run_due(timed, record.id).code == "not-due"
    assert notebook_status(fleet) == "InService"


def test_a_protected_notebook_is_not_stopped_by_its_schedule(
    timed: Services, clock: Clock, fleet: MotoFleet, aws_calls: Counter
) -> None:
    fleet.notebook(NOTEBOOK, tags={timed.settings.protected_tag_key: "true"})
    record = schedule(timed, weekdays_preset("Europe/Berlin"))
    clock.at = berlin(2026, 11, 23, 18, 0)
    result = run_due(timed, record.id)
    assert (result.fired, result.code) == (True, "protected")
    assert aws_calls["StopNotebookInstance"] == 0
    assert notebook_status(fleet) == "InService"


def test_in_dry_run_a_firing_is_recorded_but_nothing_changes(
    timed: Services, clock: Clock, fleet: MotoFleet, aws_calls: Counter
) -> None:
    dry = dataclasses.replace(timed, settings=timed.settings.model_copy(update={"dry_run": True}))
    fleet.notebook(NOTEBOOK)
    record = schedule(dry, weekdays_preset("Europe/Berlin"))
    clock.at = berlin(2026, 11, 23, 18, 0)
    result = run_due(dry, record.id)
    assert (result.code, result.message.startswith("DRY RUN")) == ("done", True)
    assert aws_calls["StopNotebookInstance"] == 0
    assert notebook_status(fleet) == "InService"


def test_a_delete_at_one_off_deletes_the_endpoint_once(
    timed: Services, clock: Clock, fleet: MotoFleet, aws_calls: Counter
) -> None:
    fleet.endpoint("ep-old")
    record = schedule(
        timed, delete_at_rule("2026-11-24", "10:00", "Europe/Berlin", clock()),
        key=f"{ACCOUNT_ID}:{REGION}:endpoint:ep-old",
    )
    clock.at = berlin(2026, 11, 24, 10, 0)
    assert run_due(timed, record.id).code == "done"
    clock.at += timedelta(minutes=5)
    assert run_due(timed, record.id).fired is False
    assert aws_calls["DeleteEndpoint"] == 1
    assert get_schedule(timed.store, record.id).status is ScheduleStatus.DONE
    assert sync_jobs(BackgroundScheduler(timezone=UTC), timed)["added"] == 0


def test_a_0230_job_firing_twice_when_clocks_go_back_acts_once(
    timed: Services, clock: Clock, fleet: MotoFleet, aws_calls: Counter
) -> None:
    fleet.notebook(NOTEBOOK)
    clock.at = berlin(2026, 10, 24, 12, 0)
    record = schedule(timed, recurring_rule(DAYS, None, "02:30", "Europe/Berlin"))
    # APScheduler runs the job at both 02:30s of 25 October: 00:30 UTC (CEST) and 01:30 UTC (CET)
    clock.at = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    first = run_due(timed, record.id)
    clock.at = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    second = run_due(timed, record.id)
    assert (first.fired, first.code) == (True, "done")
    assert (second.fired, second.planned) == (False, first.planned)
    assert aws_calls["StopNotebookInstance"] == 1


def test_a_schedule_added_while_the_bot_runs_logs_when_it_fires(timed: Services, caplog) -> None:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)  # running, so jobs get a next run time; nothing fires
    try:
        record = schedule(timed, weekdays_preset("Europe/Berlin"))
        with caplog.at_level(logging.INFO, logger="bot.schedules.jobs"):
            sync_jobs(scheduler, timed)
    finally:
        scheduler.shutdown(wait=False)
    lines = sorted(r.getMessage() for r in caplog.records if r.getMessage().startswith("next run of"))
    assert len(lines) == 2
    assert all(f"schedule #{record.id} " in line for line in lines)
    zone = datetime.now(timed.settings.tz).strftime("%Z")
    assert all(line.endswith(f" {zone}") for line in lines)  # in SMBOT_TIMEZONE, as at start-up
    assert any(" stop " in line for line in lines) and any(" start " in line for line in lines)
