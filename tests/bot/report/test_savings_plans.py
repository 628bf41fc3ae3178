"""Savings Plans advice: API-shaped answers from the stand-in (moto has none of these calls),
parsed into commitment, monthly saving and percentage, with the waste's share of the commitment."""

from __future__ import annotations

from datetime import date

import pytest

from bot.aws import cost
from bot.report.build import fetch_plans
from bot.report.savings_plans import existing_plans, plan_advice
from tests.fakes.cost_explorer import (
    coverage_record,
    install_savings_plans_standin,
    recommendation_record,
    utilization_record,
)

ONE_YEAR = recommendation_record(
    "ONE_YEAR", hourly_commitment_usd=2.0, monthly_savings_usd=400.0, savings_percentage=25.0,
    on_demand_30_days_usd=1600.0,
)
THREE_YEARS = recommendation_record(
    "THREE_YEARS", hourly_commitment_usd=1.5, monthly_savings_usd=700.0, savings_percentage=44.0,
    on_demand_30_days_usd=1600.0,
)


def test_a_recommendation_gives_commitment_saving_and_percentage():
    advice = plan_advice("ONE_YEAR", ONE_YEAR, open_waste_monthly_usd=0.0)
    assert (advice.hourly_commitment_usd, advice.est_monthly_savings_usd, advice.savings_percentage) == (2.0, 400.0, 25.0)
    assert advice.current_on_demand_spend_usd == 1600.0
    assert advice.recommended


def test_the_open_waste_share_of_the_commitment_is_at_plan_rates():
    # $730/month of waste = $1/h on demand = $0.75/h at 25% off, of a $2/h commitment
    advice = plan_advice("ONE_YEAR", ONE_YEAR, open_waste_monthly_usd=730.0)
    assert advice.waste_share_of_commitment == pytest.approx(0.375)


def test_waste_larger_than_the_commitment_is_capped_at_all_of_it():
    advice = plan_advice("ONE_YEAR", ONE_YEAR, open_waste_monthly_usd=73_000.0)
    assert advice.waste_share_of_commitment == 1.0


def test_no_recommendation_is_not_a_zero_commitment_to_buy():
    from bot.demo.cost_explorer_standin import no_recommendation_record

    advice = plan_advice("THREE_YEARS", no_recommendation_record("THREE_YEARS"), 100.0)
    assert advice.hourly_commitment_usd is None
    assert not advice.recommended
    assert advice.waste_share_of_commitment is None


def test_existing_plans_report_utilisation_and_coverage():
    plans = existing_plans(
        utilization_record(total_commitment_usd=100.0, used_commitment_usd=80.0, net_savings_usd=30.0),
        coverage_record(start="2026-10-01", end="2026-11-01", covered_usd=80.0, on_demand_usd=120.0),
    )
    assert plans.utilization_percentage == pytest.approx(80.0)
    assert plans.coverage_percentage == pytest.approx(40.0)
    assert plans.net_savings_usd == 30.0


def test_no_utilisation_means_no_plans():
    assert existing_plans(None, None) is None


@pytest.fixture
def ce(services):
    return services.clients.client("ce", cost.CE_REGION)


def test_an_account_without_plans_costs_three_calls(services, ce, now):
    calls = install_savings_plans_standin(ce, {"ONE_YEAR": ONE_YEAR, "THREE_YEARS": THREE_YEARS})
    advice = fetch_plans(services, 0.0, now)
    assert calls == [
        "GetSavingsPlansPurchaseRecommendation",
        "GetSavingsPlansPurchaseRecommendation",
        "GetSavingsPlansUtilization",
    ]
    assert advice.calls == 3
    assert [a.term for a in advice.advice] == ["ONE_YEAR", "THREE_YEARS"]
    assert advice.existing is None


def test_an_account_with_plans_also_reads_coverage(services, ce, now):
    calls = install_savings_plans_standin(
        ce, {"ONE_YEAR": ONE_YEAR},
        utilization=utilization_record(total_commitment_usd=50.0, used_commitment_usd=50.0, net_savings_usd=10.0),
        coverage=coverage_record(start="2026-10-01", end="2026-11-01", covered_usd=50.0, on_demand_usd=50.0),
    )
    advice = fetch_plans(services, 0.0, now)
    assert calls[-1] == "GetSavingsPlansCoverage"
    assert advice.existing.coverage_percentage == pytest.approx(50.0)


def test_savings_plans_answers_are_cached_for_the_day(services, ce, now):
    calls = install_savings_plans_standin(ce, {"ONE_YEAR": ONE_YEAR})
    fetch_plans(services, 0.0, now)
    again = fetch_plans(services, 0.0, now)
    assert len(calls) == 3
    assert again.calls == 0
    assert again.advice[0].hourly_commitment_usd == 2.0


def test_requests_match_the_api_model(ce):
    """The stand-in runs after botocore validated the parameters against the service model."""
    install_savings_plans_standin(ce, {})
    answer = cost.get_sagemaker_sp_recommendation(ce, "THREE_YEARS")
    assert answer["SavingsPlansPurchaseRecommendation"]["TermInYears"] == "THREE_YEARS"
    assert cost.get_sagemaker_sp_utilization(ce, date(2026, 10, 1), date(2026, 11, 1)) is None
