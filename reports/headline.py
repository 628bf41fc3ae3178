"""The sentences around the headline figure that make it trustworthy (pure, plain text).

The monthly figure counts only recurring waste; what it leaves out is said next to it: findings
without a price (per region, with why and how to fix it), savings on one-off runs, findings on
weak evidence. The footer names the regions scanned and where each region's prices came from.
Callers escape these strings before they enter mrkdwn (a reason may quote an AWS error).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import Finding, ScanResult, Totals
from reports.findings import money
from reports.plurals import plural

MAX_REASONS = 3


def unpriced_text(totals: Totals) -> str | None:
    """'3 findings unpriced (eu-south-2: no price — grant pricing:GetProducts or …)'."""
    if not totals.unpriced_findings:
        return None
    reasons = [f"{region}: {reason}" for region, reason in sorted(totals.unpriced_reasons.items())]
    shown = "; ".join(reasons[:MAX_REASONS]) + ("; …" if len(reasons) > MAX_REASONS else "")
    return f"{plural(totals.unpriced_findings, 'finding')} unpriced" + (f" ({shown})" if shown else "")


def one_off_text(totals: Totals) -> str | None:
    if not totals.one_off_savings_usd:
        return None
    return f"one-off jobs: {money(totals.one_off_savings_usd).removesuffix('/month')} could have been saved (not monthly)"


def weak_evidence_text(totals: Totals) -> str | None:
    if not totals.weak_evidence_findings:
        return None
    return f"{plural(totals.weak_evidence_findings, 'finding')} on weak evidence (listed, not counted)"


def headline_notes(totals: Totals) -> list[str]:
    """What the monthly figure leaves out, each as one short clause."""
    return [t for t in (unpriced_text(totals), one_off_text(totals), weak_evidence_text(totals)) if t]


def price_sources_text(findings: Sequence[Finding]) -> str | None:
    """'prices: price-list-api 2026-11-30 (ap-northeast-2); bundled 2026-11-01 (us-east-1) · 12% customer discount'."""
    regions_by_source: dict[str, set[str]] = {}
    discount = None
    for f in findings:
        source = f.evidence.get("price_source")
        if source:
            regions_by_source.setdefault(str(source), set()).add(f.region)
        discount = f.evidence.get("price_discount", discount)
    if not regions_by_source:
        return None
    text = "prices: " + "; ".join(
        f"{source} ({', '.join(sorted(regions))})" for source, regions in sorted(regions_by_source.items())
    )
    return text + (f" · {float(discount):.0%} customer discount applied" if discount else "")


def regions_text(scan: ScanResult) -> str:
    return f"regions scanned: {', '.join(scan.regions) or 'none'}"
