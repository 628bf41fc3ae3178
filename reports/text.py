"""Terminal rendering of a scan: the demo's digest and `sm-cost-bot scan --format table`.

Pure apart from writing to the rich Console it is given (stdout by default).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.models import Finding, FindingKind, SavingsBasis, ScanResult
from reports.headline import headline_notes, price_sources_text
from reports.hosting_section import HOSTING_KINDS, HOSTING_TITLE
from reports.not_assessed import not_assessed_text
from reports.plurals import plural, scope_text

KIND_TITLES = {
    FindingKind.IDLE_NOTEBOOK: "Idle notebook instances",
    FindingKind.IDLE_STUDIO_APP: "Idle Studio apps",
    FindingKind.STUDIO_IDLE_SHUTDOWN_OFF: "Studio idle shutdown off or too long",
    FindingKind.UNUSED_ENDPOINT: "Endpoints with no invocations",
    FindingKind.SPOT_ELIGIBLE_TRAINING_JOB: "Training jobs that could use managed Spot",
    FindingKind.OVERPROVISIONED_ENDPOINT: "Overprovisioned endpoints",
    FindingKind.ENDPOINT_WITHOUT_AUTOSCALING: "Endpoints without autoscaling",
    FindingKind.SERVERLESS_CANDIDATE: "Endpoints cheaper on serverless inference",
    FindingKind.MULTI_MODEL_CANDIDATE: "Endpoints to consolidate on a multi-model endpoint",
    FindingKind.INFERENTIA_CANDIDATE: "GPU endpoints cheaper on Inferentia",
    FindingKind.OVERSIZED_NOTEBOOK: "Notebook instances on GPU or large types",
    FindingKind.INTERMITTENT_ENDPOINT: "Endpoints used this week but idle most hours",
    FindingKind.ORPHANED_ENDPOINT: "Idle endpoints whose endpoint config was deleted",
    FindingKind.IDLE_ASYNC_ENDPOINT: "Asynchronous endpoints idle with an empty queue",
    FindingKind.STALE_STOPPED_NOTEBOOK: "Notebook instances stopped for long (storage still bills)",
    FindingKind.IDLE_CANVAS_APP: "Canvas sessions left open (billed per hour logged in)",
    FindingKind.IDLE_WARM_POOL: "Training warm pools retained with no job reusing them",
}


def usd(amount: float | None) -> str:
    """'$1,234/mo'; None is 'price unknown', never $0."""
    if amount is None:
        return "price unknown"
    return f"${amount:,.0f}/mo" if amount >= 10 else f"${amount:,.2f}/mo"


def item_saving(finding: Finding) -> str:
    """A setting (no instance behind it) has no price to be unknown."""
    if finding.est_monthly_savings_usd is None and finding.instance_type is None:
        return "setting"
    if finding.savings_basis == SavingsBasis.ONE_OFF and finding.est_monthly_savings_usd is not None:
        return usd(finding.est_monthly_savings_usd).replace("/mo", " once")
    return usd(finding.est_monthly_savings_usd)


def _kind_grid(findings: Sequence[Finding], owner_tag_keys: Sequence[str]) -> Table:
    """Two columns (saving | what and why) read better in 80 columns than a wide table."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", no_wrap=True, min_width=13)
    grid.add_column(overflow="fold")
    for f in findings:
        instance = f.instance_type or ""
        if f.instance_type and f.instance_count > 1:
            instance = f"{f.instance_count} × {f.instance_type}"
        owner = f.owner(tuple(owner_tag_keys))
        meta = ", ".join(p for p in (f"{f.account_id} / {f.region}", instance, owner and f"owner {owner}") if p)
        what = Text(f.name, style="bold")
        if f.protected:
            what.append("  [protected: never acted on]", style="yellow")
        what.append(f"\n{meta}", style="dim")
        what.append(f"\n{f.reason}")
        grid.add_row(Text(item_saving(f), style="dim" if f.protected else ""), what)
    return grid


def _sections(findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    """(title, items) per kind in FindingKind's order, except the hosting kinds: one "Hosting"
    section where the first of them would be, biggest saving first (as in the digest)."""
    sections = []
    for kind in FindingKind:
        if kind in HOSTING_KINDS:
            if kind is next(iter(HOSTING_KINDS)):
                hosting = [f for f in findings if f.kind in HOSTING_KINDS]
                sections.append((HOSTING_TITLE, sorted(hosting, key=lambda f: -(f.est_monthly_savings_usd or 0.0))))
            continue
        sections.append((KIND_TITLES[kind], [f for f in findings if f.kind == kind]))
    return sections


def print_scan(
    result: ScanResult,
    *,
    owner_tag_keys: Sequence[str] = ("owner", "team"),
    console: Console | None = None,
    title: str = "SageMaker waste",
) -> None:
    console = console or Console(soft_wrap=False)
    totals = result.totals
    header = Text(title, style="bold")
    header.append(f" — {plural(totals.findings, 'finding')}, est. ")
    header.append(usd(totals.est_monthly_savings_usd), style="bold")
    header.append(
        f" recurring to save ({scope_text(result.accounts, result.regions)};"
        f" {result.generated_at:%Y-%m-%d %H:%M} UTC)"
    )
    console.print(header)
    for clause in headline_notes(totals):
        console.print(f"Not in the monthly total: {clause}.", markup=False)
    sources = price_sources_text(result.findings)
    if sources:
        console.print(sources.capitalize(), markup=False)
    for section_title, items in _sections(result.findings):
        if not items:
            continue
        priced = [
            f.est_monthly_savings_usd for f in items
            if not f.protected and f.in_monthly_total and f.est_monthly_savings_usd is not None
        ]
        subtotal = f", {usd(sum(priced))}" if priced else ""
        console.print()
        console.print(Text(f"{section_title} ({len(items)}{subtotal})", style="bold"))
        console.print(_kind_grid(items, owner_tag_keys))
    if not result.findings:
        console.print("Nothing to flag in what could be read." if result.errors else "Nothing to flag.")
    unjudged = not_assessed_text(totals)
    if unjudged:
        console.print()
        console.print(f"Hosting advice: {unjudged}.", markup=False)
    if result.errors:
        console.print()
        console.print(
            Text(
                f"{len(result.errors)} {'part' if len(result.errors) == 1 else 'parts'} could not be"
                " read (not shown as clean):",
                style="bold red",
            )
        )
        for e in result.errors:
            console.print(f"  {e.account_id} {e.region}: {e.operation}: {e.message}", markup=False)
