"""Account × region × kind fan-out on a bounded thread pool.

Errors are values here: an account-region-kind that fails becomes a ScanError in the result and
never aborts the scan, and never looks clean (AccessDenied is not an empty list).

Regions: `--region`, else `SMBOT_REGIONS`, else every region enabled for each account where
SageMaker is offered. Prices for the regions scanned are resolved once, before the scanners run
(`prices.table_for`: cache, Price List API, bundled table), and each finding's evidence names the
source of its price, or why it has none.

A Ctrl-C (or any exception in the caller's thread) abandons the pool instead of waiting for it:
a worker blocked on a hung endpoint would otherwise hold the exit for timeout × attempts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime

from bot.aws.regions import HOME_REGION, enabled_sagemaker_regions
from bot.aws.session import ClientFactory, RegionClients, error_code, error_message
from bot.config import AccountTarget, Settings
from bot.models import Finding, FindingKind, NotAssessed, ScanError, ScanResult
from bot.scan.price_catalog import PriceCatalog
from bot.scan.pricing import PriceTable
from bot.scan.scanners import SCANNERS
from bot.scan.scanners.base import ReportedElsewhere, ScanContext, SharedReads


def _resolve_account(
    factory: ClientFactory, target: AccountTarget | None, region: str
) -> tuple[str | None, ScanError | None]:
    try:
        factory.client("sagemaker", region, target)  # forces AssumeRole for role targets
        return factory.account_id(target, region), None
    except Exception as exc:
        return None, ScanError(
            account_id=target.account_id if target else "unknown",
            region=region,
            operation="AssumeRole" if target else "GetCallerIdentity",
            message=error_message(exc),
            code=error_code(exc),
        )


def _scan_one(
    factory: ClientFactory,
    target: AccountTarget | None,
    account_id: str,
    region: str,
    kind: FindingKind,
    settings: Settings,
    prices: PriceTable,
    now: datetime,
    shared: SharedReads,
) -> tuple[list[Finding], list[ScanError], list[NotAssessed]]:
    ctx = ScanContext(
        clients=RegionClients(factory, region, target),
        account_id=account_id,
        region=region,
        settings=settings,
        prices=prices,
        now=now,
        shared=shared,
    )
    try:
        findings = SCANNERS[kind].scan(ctx)
    except ReportedElsewhere:
        findings = []  # a shared read another kind of this account-region made and reported
    except Exception as exc:
        ctx.report_error(f"scan {kind}", exc, kind)
        findings = []
    return [with_price_evidence(f, prices) for f in findings], ctx.errors, ctx.not_assessed


def with_price_evidence(finding: Finding, prices: PriceTable) -> Finding:
    """Name where the figure came from (`price_source`) or why there is none (`price_missing`)."""
    if finding.est_monthly_cost_usd is not None or finding.est_monthly_savings_usd is not None:
        extra: dict[str, object] = {"price_source": prices.source_label(finding.region)}
        if prices.discount:
            extra["price_discount"] = prices.discount
    elif finding.instance_type:
        extra = {"price_missing": prices.missing_reason(finding.region, finding.instance_type)}
    else:
        return finding  # a setting: no instance behind it, so no price to be missing
    return finding.model_copy(update={"evidence": {**extra, **finding.evidence}})


def _regions_of(
    factory: ClientFactory, target: AccountTarget | None, account_id: str
) -> tuple[list[str], ScanError | None]:
    try:
        return enabled_sagemaker_regions(factory.client("ec2", HOME_REGION, target)), None
    except Exception as exc:  # the home region is still scanned, and the error says what is not
        return [HOME_REGION], ScanError(
            account_id=account_id,
            region=HOME_REGION,
            operation="DescribeRegions",
            message=f"{error_message(exc)} (only {HOME_REGION} scanned; set SMBOT_REGIONS)",
            code=error_code(exc),
        )


def run_scan(
    factory: ClientFactory,
    settings: Settings,
    prices: PriceTable | PriceCatalog,
    now: datetime,
    *,
    regions: Iterable[str] | None = None,
    kinds: Iterable[FindingKind] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ScanResult:
    """`on_progress(done, total)` is called from this thread as account × region × kind parts
    finish (total is known once the accounts are resolved)."""
    complete = regions is None and kinds is None
    chosen = list(regions or settings.regions)  # empty: each account's SageMaker regions
    kinds = list(kinds or SCANNERS)
    targets = settings.account_targets()
    findings: list[Finding] = []
    errors: list[ScanError] = []
    not_assessed: dict[tuple[str, str, str], NotAssessed] = {}  # the hosting kinds share theirs
    accounts: list[str] = []
    pool = ThreadPoolExecutor(max_workers=settings.scan_max_workers, thread_name_prefix="scan")
    try:
        first = chosen[0] if chosen else HOME_REGION
        resolved = list(pool.map(lambda t: (t, *_resolve_account(factory, t, first)), targets))
        plan: list[tuple[AccountTarget | None, str, list[str]]] = []
        for target, account_id, error in resolved:
            if error is not None:
                errors.extend(error.model_copy(update={"region": r}) for r in chosen or [first])
                continue
            accounts.append(account_id)
            account_regions = chosen
            if not chosen:
                account_regions, region_error = _regions_of(factory, target, account_id)
                errors.extend([region_error] if region_error else [])
            plan.append((target, account_id, account_regions))
        scanned = list(dict.fromkeys(r for _, _, rs in plan for r in rs)) or chosen
        table = prices.table_for(scanned, now)
        jobs = []
        for target, account_id, account_regions in plan:
            for region in account_regions:
                shared = SharedReads()  # one per account-region: kinds reading the same records share them
                for kind in kinds:
                    jobs.append(
                        pool.submit(
                            _scan_one, factory, target, account_id, region, kind, settings, table, now,
                            shared,
                        )
                    )
        if on_progress is not None:
            on_progress(0, len(jobs))
        for done, job in enumerate(as_completed(jobs), start=1):
            job.result()  # re-raises nothing (_scan_one returns errors as values); waits
            if on_progress is not None:
                on_progress(done, len(jobs))
        for job in jobs:  # in submission order: the result reads the same whatever finished first
            found, failed, unjudged = job.result()
            findings.extend(found)
            errors.extend(failed)
            not_assessed.update({(n.account_id, n.region, n.name): n for n in unjudged})
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    findings.sort(key=lambda f: (-(f.est_monthly_savings_usd or 0.0), f.kind, f.name))
    return ScanResult(
        generated_at=now,
        regions=scanned,
        accounts=accounts,
        kinds=kinds,
        complete=complete,
        findings=findings,
        errors=errors,
        not_assessed=list(not_assessed.values()),
    )
