"""Slash-command answers (ephemeral): finding listings, savings totals, usage.

Pure: findings in, (text fallback, blocks) out, within Slack's 50-blocks-per-message limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.models import Finding, ScanError, ScanResult, totals_of
from bot.schedules.snoozes import hidden_totals
from reports.findings import (
    MAX_BLOCKS,
    amounts_field,
    item_blocks,
    money,
    note,
    pack,
    sort_findings,
    truncate,
)
from reports.headline import headline_notes
from reports.mrkdwn import escape

USAGE = """*sm-cost-bot* finds SageMaker waste. Answers are visible only to you.
`/sm-idle [filter]` idle notebook instances and Studio apps
`/sm-endpoints [filter]` unused endpoints, and endpoints that could cost less
`/sm-spot [filter]` training jobs that could run on Spot
`/sm-savings [filter]` estimated savings by kind, account and region
`/sm-approvals`, `/sm-audit`, `/sm-schedule`, `/sm-snoozed` requests, audit trail, schedules, snoozes
`/sm-help` this text
`filter` is one word: an account id (`123456789012`), a region (`us-east-1`) or part of a name."""


def usage_text(problem: str | None = None) -> str:
    """`problem` may quote what the user typed: it is escaped."""
    return f"{escape(problem)}\n\n{USAGE}" if problem else USAGE


def errors_line(errors: Sequence[ScanError], limit: int = 8) -> str | None:
    """`us-west-2: AccessDenied on ListEndpoints · …`: an unreadable region never looks clean."""
    if not errors:
        return None
    accounts = {e.account_id for e in errors}
    parts = []
    for e in errors[:limit]:
        place = e.region if len(accounts) == 1 else f"{e.account_id}/{e.region}"
        parts.append(escape(f"{place}: {e.code or 'error'} on {e.operation}"))
    if len(errors) > limit:
        parts.append(f"and {len(errors) - limit} more")
    return truncate(":warning: Could not read " + " · ".join(parts), 2000)


def _scanned_at(scan: ScanResult) -> str:
    return f"Scanned {scan.generated_at:%Y-%m-%d %H:%M} UTC"


def listing(
    title: str,
    findings: Sequence[Finding],
    scan: ScanResult,
    *,
    owner_tag_keys: Sequence[str],
    max_items: int,
    snoozed: Sequence[Finding] = (),
) -> tuple[str, list[Block]]:
    """The top findings as items; context lines say how many more, what is snoozed, what failed."""
    ordered = sort_findings(findings)
    total = totals_of(list(ordered)).est_monthly_savings_usd
    errors = errors_line(scan.errors)
    hidden = hidden_totals(snoozed).line
    reserved = 2 + (1 if errors else 0) + (1 if hidden else 0)  # heading, footer, notes
    shown, rest = pack(ordered, MAX_BLOCKS - reserved, max_items)
    if not ordered:
        headline = f"*{title}*: nothing to flag."
    else:
        headline = f"*{title}*: {len(ordered)} found, about {money(total)}."
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=headline))]
    for finding in shown:
        blocks.extend(item_blocks(finding, owner_tag_keys, on_request=True))
    if errors:
        blocks.append(note(errors))
    if hidden:
        blocks.append(note(hidden))
    footer = _scanned_at(scan)
    if rest:
        footer += f" · {len(rest)} more not shown: narrow with a filter, or see the digest's CSV"
    blocks.append(note(footer))
    text = headline.replace("*", "")
    return text, blocks



def savings(
    findings: Sequence[Finding], scan: ScanResult, scope: str = "", snoozed: Sequence[Finding] = ()
) -> tuple[str, list[Block]]:
    """Totals by kind, account and region (protected and unpriced items counted apart)."""
    totals = totals_of(list(findings))
    where = f" ({escape(scope)})" if scope else ""
    headline = (
        f"*Estimated savings{where}: {money(totals.est_monthly_savings_usd)}* "
        f"from {totals.findings} finding{'s' if totals.findings != 1 else ''}"
    )
    for clause in headline_notes(totals):
        headline += f"; {escape(clause)}"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=headline)),
        SectionBlock(
            fields=[
                amounts_field("By kind", totals.by_kind),
                amounts_field("By account", totals.by_account),
                amounts_field("By region", totals.by_region),
            ]
        ),
    ]
    errors = errors_line(scan.errors)
    if errors:
        blocks.append(note(errors))
    hidden = hidden_totals(snoozed).line
    if hidden:
        blocks.append(note(hidden))
    blocks.append(note(_scanned_at(scan)))
    return headline.replace("*", ""), blocks
