"""The digest's Hosting section: the five hosting kinds under one heading, biggest saving first.

Right-sizing, autoscaling, serverless, multi-model and Inferentia advice all answer one question
("this endpoint serves traffic; is it paying too much to do so?"), and a variant gets only one of
them: split into five headings they would read as five unrelated problems. Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.models import Finding, FindingKind, totals_of
from reports.findings import money

HOSTING = "hosting"
HOSTING_TITLE = "Hosting"
HOSTING_KINDS: dict[FindingKind, str] = {  # kind → how the heading counts it
    FindingKind.OVERPROVISIONED_ENDPOINT: "right-size",
    FindingKind.ENDPOINT_WITHOUT_AUTOSCALING: "autoscale",
    FindingKind.SERVERLESS_CANDIDATE: "serverless",
    FindingKind.MULTI_MODEL_CANDIDATE: "multi-model",
    FindingKind.INFERENTIA_CANDIDATE: "Inferentia",
}


def section_of(kind: FindingKind) -> str:
    """The digest section a kind is listed under: "hosting" for the hosting kinds, else itself."""
    return HOSTING if kind in HOSTING_KINDS else str(kind)


def hosting_heading(findings: Sequence[Finding]) -> SectionBlock:
    """'*Hosting* — 4 items, $1,234/month (right-size 2, serverless 1, Inferentia 1)'."""
    same = [f for f in findings if f.kind in HOSTING_KINDS]
    totals = totals_of(same)
    by_kind = Counter(HOSTING_KINDS[f.kind] for f in same)
    advice = ", ".join(f"{label} {by_kind[label]}" for label in HOSTING_KINDS.values() if by_kind[label])
    count = len(same)
    unpriced = f", {totals.unpriced_findings} unpriced" if totals.unpriced_findings else ""
    return SectionBlock(
        text=MarkdownTextObject(
            text=f"*{HOSTING_TITLE}* — {count} item{'s' if count != 1 else ''},"
            f" {money(totals.est_monthly_savings_usd)}{unpriced} ({advice})"
        )
    )
