"""SageMaker Savings Plans advice from Cost Explorer's answers (pure).

The guide's last lever (§7: up to 64% off for a 1–3 year commitment) comes last for a reason:
AWS computes the recommendation on the last 30 days of spend, today's waste included. A
commitment sized on waste keeps paying for it after the waste is removed, so the advice says how
much of the recommended commitment the open waste represents, and to remove waste first.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.scan.pricing import HOURS_PER_MONTH

TERMS = ("ONE_YEAR", "THREE_YEARS")
TERM_WORDS = {"ONE_YEAR": "1 year", "THREE_YEARS": "3 years"}


def _number(value: Any) -> float | None:
    """Cost Explorer sends amounts as strings ("0.5", "" or absent when it has nothing)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class PlanAdvice(BaseModel):
    term: str  # ONE_YEAR | THREE_YEARS
    hourly_commitment_usd: float | None
    est_monthly_savings_usd: float | None
    savings_percentage: float | None  # e.g. 22.5 (percent)
    current_on_demand_spend_usd: float | None  # over the 30-day lookback
    waste_share_of_commitment: float | None = None  # 0..1: the part only today's waste would use

    @property
    def recommended(self) -> bool:
        return bool(self.hourly_commitment_usd)

    @property
    def term_words(self) -> str:
        return TERM_WORDS.get(self.term, self.term)


class ExistingPlans(BaseModel):
    """SageMaker Savings Plans already bought (utilisation and coverage, last 30 days)."""

    utilization_percentage: float | None
    total_commitment_usd: float | None
    net_savings_usd: float | None
    coverage_percentage: float | None = None


class PlansAdvice(BaseModel):
    advice: list[PlanAdvice]
    existing: ExistingPlans | None = None
    calls: int = 0


def plan_advice(term: str, response: dict[str, Any], open_waste_monthly_usd: float) -> PlanAdvice:
    """One term's recommendation; the waste share is the open waste, at the plan's discounted
    rate, over the hourly commitment (capped at 1: waste can eat the whole commitment)."""
    summary = (response.get("SavingsPlansPurchaseRecommendation") or {}).get(
        "SavingsPlansPurchaseRecommendationSummary"
    ) or {}
    hourly = _number(summary.get("HourlyCommitmentToPurchase"))
    percentage = _number(summary.get("EstimatedSavingsPercentage"))
    share = None
    if hourly:
        waste_hourly = open_waste_monthly_usd / HOURS_PER_MONTH * (1 - (percentage or 0) / 100)
        share = min(waste_hourly / hourly, 1.0)
    return PlanAdvice(
        term=term,
        hourly_commitment_usd=hourly,
        est_monthly_savings_usd=_number(summary.get("EstimatedMonthlySavingsAmount")),
        savings_percentage=percentage,
        current_on_demand_spend_usd=_number(summary.get("CurrentOnDemandSpend")),
        waste_share_of_commitment=share,
    )


def existing_plans(
    utilization: dict[str, Any] | None, coverage: dict[str, Any] | None
) -> ExistingPlans | None:
    """None when the account has no SageMaker Savings Plan (no utilisation, or 0 committed)."""
    if not utilization:
        return None
    total = utilization.get("Total") or {}
    use = total.get("Utilization") or {}
    committed = _number(use.get("TotalCommitment"))
    if not committed:
        return None
    covered = None
    if coverage:
        rows = coverage.get("SavingsPlansCoverages") or []
        spend = sum(_number((r.get("Coverage") or {}).get("TotalCost")) or 0 for r in rows)
        on_plan = sum(
            _number((r.get("Coverage") or {}).get("SpendCoveredBySavingsPlans")) or 0 for r in rows
        )
        covered = on_plan / spend * 100 if spend else None
    return ExistingPlans(
        utilization_percentage=_number(use.get("UtilizationPercentage")),
        total_commitment_usd=committed,
        net_savings_usd=_number((total.get("Savings") or {}).get("NetSavings")),
        coverage_percentage=covered,
    )
