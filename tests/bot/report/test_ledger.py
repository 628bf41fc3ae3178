"""The realised-savings ledger: fed by succeeded actions, closed when the resource runs again,
append-only, and summed per week, month, install and owner."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.actions import executor
from bot.actions.models import ActionKind, Vote
from bot.aws.session import RegionClients
from bot.demo.moto_fleet import MotoFleet
from bot.models import FindingKind, ScanResult
from bot.report.ledger import (
    LedgerEvent,
    cumulative_by_day,
    ledger_events,
    open_accruals,
    periods,
    realised,
    record_accrual,
    record_running_again,
)
from bot.report.running_again import check_open_accruals, close_from_scan
from tests.fakes.action_world import (
    APPROVERS,
    REQUESTER,
    CallCounter,
    ManualClock,
    action_settings,
    rebuilt_services,
)
from tests.fakes.findings import finding

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday
KEY = "123456789012:us-east-1:notebook-instance:nb-1"


def event(kind: str, hours: float, key: str = KEY, hourly: float | None = 2.0, owner: str | None = None):
    return LedgerEvent(at=T0 + timedelta(hours=hours), event=kind, resource_key=key,
                       hourly_usd=hourly, owner=owner, source="test")


def test_a_closed_period_saves_its_hours_at_its_price():
    [period] = periods([event("accrue", 0), event("end", 10)])
    assert period.saved_usd(T0, T0 + timedelta(days=30)) == pytest.approx(20.0)


def test_an_open_period_accrues_until_now():
    [period] = periods([event("accrue", 0)])
    assert period.end is None
    assert period.saved_usd(T0, T0 + timedelta(hours=5)) == pytest.approx(10.0)


def test_scheduled_stops_accrue_per_stopped_hour():
    nights = []
    for day in range(3):  # stopped 18:00 → 09:00 three nights: 15 h each
        nights += [event("accrue", 24 * day + 18), event("end", 24 * day + 33)]
    total = realised(periods(nights), T0 + timedelta(days=7), T0, T0)
    assert total.total_usd == pytest.approx(3 * 15 * 2.0)


def test_week_month_and_install_totals_count_only_their_own_hours():
    history = [event("accrue", -24 * 10), event("end", -24 * 10 + 5), event("accrue", 24), event("end", 27)]
    now = T0 + timedelta(days=2)
    month_start = T0 - timedelta(days=1)
    total = realised(periods(history), now, week_start=T0, month_start=month_start)
    assert (total.week_usd, total.month_usd, total.total_usd) == (6.0, 6.0, 16.0)


def test_savings_are_grouped_by_owner_and_unpriced_periods_are_counted():
    history = [
        event("accrue", 0, owner="alice"), event("end", 1),
        event("accrue", 0, key="k2", hourly=None), event("end", 3, key="k2"),
    ]
    total = realised(periods(history), T0 + timedelta(days=1), T0, T0)
    assert total.by_owner == {"alice": 2.0, "unassigned": 0.0}
    assert total.unpriced == 1


def test_the_cumulative_series_grows_by_day_and_stops_at_now():
    series = cumulative_by_day(periods([event("accrue", 0)]), date(2026, 11, 1), date(2026, 11, 3),
                               now=T0 + timedelta(days=1, hours=12))
    assert series == [(date(2026, 11, 1), 0.0), (date(2026, 11, 2), 48.0), (date(2026, 11, 3), 72.0)]


def test_a_resource_with_an_open_period_does_not_open_a_second(fresh_store):
    assert record_accrual(fresh_store, KEY, at=T0, hourly_usd=1.0, source="test")
    assert not record_accrual(fresh_store, KEY, at=T0 + timedelta(hours=1), hourly_usd=1.0, source="test")
    assert [e.event for e in ledger_events(fresh_store)] == ["accrue"]


def test_the_ledger_is_append_only(fresh_store):
    record_accrual(fresh_store, KEY, at=T0, hourly_usd=1.0, source="test")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        fresh_store.db.execute("UPDATE savings_ledger SET hourly_usd = 100")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        fresh_store.db.execute("DELETE FROM savings_ledger")


def test_running_again_closes_only_open_periods(fresh_store):
    record_accrual(fresh_store, KEY, at=T0, hourly_usd=1.0, source="test")
    closed = record_running_again(fresh_store, [KEY, "other"], at=T0 + timedelta(hours=2), source="test", detail="x")
    assert closed == [KEY]
    assert open_accruals(fresh_store) == {}


def test_a_scan_listing_the_resource_again_ends_its_period(services):
    record_accrual(services.store, KEY, at=T0, hourly_usd=1.0, source="test")
    again = finding("nb-1", FindingKind.IDLE_NOTEBOOK)
    scan = ScanResult(generated_at=T0 + timedelta(hours=3), findings=[again])
    assert close_from_scan(services, scan) == [again.key]
    assert [e.source for e in ledger_events(services.store)] == ["test", "scan"]


# --- fed by the executor, over moto -------------------------------------------------------------


class Actions:
    def __init__(self, tmp_path: Path, **settings: object):
        self.clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
        self.services = rebuilt_services(action_settings(tmp_path / "bot.db", **settings), CallCounter(), self.clock)
        self.fleet = MotoFleet(clients=RegionClients(self.services.clients, "us-east-1"))

    def run(self, action: ActionKind, key: str, **kwargs: object):
        opened = executor.request_action(self.services, action, key, REQUESTER, **kwargs)
        assert opened.request is not None, opened.refusal
        return executor.vote_and_run(self.services, opened.request.id, APPROVERS[0], Vote.APPROVE, APPROVERS)[1]


@pytest.fixture
def acting(moto_server: str, tmp_path: Path) -> Actions:
    return Actions(tmp_path)


def test_a_succeeded_stop_starts_accruing_at_the_requests_price(acting):
    acting.fleet.notebook("nb-1")
    acting.run(ActionKind.STOP_NOTEBOOK, KEY, est_monthly_cost_usd=73.0)
    [opened] = ledger_events(acting.services.store)
    assert (opened.event, opened.action, opened.hourly_usd) == ("accrue", "stop-notebook", pytest.approx(0.1))


def test_starting_the_notebook_again_ends_the_period(acting):
    acting.fleet.notebook("nb-1")
    acting.run(ActionKind.STOP_NOTEBOOK, KEY, est_monthly_cost_usd=73.0)
    acting.clock.advance(hours=10)
    acting.run(ActionKind.START_NOTEBOOK, KEY)
    [period] = periods(ledger_events(acting.services.store))
    assert period.saved_usd(period.start, acting.clock.now + timedelta(days=1)) == pytest.approx(1.0)


def test_a_dry_run_action_saves_nothing(moto_server, tmp_path):
    dry = Actions(tmp_path, dry_run=True)
    dry.fleet.notebook("nb-1")
    dry.run(ActionKind.STOP_NOTEBOOK, KEY, est_monthly_cost_usd=73.0)
    assert ledger_events(dry.services.store) == []


def test_a_notebook_started_outside_the_bot_is_seen_running_before_the_report(acting):
    acting.fleet.notebook("nb-1")
    acting.run(ActionKind.STOP_NOTEBOOK, KEY, est_monthly_cost_usd=73.0)
    acting.fleet.clients("sagemaker").start_notebook_instance(NotebookInstanceName="nb-1")
    assert check_open_accruals(acting.services, acting.clock.now) == [KEY]
    assert open_accruals(acting.services.store) == {}


def test_a_deleted_endpoint_still_absent_keeps_accruing(acting):
    key = "123456789012:us-east-1:endpoint:ep-1"
    acting.fleet.endpoint("ep-1")
    acting.run(ActionKind.DELETE_ENDPOINT, key, est_monthly_cost_usd=168.0)
    assert check_open_accruals(acting.services, acting.clock.now) == []
    assert list(open_accruals(acting.services.store)) == [key]


def test_a_resize_accrues_the_price_difference_and_survives_running(services):
    from bot.actions.models import ActionRequest, RequestState
    from bot.report.ledger import record_outcome

    services.store.save_scan(ScanResult(generated_at=T0, findings=[
        finding("nb-1", FindingKind.IDLE_NOTEBOOK, instance_type="ml.m5.xlarge")]))
    request = ActionRequest(
        id=7, action=ActionKind.RESIZE_NOTEBOOK, resource_key=KEY, requester="U1",
        state=RequestState.SUCCEEDED, created_at=T0, expires_at=T0, updated_at=T0,
        params={"instance_type": "ml.t3.medium"},
    )
    record_outcome(services.store, request, T0, ["owner"], services.prices)
    [opened] = ledger_events(services.store)
    expected = services.prices.hourly_usd("us-east-1", "notebook", "ml.m5.xlarge") - services.prices.hourly_usd(
        "us-east-1", "notebook", "ml.t3.medium")
    assert opened.hourly_usd == pytest.approx(expected)
    record_running_again(services.store, [KEY], at=T0 + timedelta(hours=1), source="check", detail="running")
    assert list(open_accruals(services.store)) == [KEY]


def test_a_scheduled_stop_without_a_finding_reuses_the_resources_last_price(fresh_store):
    from bot.actions.models import ActionRequest, RequestState
    from bot.report.ledger import record_outcome

    record_accrual(fresh_store, KEY, at=T0, hourly_usd=0.05, source="action")
    record_running_again(fresh_store, [KEY], at=T0 + timedelta(hours=12), source="action", detail="start")
    stop = ActionRequest(
        id=8, action=ActionKind.STOP_NOTEBOOK, resource_key=KEY, requester="schedule #1",
        state=RequestState.SUCCEEDED, created_at=T0, expires_at=T0, updated_at=T0,
    )
    record_outcome(fresh_store, stop, T0 + timedelta(days=1), ["owner"])
    assert ledger_events(fresh_store)[-1].hourly_usd == 0.05


@pytest.mark.parametrize(
    ("action", "undo"),
    [(ActionKind.ENABLE_AUTOSCALING, ActionKind.REMOVE_AUTOSCALING),
     (ActionKind.RESIZE_ENDPOINT, ActionKind.UNDO_RESIZE_ENDPOINT)],
    ids=["autoscaling", "resize"],
)
def test_a_hosting_change_accrues_the_advised_saving_until_its_undo(services, action, undo):
    from bot.actions.models import ActionRequest, RequestState
    from bot.report.ledger import record_outcome

    key = "123456789012:us-east-1:endpoint:busy-ep"
    services.store.save_scan(ScanResult(generated_at=T0, findings=[finding(
        "busy-ep", FindingKind.OVERPROVISIONED_ENDPOINT, savings_usd=730.0, est_monthly_cost_usd=2920.0)]))

    def succeeded(kind: ActionKind, request_id: int) -> ActionRequest:
        return ActionRequest(
            id=request_id, action=kind, resource_key=key, requester="U1", state=RequestState.SUCCEEDED,
            created_at=T0, expires_at=T0, updated_at=T0,
        )

    record_outcome(services.store, succeeded(action, 11), T0, ["owner"], services.prices)
    [opened] = ledger_events(services.store)
    assert (opened.hourly_usd, opened.request_id) == (pytest.approx(1.0), 11)  # $730/mo saved, not $2,920
    record_running_again(services.store, [key], at=T0 + timedelta(hours=1), source="scan", detail="serving")
    assert list(open_accruals(services.store)) == [key]  # serving traffic is the point: still saving
    record_outcome(services.store, succeeded(undo, 12), T0 + timedelta(hours=5), ["owner"], services.prices)
    assert open_accruals(services.store) == {}


def test_a_ledger_row_a_crash_kept_from_being_written_is_written_at_start_up(acting, monkeypatch, slack_client):
    """The process dies after the request's `succeeded` and before its ledger row (its own
    transaction): the next start-up writes the row, at the action's time, once."""
    from bot.actions.messages import recover_on_start

    acting.fleet.notebook("nb-1")
    with monkeypatch.context() as crash:
        crash.setattr(executor, "record_outcome", lambda *args, **kwargs: None)  # the row never came
        done = acting.run(ActionKind.STOP_NOTEBOOK, KEY, est_monthly_cost_usd=73.0)
    assert ledger_events(acting.services.store) == []
    acting.clock.advance(hours=3)  # the bot comes back later

    recover_on_start(acting.services, slack_client)
    recover_on_start(acting.services, slack_client)  # and again: nothing twice

    [opened] = ledger_events(acting.services.store)
    request = executor.requests_of(acting.services).get(done.request_id)
    assert (opened.event, opened.request_id, opened.at) == ("accrue", done.request_id, request.updated_at)
    assert opened.hourly_usd == pytest.approx(0.1)


def test_a_dry_run_request_is_never_backfilled(moto_server, tmp_path, slack_client):
    from bot.actions.messages import recover_on_start

    dry = Actions(tmp_path, dry_run=True)
    dry.fleet.notebook("nb-1")
    dry.run(ActionKind.STOP_NOTEBOOK, KEY, est_monthly_cost_usd=73.0)
    recover_on_start(dry.services, slack_client)
    assert ledger_events(dry.services.store) == []
