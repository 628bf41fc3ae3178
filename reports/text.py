"""Terminal rendering of a scan: the demo's digest and `sm-cost-bot scan --format table`.

Pure apart from writing to the rich Console it is given (stdout by default).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from bot.models import Finding, FindingKind, ScanResult

KIND_TITLES = {
    FindingKind.IDLE_NOTEBOOK: "Idle notebook instances",
    FindingKind.IDLE_STUDIO_APP: "Idle Studio apps",
    FindingKind.STUDIO_IDLE_SHUTDOWN_OFF: "Studio idle shutdown off or too long",
    FindingKind.UNUSED_ENDPOINT: "Endpoints with no invocations",
    FindingKind.SPOT_ELIGIBLE_TRAINING_JOB: "Training jobs that could use managed Spot",
}


def usd(amount: float | None) -> str:
    """'$1,234/mo'; None is 'price unknown', never $0."""
    if amount is None:
        return "price unknown"
    return f"${amount:,.0f}/mo" if amount >= 10 else f"${amount:,.2f}/mo"


def _kind_table(findings: Sequence[Finding], owner_tag_keys: Sequence[str]) -> Table:
    table = Table(show_edge=False, pad_edge=False, expand=False)
    table.add_column("resource", overflow="fold")
    table.add_column("account / region")
    table.add_column("type")
    table.add_column("why", overflow="fold", max_width=60)
    table.add_column("saving", justify="right")
    table.add_column("owner")
    for f in findings:
        name = f"{f.name} [protected]" if f.protected else f.name
        instance = f.instance_type or "-"
        if f.instance_type and f.instance_count > 1:
            instance = f"{f.instance_count} × {f.instance_type}"
        table.add_row(
            name,
            f"{f.account_id} / {f.region}",
            instance,
            f.reason,
            usd(f.est_monthly_savings_usd),
            f.owner(tuple(owner_tag_keys)) or "-",
        )
    return table


def print_scan(
    result: ScanResult,
    *,
    owner_tag_keys: Sequence[str] = ("owner", "team"),
    console: Console | None = None,
    title: str = "SageMaker waste",
) -> None:
    console = console or Console(soft_wrap=False)
    totals = result.totals
    console.print(
        f"[bold]{title}[/bold] — {totals.findings} findings, "
        f"est. [bold]{usd(totals.est_monthly_savings_usd)}[/bold] to save"
        f" (scanned {', '.join(result.regions)} at {result.generated_at:%Y-%m-%d %H:%M} UTC)"
    )
    if totals.unpriced_findings:
        console.print(f"{totals.unpriced_findings} findings have no price (not counted in the total).")
    for kind in FindingKind:
        items = [f for f in result.findings if f.kind == kind]
        if not items:
            continue
        subtotal = sum(f.est_monthly_savings_usd or 0.0 for f in items if not f.protected)
        console.print()
        console.print(f"[bold]{KIND_TITLES[kind]}[/bold] ({len(items)}, {usd(subtotal)})")
        console.print(_kind_table(items, owner_tag_keys))
    if not result.findings:
        console.print("Nothing to flag.")
    if result.errors:
        console.print()
        console.print(f"[bold red]{len(result.errors)} parts could not be read[/bold red] (not shown as clean):")
        for e in result.errors:
            console.print(f"  {e.account_id} {e.region}: {e.operation}: {e.message}", markup=False)
