"""/healthz's verdict: a dead scheduler or an unwritable database is not healthy."""

import os

from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime.health import Health


def test_a_running_scheduler_and_a_writable_database_are_healthy(fresh_store):
    scheduler = BackgroundScheduler()
    scheduler.start()
    try:
        assert Health(fresh_store, scheduler).problems() == []
    finally:
        scheduler.shutdown(wait=False)


def test_a_scheduler_not_started_yet_is_a_problem(fresh_store):
    assert Health(fresh_store).problems() == ["the scheduler is not running"]


def test_a_stopped_scheduler_is_a_problem(fresh_store):
    scheduler = BackgroundScheduler()
    scheduler.start()
    scheduler.shutdown(wait=True)

    assert Health(fresh_store, scheduler).problems() == ["the scheduler is not running"]


def test_a_deleted_database_is_a_problem(fresh_store):
    scheduler = BackgroundScheduler()
    scheduler.start()
    os.unlink(fresh_store.path)
    try:
        problems = Health(fresh_store, scheduler).problems()
    finally:
        scheduler.shutdown(wait=False)

    assert problems == [f"the database {fresh_store.path} was deleted while the bot was running"]
