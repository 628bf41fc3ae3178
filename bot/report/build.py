"""Assemble the weekly report: spend, open waste, realised savings, Savings Plans advice.

Cost Explorer calls (each one charged by AWS, each answer cached for the UTC day in `ce_cache`):
1 `GetCostAndUsage` page for the spend (more pages only for very many usage types, at most
`MAX_COST_PAGES`), 2 `GetSavingsPlansPurchaseRecommendation` (1 and 3 years), 1
`GetSavingsPlansUtilization`, and 1 `GetSavingsPlansCoverage` only when SageMaker plans exist:
4–5 calls for the first report of a day, 0 for the next ones.

Errors are values: Cost Explorer refusing (not enabled, AccessDenied) leaves that part of the
report empty with the reason, and the ledger part is still there.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.aws import cost
from bot.aws.session import error_message
from bot.models import ScanResult
from bot.owners.directory import OwnerDirectory
from bot.report.ledger import cumulative_by_day, ledger_events, periods, realised
from bot.report.models import WeeklyReport
from bot.report.running_again import check_open_accruals, close_from_scan
from bot.report.savings_plans import TERMS, PlansAdvice, existing_plans, plan_advice
from bot.report.spend import Spend, Window, cost_rows, summarise_spend, waste_share
from bot.report.store import cached
from bot.services import Services

logger = logging.getLogger(__name__)

DEFAULT_WEEKS = 4
# One Cost Explorer fetch at a time: fifty people typing /sm-savings at 09:01 on a cold cache
# cost one set of requests, not fifty (the others then read today's cache).
_CE_FETCH = threading.Lock()


def _ce(services: Services) -> Any:
    """Cost Explorer with the first account's credentials (a payer account sees its members)."""
    return services.clients.client("ce", cost.CE_REGION, services.settings.account_targets()[0])


def fetch_spend(services: Services, window: Window, now: datetime) -> Spend:
    start, end = window.query_start, window.query_end

    def fetch() -> tuple[Any, int]:
        return cost.get_sagemaker_daily_costs(_ce(services), start, end)

    results, calls = cached(services.store, f"spend:{start}:{end}", now.date(), fetch, now)
    return summarise_spend(cost_rows(results), window, services.settings.regions, calls)


def fetch_plans(services: Services, open_waste_monthly_usd: float, now: datetime) -> PlansAdvice:
    ce, day, calls = _ce(services), now.date(), 0
    advice = []
    for term in TERMS:
        answer, made = cached(
            services.store, f"sp-recommendation:{term}", day,
            lambda term=term: (_strip(cost.get_sagemaker_sp_recommendation(ce, term)), 1), now,
        )
        calls += made
        advice.append(plan_advice(term, answer, open_waste_monthly_usd))
    start, end = day - timedelta(days=30), day
    utilization, made = cached(
        services.store, f"sp-utilization:{start}:{end}", day,
        lambda: (_strip(cost.get_sagemaker_sp_utilization(ce, start, end)), 1), now,
    )
    calls += made
    coverage = None
    if existing_plans(utilization, None) is not None:
        coverage, made = cached(
            services.store, f"sp-coverage:{start}:{end}", day,
            lambda: (_strip(cost.get_sagemaker_sp_coverage(ce, start, end)), 1), now,
        )
        calls += made
    return PlansAdvice(advice=advice, existing=existing_plans(utilization, coverage), calls=calls)


def _one_line(exc: BaseException) -> str:
    """An AWS error as one short line (an HTML error page from a proxy included)."""
    return " ".join(error_message(exc).split())[:300]


def _strip(response: Any) -> Any:
    """Drop ResponseMetadata before caching (request ids and dates say nothing tomorrow)."""
    if isinstance(response, dict):
        return {k: v for k, v in response.items() if k != "ResponseMetadata"}
    return response


def build_report(
    services: Services, *, weeks: int = DEFAULT_WEEKS, scan: ScanResult | None = None,
    owners: OwnerDirectory | None = None, check_running: bool = True,
) -> WeeklyReport:
    """`check_running=False` skips reading each stopped or deleted resource (the scheduled
    report and the CLI read them; `/sm-savings` answers from what the ledger already knows)."""
    now = services.clock().astimezone(UTC)
    scan = scan if scan is not None else services.recent_scan()
    close_from_scan(services, scan)
    if check_running:
        check_open_accruals(services, now)
    open_waste = scan.totals.est_monthly_savings_usd
    all_periods = periods(ledger_events(services.store))
    today = now.date()
    week_start = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), UTC)
    month_start = datetime.combine(today.replace(day=1), datetime.min.time(), UTC)
    window = Window(today=today, weeks=weeks)
    report = WeeklyReport(
        generated_at=now,
        weeks=weeks,
        open_waste_monthly_usd=open_waste,
        realised=realised(all_periods, now, week_start, month_start),
        savings_series=cumulative_by_day(all_periods, window.week_starts[0], today, now),
        scan_errors=len(scan.errors),
    )
    if owners is not None:  # owners nobody could map to Slack, listed once
        owners.by_owner(scan.findings)
        report.unmapped_owners = sorted(owners.unmapped)
    with _CE_FETCH:
        _add_cost_explorer(services, report, window, open_waste, now)
    return report


def _add_cost_explorer(
    services: Services, report: WeeklyReport, window: Window, open_waste: float, now: datetime
) -> None:
    try:
        report.spend = fetch_spend(services, window, now)
        report.waste_share = waste_share(open_waste, report.spend.last_30_days_usd)
        report.ce_calls += report.spend.calls
    except Exception as exc:
        report.spend_error = f"Cost Explorer: {_one_line(exc)}"
        logger.warning("report: no spend: %s", report.spend_error)
    try:
        report.plans = fetch_plans(services, open_waste, now)
        report.ce_calls += report.plans.calls
    except Exception as exc:
        report.plans_error = f"Savings Plans: {_one_line(exc)}"
        logger.warning("report: no Savings Plans advice: %s", report.plans_error)
