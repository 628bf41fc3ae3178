"""The schedules table is the source of truth; firings are claimed exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.schedules.rules import Action, weekdays_preset
from bot.schedules.store import (
    ScheduleStatus,
    add_schedule,
    claim_firing,
    firings,
    get_schedule,
    list_schedules,
    set_schedule_status,
)
from bot.storage.store import Store

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
KEY = "123456789012:us-east-1:notebook-instance:nb-1"


def test_a_schedule_round_trips_with_its_rule_and_words(fresh_store: Store) -> None:
    saved = add_schedule(fresh_store, KEY, weekdays_preset("Europe/Berlin"), created_by="U1", now=NOW)
    loaded = get_schedule(fresh_store, saved.id)
    assert loaded == saved
    assert loaded.rule == weekdays_preset("Europe/Berlin")
    assert loaded.description == "Mon–Fri, starts 09:00, stops 18:00 Europe/Berlin"
    assert (loaded.name, loaded.region, loaded.resource_type) == ("nb-1", "us-east-1", "notebook-instance")


def test_status_changes_are_compare_and_set(fresh_store: Store) -> None:
    saved = add_schedule(
        fresh_store, KEY, weekdays_preset("UTC"), created_by="U1", now=NOW,
        status=ScheduleStatus.PENDING_APPROVAL,
    )
    approve = dict(from_statuses=(ScheduleStatus.PENDING_APPROVAL,), by="U2", now=NOW)
    assert set_schedule_status(fresh_store, saved.id, ScheduleStatus.ACTIVE, **approve) is True
    assert set_schedule_status(fresh_store, saved.id, ScheduleStatus.ACTIVE, **approve) is False
    assert get_schedule(fresh_store, saved.id).status is ScheduleStatus.ACTIVE


def test_removed_schedules_are_not_listed(fresh_store: Store) -> None:
    kept = add_schedule(fresh_store, KEY, weekdays_preset("UTC"), created_by="U1", now=NOW)
    gone = add_schedule(fresh_store, KEY + "x", weekdays_preset("UTC"), created_by="U1", now=NOW)
    set_schedule_status(
        fresh_store, gone.id, ScheduleStatus.REMOVED,
        from_statuses=(ScheduleStatus.ACTIVE,), by="U1", now=NOW,
    )
    assert [s.id for s in list_schedules(fresh_store)] == [kept.id]


def test_a_firing_slot_is_claimed_once_even_from_another_connection(fresh_store: Store, settings) -> None:
    saved = add_schedule(fresh_store, KEY, weekdays_preset("UTC"), created_by="U1", now=NOW)
    planned = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    assert claim_firing(fresh_store, saved.id, planned, Action.STOP, NOW) is True
    restarted = Store(settings.db_path)  # as after a restart: a new Store on the same file
    try:
        assert claim_firing(restarted, saved.id, planned, Action.STOP, NOW + timedelta(hours=1)) is False
        assert claim_firing(restarted, saved.id, planned + timedelta(days=1), Action.STOP, NOW) is True
    finally:
        restarted.close()
    assert len(firings(fresh_store, saved.id)) == 2


def test_concurrent_claims_of_one_slot_have_exactly_one_winner(fresh_store: Store) -> None:
    saved = add_schedule(fresh_store, KEY, weekdays_preset("UTC"), created_by="U1", now=NOW)
    planned = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    results: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        won = claim_firing(fresh_store, saved.id, planned, Action.STOP, NOW)
        with lock:
            results.append(won)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
