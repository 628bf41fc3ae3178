"""Totals count what acting could save: a resource's alternative fixes are not added up."""

from __future__ import annotations

from bot.models import FindingKind, totals_of
from tests.fakes.findings import finding


def test_a_notebook_both_idle_and_oversized_counts_its_biggest_saving_once() -> None:
    idle = finding("bob-gpu", FindingKind.IDLE_NOTEBOOK, savings_usd=2792.0)
    oversized = finding("bob-gpu", FindingKind.OVERSIZED_NOTEBOOK, savings_usd=2411.0)
    other = finding("alice", FindingKind.IDLE_NOTEBOOK, savings_usd=36.5)
    totals = totals_of([oversized, idle, other])
    assert totals.est_monthly_savings_usd == 2792.0 + 36.5
    assert totals.by_kind == {FindingKind.IDLE_NOTEBOOK: 2828.5}
    assert totals.findings == 3
