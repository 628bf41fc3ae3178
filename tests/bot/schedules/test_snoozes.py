"""Snooze: how long, what it hides, and that hidden waste is still counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Finding, FindingKind, ResourceType
from bot.schedules.snoozes import (
    Snooze,
    SnoozeInputError,
    hidden_totals,
    snooze_until,
    split_snoozed,
)
from bot.schedules.store import active_snoozes, add_snooze, unsnooze
from bot.storage.store import Store

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def finding(name: str, savings: float | None = 10.0) -> Finding:
    return Finding(
        kind=FindingKind.IDLE_NOTEBOOK,
        resource_type=ResourceType.NOTEBOOK_INSTANCE,
        name=name,
        arn=f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{name}",
        account_id="123456789012",
        region="us-east-1",
        est_monthly_savings_usd=savings,
        reason="idle",
        detected_at=NOW,
    )


def key(name: str) -> str:
    return f"123456789012:us-east-1:notebook-instance:{name}"


@pytest.mark.parametrize(("choice", "days"), [("1d", 1), ("7d", 7), ("30d", 30)])
def test_snooze_lengths_count_from_now(choice: str, days: int) -> None:
    assert snooze_until(choice, NOW) == NOW + timedelta(days=days)


def test_snooze_until_a_date_ends_at_that_dates_local_midnight() -> None:
    assert snooze_until("date", NOW, until_date="2026-12-24", timezone="Europe/Berlin") == datetime(
        2026, 12, 23, 23, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("until_date", "fragment"),
    [(None, "pick the date"), ("2026-11-26", "not in the future"), ("24/12/2026", "not a date")],
)
def test_snooze_until_a_bad_date_is_refused_on_the_date_field(until_date: str | None, fragment: str) -> None:
    with pytest.raises(SnoozeInputError) as err:
        snooze_until("date", NOW, until_date=until_date, timezone="UTC")
    assert fragment in err.value.errors["date"]


def test_split_snoozed_hides_only_actively_snoozed_resources() -> None:
    findings = [finding("a"), finding("b"), finding("c")]
    snoozes = [
        Snooze(resource_key=key("a"), snoozed_by="U1", until=NOW + timedelta(days=1), created_at=NOW),
        Snooze(resource_key=key("c"), snoozed_by="U1", until=NOW - timedelta(seconds=1), created_at=NOW),
    ]
    visible, hidden = split_snoozed(findings, snoozes, NOW)
    assert [f.name for f in visible] == ["b", "c"]
    assert [f.name for f in hidden] == ["a"]


def test_hidden_waste_is_still_counted_in_the_hidden_line() -> None:
    totals = hidden_totals([finding("a", 12.5), finding("b", None), finding("c", 7.5)])
    assert (totals.count, totals.est_monthly_savings_usd) == (3, 20.0)
    assert totals.line.startswith("3 snoozed items hidden (est. $20.00/month)")
    assert hidden_totals([]).line == ""


def test_active_snoozes_leave_out_expired_and_removed_ones(fresh_store: Store) -> None:
    add_snooze(fresh_store, key("a"), snoozed_by="U1", until=NOW + timedelta(days=7), now=NOW)
    add_snooze(fresh_store, key("b"), snoozed_by="U2", until=NOW + timedelta(hours=1), now=NOW)
    gone = add_snooze(fresh_store, key("c"), snoozed_by="U3", until=NOW + timedelta(days=1), now=NOW)
    assert unsnooze(fresh_store, gone.id, by="U9", now=NOW) is not None
    later = NOW + timedelta(hours=2)
    assert [(s.resource_key, s.snoozed_by) for s in active_snoozes(fresh_store, later)] == [(key("a"), "U1")]
    assert [s.resource_key for s in active_snoozes(fresh_store, NOW)] == [key("b"), key("a")]


def test_a_second_unsnooze_click_changes_nothing(fresh_store: Store) -> None:
    snooze = add_snooze(fresh_store, key("a"), snoozed_by="U1", until=NOW + timedelta(days=7), now=NOW)
    assert unsnooze(fresh_store, snooze.id, by="U2", now=NOW) is not None
    assert unsnooze(fresh_store, snooze.id, by="U2", now=NOW) is None


def test_snoozing_again_replaces_the_previous_snooze(fresh_store: Store) -> None:
    add_snooze(fresh_store, key("a"), snoozed_by="U1", until=NOW + timedelta(days=1), now=NOW)
    add_snooze(fresh_store, key("a"), snoozed_by="U2", until=NOW + timedelta(days=30), now=NOW)
    active = active_snoozes(fresh_store, NOW)
    assert [(s.snoozed_by, s.until) for s in active] == [("U2", NOW + timedelta(days=30))]
