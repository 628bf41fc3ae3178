"""Cost Explorer for the demo and tests: spend seeded into moto, Savings Plans answered here.

moto 5.2.5 answers `GetCostAndUsage` (with results preset through its API) but not
`GetSavingsPlansPurchaseRecommendation`, `GetSavingsPlansUtilization` or
`GetSavingsPlansCoverage` (FACTS.md). Like the Studio stand-in, this plugs `before-call.ce.*`
handlers into a client's event system: botocore still validates the parameters against the real
service model, and every answer is checked against the operation's output shape.

`cost_and_usage_result` builds a `GetCostAndUsage` answer (daily, grouped by usage type and
region, as the report asks) to queue into moto with `seed_cost_and_usage` (in-process) or
moto's `POST /moto-api/static/ce/cost-and-usage-results` (over HTTP).

Used by the demo (`sm-cost-bot demo --report`) and by tests, never in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from bot.demo.studio_standin import (
    Answer,
    Record,
    StandInResponse,
    _ok,  # the shape-checked answer both stand-ins give
)


def _amount(value: float) -> str:
    return f"{value:.4f}"  # Cost Explorer sends amounts as decimal strings


CostLine = tuple[date, str, str, float]  # day, usage type, region, USD


def cost_and_usage_result(lines: Iterable[CostLine], start: date, end: date) -> Record:
    """A GetCostAndUsage answer, DAILY over [start, end), grouped by USAGE_TYPE and REGION, with
    the UnblendedCost metric: one ResultsByTime entry per day (empty days have no groups)."""
    by_day: dict[date, list[Record]] = {}
    for day, usage_type, region, usd in lines:
        by_day.setdefault(day, []).append({
            "Keys": [usage_type, region],
            "Metrics": {"UnblendedCost": {"Amount": f"{usd:.10f}", "Unit": "USD"}},
        })
    results = []
    day = start
    while day < end:
        results.append({
            "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()},
            "Total": {},
            "Groups": by_day.get(day, []),
            "Estimated": day >= end - timedelta(days=2),  # recent days are still estimates
        })
        day += timedelta(days=1)
    return {
        "GroupDefinitions": [
            {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
            {"Type": "DIMENSION", "Key": "REGION"},
        ],
        "ResultsByTime": results,
        "DimensionValueAttributes": [],
    }


def seed_cost_and_usage(result: Record, account_id: str) -> None:
    """Queue `result` as moto's next GetCostAndUsage answer for the account (in-process moto)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.set_ce_cost_usage(result=result, account_id=account_id)


def recommendation_record(
    term: str, *, hourly_commitment_usd: float, monthly_savings_usd: float,
    savings_percentage: float, on_demand_30_days_usd: float,
) -> Record:
    """A `GetSavingsPlansPurchaseRecommendation` answer for SAGEMAKER_SP, no upfront, 30 days."""
    summary = {
        "CurrencyCode": "USD",
        "HourlyCommitmentToPurchase": _amount(hourly_commitment_usd),
        "EstimatedMonthlySavingsAmount": _amount(monthly_savings_usd),
        "EstimatedSavingsPercentage": _amount(savings_percentage),
        "CurrentOnDemandSpend": _amount(on_demand_30_days_usd),
        "EstimatedSavingsAmount": _amount(monthly_savings_usd),
        "EstimatedTotalCost": _amount(on_demand_30_days_usd - monthly_savings_usd),
        "TotalRecommendationCount": "1",
        "DailyCommitmentToPurchase": _amount(hourly_commitment_usd * 24),
    }
    return {
        "Metadata": {"RecommendationId": f"rec-{term.lower()}", "GenerationTimestamp": "2026-01-01T00:00:00Z"},
        "SavingsPlansPurchaseRecommendation": {
            "SavingsPlansType": "SAGEMAKER_SP",
            "TermInYears": term,
            "PaymentOption": "NO_UPFRONT",
            "LookbackPeriodInDays": "THIRTY_DAYS",
            "AccountScope": "PAYER",
            "SavingsPlansPurchaseRecommendationSummary": summary,
        },
    }


def no_recommendation_record(term: str) -> Record:
    """What AWS answers when nothing is worth committing to: no summary, no details."""
    return {
        "Metadata": {"RecommendationId": f"rec-{term.lower()}"},
        "SavingsPlansPurchaseRecommendation": {
            "SavingsPlansType": "SAGEMAKER_SP", "TermInYears": term,
            "PaymentOption": "NO_UPFRONT", "LookbackPeriodInDays": "THIRTY_DAYS",
        },
    }


def utilization_record(
    *, total_commitment_usd: float, used_commitment_usd: float, net_savings_usd: float
) -> Record:
    used = used_commitment_usd / total_commitment_usd * 100 if total_commitment_usd else 0
    return {
        "Total": {
            "Utilization": {
                "TotalCommitment": _amount(total_commitment_usd),
                "UsedCommitment": _amount(used_commitment_usd),
                "UnusedCommitment": _amount(total_commitment_usd - used_commitment_usd),
                "UtilizationPercentage": _amount(used),
            },
            "Savings": {
                "NetSavings": _amount(net_savings_usd),
                "OnDemandCostEquivalent": _amount(used_commitment_usd + net_savings_usd),
            },
        }
    }


def coverage_record(*, start: str, end: str, covered_usd: float, on_demand_usd: float) -> Record:
    total = covered_usd + on_demand_usd
    return {
        "SavingsPlansCoverages": [
            {
                "TimePeriod": {"Start": start, "End": end},
                "Coverage": {
                    "SpendCoveredBySavingsPlans": _amount(covered_usd),
                    "OnDemandCost": _amount(on_demand_usd),
                    "TotalCost": _amount(total),
                    "CoveragePercentage": _amount(covered_usd / total * 100 if total else 0),
                },
            }
        ]
    }


def install_savings_plans_standin(
    ce_client: Any,
    recommendations: dict[str, Record],
    utilization: Record | None = None,
    coverage: Record | None = None,
) -> list[str]:
    """Answer the Savings Plans reads of `ce_client`; returns the list every answered operation
    is appended to (tests count calls with it). `utilization=None`: the account has no plan
    (AWS answers DataUnavailableException)."""
    calls: list[str] = []
    events = ce_client.meta.events

    def remember_params(params: Record, context: Record, **_: Any) -> None:
        context["sp_standin_params"] = dict(params)

    def recommendation(model: Any, context: Record, **_: Any) -> Answer:
        calls.append(model.name)
        term = context.get("sp_standin_params", {}).get("TermInYears", "ONE_YEAR")
        return _ok(recommendations.get(term) or no_recommendation_record(term), model)

    def utilization_answer(model: Any, context: Record, **_: Any) -> Answer:
        calls.append(model.name)
        if utilization is None:
            return StandInResponse(400), {
                "Error": {"Code": "DataUnavailableException", "Message": "No Savings Plans data"}
            }
        return _ok(utilization, model)

    def coverage_answer(model: Any, context: Record, **_: Any) -> Answer:
        calls.append(model.name)
        return _ok(coverage or {"SavingsPlansCoverages": []}, model)

    handlers: dict[str, Callable] = {
        "GetSavingsPlansPurchaseRecommendation": recommendation,
        "GetSavingsPlansUtilization": utilization_answer,
        "GetSavingsPlansCoverage": coverage_answer,
    }
    for operation, handler in handlers.items():
        events.register(f"before-parameter-build.ce.{operation}", remember_params)
        events.register(f"before-call.ce.{operation}", handler)
    return calls
