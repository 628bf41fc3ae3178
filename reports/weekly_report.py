"""The weekly report in words: Block Kit for the channel, plain text for fallbacks and
`/sm-savings`, and the JSON document of `sm-cost-bot report --format json` (pure).

Lines are built as plain text from the report's data and escaped once when they enter mrkdwn
(owner names come from tags); the bold titles are the only markup the renderer adds.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.report.models import WeeklyReport
from reports.findings import SECTION_TEXT_MAX, escape, note, truncate

SEPARATOR = " · "
WARNING = "⚠"


def usd(amount: float) -> str:
    return f"${amount:,.0f}" if abs(amount) >= 100 else f"${amount:,.2f}"


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def _amounts(amounts: dict[str, float], limit: int = 8) -> str:
    parts = [f"{name} {usd(value)}" for name, value in list(amounts.items())[:limit]]
    if len(amounts) > limit:
        parts.append(f"{len(amounts) - limit} more")
    return SEPARATOR.join(parts) or "none"


def spend_lines(report: WeeklyReport) -> list[str]:
    if report.spend is None:
        return [f"{WARNING} No spend figures: {report.spend_error or 'Cost Explorer gave none'}"]
    spend = report.spend
    lines = [f"Last {len(spend.weeks)} full weeks: {usd(spend.total_usd)}"]
    if spend.weeks:
        last = spend.weeks[-1]
        line = f"Week of {last.start:%b %d}: {usd(last.total_usd)}"
        if len(spend.weeks) > 1 and spend.weeks[-2].total_usd:
            change = last.total_usd / spend.weeks[-2].total_usd - 1
            line += f" ({'+' if change >= 0 else '−'}{abs(change) * 100:.0f}% on the week before)"
        lines.append(line)
    lines.append(f"By component: {_amounts(spend.by_component)}")
    lines.append(f"By region: {_amounts(spend.by_region)}")
    if spend.unscanned_regions:
        lines.append(
            f"{WARNING} SageMaker spend in regions the bot does not scan: "
            f"{', '.join(spend.unscanned_regions)} (add them to SMBOT_REGIONS)"
        )
    waste = f"Open waste now: {usd(report.open_waste_monthly_usd)}/month"
    if report.waste_share is not None:
        waste += f", {percent(report.waste_share)} of the last 30 days' spend ({usd(spend.last_30_days_usd)})"
    lines.append(waste)
    return lines


def savings_headline(report: WeeklyReport) -> str:
    r = report.realised
    return f"Saved this week {usd(r.week_usd)}{SEPARATOR}this month {usd(r.month_usd)}{SEPARATOR}since install {usd(r.total_usd)}"


def savings_lines(report: WeeklyReport) -> list[str]:
    r = report.realised
    lines = [savings_headline(report)]
    if r.by_owner:
        lines.append(f"By owner: {_amounts(r.by_owner)}")
    notes = []
    if r.accruing:
        notes.append(f"{r.accruing} stopped or deleted resource{'s' if r.accruing != 1 else ''} still saving")
    if r.unpriced:
        notes.append(f"{r.unpriced} action{'s' if r.unpriced != 1 else ''} without a known price (counted as $0)")
    if notes:
        lines.append("; ".join(notes))
    return lines


def plans_lines(report: WeeklyReport) -> list[str]:
    if report.plans is None:
        return [f"{WARNING} No Savings Plans advice: {report.plans_error or 'Cost Explorer gave none'}"]
    lines = []
    existing = report.plans.existing
    if existing is not None:
        parts = []
        if existing.utilization_percentage is not None:
            parts.append(f"utilisation {existing.utilization_percentage:.0f}%")
        if existing.coverage_percentage is not None:
            parts.append(f"coverage {existing.coverage_percentage:.0f}%")
        if existing.net_savings_usd is not None:
            parts.append(f"net savings {usd(existing.net_savings_usd)}")
        lines.append("Your SageMaker Savings Plans, last 30 days: " + SEPARATOR.join(parts))
    for advice in report.plans.advice:
        if not advice.recommended:
            lines.append(f"{advice.term_words}, no upfront: no commitment recommended")
            continue
        line = f"{advice.term_words}, no upfront: commit {usd(advice.hourly_commitment_usd or 0)}/hour"
        if advice.est_monthly_savings_usd is not None:
            line += f" to save about {usd(advice.est_monthly_savings_usd)}/month"
        if advice.savings_percentage is not None:
            line += f" ({advice.savings_percentage:.0f}%)"
        lines.append(line)
    first = next((a for a in report.plans.advice if a.recommended), None)
    if first is not None and report.open_waste_monthly_usd > 0:
        lines.append(
            f"Remove waste first: AWS sized this on spend that includes today's open waste "
            f"({usd(report.open_waste_monthly_usd)}/month), about "
            f"{percent(first.waste_share_of_commitment or 0)} of the {first.term_words} commitment"
        )
    return lines


def footer(report: WeeklyReport) -> str:
    parts = [f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC"]
    parts.append(f"Cost Explorer requests: {report.ce_calls} (answers cached for the day)")
    if report.scan_errors:
        parts.append(f"{report.scan_errors} account-region reads failed: waste may be higher")
    if report.unmapped_owners:
        parts.append(f"owners without a Slack user: {', '.join(report.unmapped_owners)}")
    return SEPARATOR.join(parts)


SECTIONS = (
    ("SageMaker spend", spend_lines),
    ("Realised savings", savings_lines),
    ("Savings Plans", plans_lines),
)


def report_text(report: WeeklyReport) -> str:
    """Plain text of the whole report: the post's fallback, logs, `--format table` without rich."""
    out = []
    for title, lines in SECTIONS:
        out.append(title)
        out.extend(f"  {line}" for line in lines(report))
    out.append(footer(report))
    return "\n".join(out)


def headline(report: WeeklyReport) -> str:
    spend = f"{usd(report.spend.total_usd)} on SageMaker in {report.weeks} weeks" if report.spend else "SageMaker weekly report"
    return f"{spend}; {savings_headline(report).lower()}"


def _section(title: str, lines: list[str]) -> SectionBlock:
    body = "\n".join(escape(line) for line in lines)
    return SectionBlock(text=MarkdownTextObject(text=truncate(f"*{title}*\n{body}", SECTION_TEXT_MAX)))


def report_blocks(report: WeeklyReport) -> tuple[str, list[Block]]:
    """(text fallback, blocks) of the channel post; charts follow in its thread."""
    blocks: list[Block] = [HeaderBlock(text=truncate("SageMaker weekly report", 150))]
    for title, lines in SECTIONS:
        blocks.append(_section(title, lines(report)))
    blocks.append(note(escape(footer(report))))
    return headline(report), blocks


def summary_blocks(report: WeeklyReport) -> tuple[str, list[Block]]:
    """`/sm-savings`'s summary of the report: one section of headline figures."""
    lines = [savings_headline(report), *spend_lines(report)[:1], *spend_lines(report)[-1:]]
    first = next((a for a in (report.plans.advice if report.plans else []) if a.recommended), None)
    if first is not None:
        lines.append(plans_lines(report)[-1] if report.open_waste_monthly_usd > 0 else
                     f"Savings Plan ({first.term_words}): commit {usd(first.hourly_commitment_usd or 0)}/hour")
    return headline(report), [_section("This week's report", lines)]


def report_json(report: WeeklyReport) -> dict[str, Any]:
    return report.model_dump(mode="json")
