"""Cost Explorer reads for the weekly report: SageMaker spend, Savings Plans advice and coverage.

Cost Explorer is a global API served from us-east-1 and charges per request (USD 0.01 each), so
every function here makes a known number of calls: one per page of `GetCostAndUsage` (bounded
by `MAX_COST_PAGES`), one for each Savings Plans read. The report caches the answers for the day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from botocore.exceptions import ClientError

CE_REGION = "us-east-1"  # Cost Explorer's only endpoint in the aws partition
SAGEMAKER_SERVICE = "Amazon SageMaker"  # the SERVICE dimension value Cost Explorer bills it under
# The SAVINGS_PLANS_TYPE dimension value of SageMaker Savings Plans (GetDimensionValues in the
# SAVINGS_PLANS context lists ComputeSavingsPlans, EC2InstanceSavingsPlans, SageMakerSavingsPlans).
SAGEMAKER_SP_DIMENSION = "SageMakerSavingsPlans"
MAX_COST_PAGES = 10

PERMISSIONS = (
    "ce:GetCostAndUsage",
    "ce:GetSavingsPlansPurchaseRecommendation",
    "ce:GetSavingsPlansCoverage",
    "ce:GetSavingsPlansUtilization",
)


class TooManyPages(RuntimeError):
    """Cost Explorer kept paging past MAX_COST_PAGES: refuse rather than run up the bill."""


def get_sagemaker_daily_costs(ce: Any, start: date, end: date) -> tuple[list[dict[str, Any]], int]:
    """`ResultsByTime` of SageMaker's daily unblended cost, grouped by usage type and region.

    [start, end) in UTC days (Cost Explorer's End is exclusive). Returns the results and the
    number of calls made. Two GroupBy dimensions is Cost Explorer's maximum.
    """
    params: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost"],
        "Filter": {"Dimensions": {"Key": "SERVICE", "Values": [SAGEMAKER_SERVICE]}},
        "GroupBy": [
            {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
            {"Type": "DIMENSION", "Key": "REGION"},
        ],
    }
    results: list[dict[str, Any]] = []
    for calls in range(1, MAX_COST_PAGES + 1):
        page = ce.get_cost_and_usage(**params)
        results.extend(page.get("ResultsByTime", []))
        token = page.get("NextPageToken")
        if not token:
            return results, calls
        params["NextPageToken"] = token
    raise TooManyPages(f"GetCostAndUsage returned more than {MAX_COST_PAGES} pages")


def get_sagemaker_sp_recommendation(ce: Any, term: str) -> dict[str, Any]:
    """The SageMaker Savings Plan AWS recommends for `term` (ONE_YEAR | THREE_YEARS): no
    upfront, computed on the last 30 days of usage (the spend that includes today's waste)."""
    return ce.get_savings_plans_purchase_recommendation(
        SavingsPlansType="SAGEMAKER_SP",
        TermInYears=term,
        PaymentOption="NO_UPFRONT",
        LookbackPeriodInDays="THIRTY_DAYS",
    )


def get_sagemaker_sp_utilization(ce: Any, start: date, end: date) -> dict[str, Any] | None:
    """Utilisation of existing SageMaker Savings Plans; None when the account has none
    (Cost Explorer answers DataUnavailableException then)."""
    try:
        return ce.get_savings_plans_utilization(
            TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
            Filter={"Dimensions": {"Key": "SAVINGS_PLANS_TYPE", "Values": [SAGEMAKER_SP_DIMENSION]}},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "DataUnavailableException":
            return None
        raise


def get_sagemaker_sp_coverage(ce: Any, start: date, end: date) -> dict[str, Any]:
    """How much of SageMaker's eligible spend the existing plans covered (one page, MONTHLY)."""
    return ce.get_savings_plans_coverage(
        TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
        Granularity="MONTHLY",
        Filter={"Dimensions": {"Key": "SERVICE", "Values": [SAGEMAKER_SERVICE]}},
    )
