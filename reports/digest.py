"""The daily digest as Slack messages: the main post, thread replies for the overflow.

Pure: a scan in, messages out. Built with `slack_sdk.models.blocks` (which enforces most of
Slack's limits) and checked by `limit_violations` for those it does not: ≤ 50 blocks per
message, section fields ≤ 2000 chars, plain-text objects ≤ 3000 chars.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.models import Finding, FindingKind, ScanResult, totals_of
from bot.schedules.snoozes import hidden_totals
from reports.answers import errors_line
from reports.findings import (
    FIELD_MAX,
    MAX_BLOCKS,
    PLAIN_TEXT_MAX,
    amounts_field,
    escape,
    item_blocks,
    kind_heading,
    money,
    note,
    pack,
    sort_findings,
    truncate,
)
from reports.headline import headline_notes, price_sources_text, regions_text
from reports.hosting_section import HOSTING, hosting_heading, section_of
from reports.not_assessed import not_assessed_text
from reports.plurals import plural

MAX_THREAD_REPLIES = 5  # beyond these (~120 items), the CSV carries the rest: no reply flood
THREAD_ITEMS_PER_REPLY = 24


@dataclass
class DigestMessage:
    text: str
    blocks: list[Block]
    findings: list[Finding] = field(default_factory=list)  # items shown (with their buttons)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": [b.to_dict() for b in self.blocks]}


@dataclass
class Digest:
    main: DigestMessage
    thread: list[DigestMessage]
    csv_only: list[Finding]  # in no message: the attached CSV lists them
    findings: list[Finding]  # everything the digest covers, in digest order

    @property
    def needs_csv(self) -> bool:
        return bool(self.thread or self.csv_only)

    @property
    def is_empty(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.main.to_dict(),
            "thread": [m.to_dict() for m in self.thread],
            "csv_only": len(self.csv_only),
        }


def change_text(current_usd: float, previous_usd: float | None) -> str:
    if previous_usd is None:
        return "first digest"
    delta = round(current_usd - previous_usd, 2)
    if abs(delta) < 0.01:
        return "no change since the last digest"
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {money(abs(delta))} since the last digest"


def _digest_order(findings: Iterable[Finding]) -> list[Finding]:
    """Actionable before protected (those cannot be acted on here), then biggest $ first."""
    ordered = sort_findings(list(findings))
    return [f for f in ordered if not f.protected] + [f for f in ordered if f.protected]


def _grouped(findings: Sequence[Finding], kind_order: list[FindingKind]) -> list[Finding]:
    """By section (the hosting kinds share one), sections in `kind_order`'s order of their first
    kind; stable, so each section keeps the biggest saving first."""
    rank: dict[str, int] = {}
    for kind in kind_order:
        rank.setdefault(section_of(kind), len(rank))
    return sorted(findings, key=lambda f: rank.get(section_of(f.kind), len(rank)))


def _section(finding: Finding) -> str:
    return section_of(finding.kind)


def _items_with_headings(findings: Sequence[Finding], all_findings: Sequence[Finding], owner_tag_keys: Sequence[str], mentions: Mapping[str, str] | None = None) -> list[Block]:
    blocks: list[Block] = []
    current: str | None = None
    for finding in findings:
        if section_of(finding.kind) != current:
            current = section_of(finding.kind)
            if current == HOSTING:
                blocks.append(hosting_heading(all_findings))
            else:
                same = [f for f in all_findings if f.kind == finding.kind]
                total = totals_of(same)
                blocks.append(kind_heading(finding.kind, total.est_monthly_savings_usd, len(same), total.unpriced_findings))
        blocks.extend(item_blocks(finding, owner_tag_keys, mentions))
    return blocks


def _by_owner(findings: Sequence[Finding], owner_tag_keys: Sequence[str]) -> dict[str, float]:
    amounts: dict[str, float] = {}
    for f in findings:
        if f.protected or f.est_monthly_savings_usd is None:
            continue
        owner = f.owner(owner_tag_keys) or "no owner tag"
        amounts[owner] = amounts.get(owner, 0.0) + f.est_monthly_savings_usd
    return amounts



def build_digest(
    scan: ScanResult,
    *,
    previous_savings_usd: float | None,
    owner_tag_keys: Sequence[str] = ("owner", "team"),
    max_items: int = 20,
    timezone: tzinfo | None = None,
    snoozed: Sequence[Finding] = (),
    owner_mentions: Mapping[str, str] | None = None,
) -> Digest:
    """`scan.findings` are what to show (snoozed ones already removed and passed as `snoozed`)."""
    findings = _digest_order(scan.findings)
    totals = totals_of(findings)
    kind_totals = totals.by_kind
    kind_order = sorted({f.kind for f in findings}, key=lambda k: -kind_totals.get(k, 0.0))
    section_totals: Counter[str] = Counter()
    for kind, usd in kind_totals.items():
        section_totals[section_of(FindingKind(kind))] += usd
    kind_order.sort(key=lambda k: -section_totals.get(section_of(k), 0.0))  # a section by its total
    scanned = scan.generated_at.astimezone(timezone) if timezone else scan.generated_at
    scanned_text = f"Scanned {scanned:%a %d %b %H:%M %Z}, {plural(len(scan.accounts), 'account') if scan.accounts else 'this account'} × {plural(len(scan.regions), 'region')}"

    if not findings:
        title = "SageMaker waste: nothing to flag"
        headline = "No idle notebooks, unused endpoints or Spot candidates found."
        if scan.errors:
            headline = "Nothing found in what could be read — but some places could not be read (below)."
    else:
        change = change_text(totals.est_monthly_savings_usd, previous_savings_usd)
        title = f"SageMaker waste: {money(totals.est_monthly_savings_usd)} recurring ({change})"
        was = f" (was {money(previous_savings_usd)})" if previous_savings_usd is not None else ""
        headline = (
            f"*{totals.findings} finding{'s' if totals.findings != 1 else ''}*, about "
            f"*{money(totals.est_monthly_savings_usd)}* to save · {change}{was}"
        )
        for clause in headline_notes(totals):
            headline += f" · {escape(clause)}"
        protected = sum(1 for f in findings if f.protected)
        if protected:
            headline += f" · {protected} protected (no actions offered)"

    top: list[Block] = [HeaderBlock(text=truncate(title, 150)), SectionBlock(text=MarkdownTextObject(text=headline))]
    if findings:
        top.append(
            SectionBlock(
                fields=[
                    amounts_field("By account", totals.by_account, limit=5),
                    amounts_field("By region", totals.by_region, limit=5),
                    amounts_field("By owner", _by_owner(findings, owner_tag_keys), limit=5),
                ]
            )
        )
    errors = errors_line(scan.errors)
    if errors:
        top.append(note(errors))
    hidden = hidden_totals(snoozed).line
    if hidden:
        top.append(note(hidden))

    budget = MAX_BLOCKS - len(top) - 1  # the footer
    shown, rest = pack(findings, budget, max_items, heading_of=_section)
    shown = _grouped(shown, kind_order)
    thread: list[DigestMessage] = []
    while rest and len(thread) < MAX_THREAD_REPLIES:
        part, rest = pack(rest, MAX_BLOCKS - 1, THREAD_ITEMS_PER_REPLY, heading_of=_section)
        if not part:
            break
        part = _grouped(part, kind_order)
        first = len(shown) + sum(len(m.findings) for m in thread) + 1
        label = f"Continued: items {first}–{first + len(part) - 1} of {len(findings)}"
        thread.append(
            DigestMessage(
                text=label,
                blocks=[note(label), *_items_with_headings(part, findings, owner_tag_keys, owner_mentions)],
                findings=part,
            )
        )
    footer = scanned_text + f" · {regions_text(scan)}"
    sources = price_sources_text(findings)
    if sources:
        footer += f" · {escape(sources)}"
    unjudged = not_assessed_text(scan.totals)
    if unjudged:
        footer += f" · {escape(unjudged)}"
    if thread or rest:
        footer += f" · top {len(shown)} here, {len(findings) - len(shown)} more"
        footer += " in the thread" if not rest else f" ({len(rest)} only in the CSV)"
        footer += "; the full list is in the attached CSV"
    blocks = [*top, *_items_with_headings(shown, findings, owner_tag_keys, owner_mentions), note(footer)]
    text = title if not findings else f"{title}: {totals.findings} finding{'s' if totals.findings != 1 else ''}"
    return Digest(
        main=DigestMessage(text=text, blocks=blocks, findings=shown),
        thread=thread,
        csv_only=rest,
        findings=findings,
    )


def _text_objects(value: Any, path: str) -> Iterable[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        if value.get("type") in ("plain_text", "mrkdwn") and "text" in value:
            yield path, value
        for key, child in value.items():
            yield from _text_objects(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _text_objects(child, f"{path}[{index}]")


def limit_violations(blocks: Sequence[Block | dict[str, Any]]) -> list[str]:
    """Slack limits slack_sdk does not enforce; each problem as a sentence (empty = fine).

    Serialising also runs slack_sdk's own validation (SlackObjectFormationError on the rest).
    """
    dicts = [b.to_dict() if isinstance(b, Block) else b for b in blocks]
    problems = []
    if len(dicts) > MAX_BLOCKS:
        problems.append(f"{len(dicts)} blocks in one message (max {MAX_BLOCKS})")
    block_ids = [b["block_id"] for b in dicts if b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append("duplicate block_id in one message")
    for index, block in enumerate(dicts):
        for n, fld in enumerate(block.get("fields") or []):
            if len(fld.get("text", "")) > FIELD_MAX:
                problems.append(f"block {index} field {n}: {len(fld['text'])} chars (max {FIELD_MAX})")
        for path, obj in _text_objects(block, f"block {index}"):
            if len(obj["text"]) > PLAIN_TEXT_MAX:
                problems.append(f"{path}: {len(obj['text'])} chars (max {PLAIN_TEXT_MAX})")
    return problems
