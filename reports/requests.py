"""Action requests as Slack messages: the request in the digest's thread, the mark on the digest
item, the pending list for /sm-approvals and the trail for /sm-audit. Pure: data in, blocks out,
each with its text fallback."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.actions.models import (
    ActionKind,
    ActionRequest,
    Approval,
    AuditEntry,
    RequestState,
    Vote,
)
from reports.findings import money, truncate
from reports.ids import ActionId
from reports.mrkdwn import escape, mention, mentions
from reports.plurals import plural

S = RequestState
MAX_BLOCKS = 50
SECTION_TEXT_MAX = 3000

STATE_EMOJI = {
    S.REQUESTED: ":hourglass_flowing_sand:",
    S.APPROVED: ":white_check_mark:",
    S.EXECUTING: ":gear:",
    S.SUCCEEDED: ":heavy_check_mark:",
    S.FAILED: ":x:",
    S.REJECTED: ":no_entry_sign:",
    S.EXPIRED: ":alarm_clock:",
}


def hosting_change(request: ActionRequest) -> str | None:
    """What an endpoint change will set, for approvers to see before they approve (plain text)."""
    p, action = request.params, request.action
    if action is ActionKind.ENABLE_AUTOSCALING:
        return (
            f"variant {p.get('variant')}: {p.get('min_capacity')}–{p.get('max_capacity')} instances,"
            f" target {p.get('target_invocations_per_instance')} invocations per instance per minute"
        )
    if action is ActionKind.RESIZE_ENDPOINT:
        return (
            f"variant {p.get('variant')} to {p.get('advised_count')} × {p.get('advised_type')}"
            f" (new config {p.get('to_config')}; {p.get('from_config')} is kept for Undo)"
        )
    if action is ActionKind.UNDO_RESIZE_ENDPOINT:
        return f"back to config {p.get('to_config')}"
    if action is ActionKind.REMOVE_AUTOSCALING:
        return f"variant {p.get('variant')}"
    return None


def what(request: ActionRequest) -> str:
    key = request.key
    change = hosting_change(request)
    return (
        f"{request.action.verb} *{escape(key.name)}* ({escape(key.account_id)} / {escape(key.region)})"
        + (f": {escape(change)}" if change else "")
    )


def status_line(request: ActionRequest, votes: Sequence[Approval], needed: int) -> str:
    """One line saying where the request stands (shared by the request and the digest item)."""
    approved = [v.user for v in votes if v.vote is Vote.APPROVE]
    rejected = [v.user for v in votes if v.vote is Vote.REJECT]
    state = request.state
    if state is S.REQUESTED:
        return f"waiting for approval ({len(approved)}/{needed})" + (
            f", approved so far by {mentions(approved)}" if approved else ""
        )
    if state is S.REJECTED:
        return f"rejected by {mentions(rejected) or 'the requester'}"
    if state is S.EXPIRED:
        return "expired before anyone approved it"
    head = f"approved by {mentions(approved)}" if approved else f"started by {escape(request.origin)}"
    if state is S.APPROVED:
        return f"{head}; about to run"
    if state is S.EXECUTING:
        return f"{head}; running now"
    reason = escape(request.reason or "")  # AWS error messages carry resource names
    return f"{head}; {'done' if state is S.SUCCEEDED else 'failed'}: {reason}".rstrip(": ")


def _dry(request: ActionRequest) -> str:
    return "DRY RUN — nothing will be changed on AWS. " if request.dry_run else ""


def request_text(request: ActionRequest, votes: Sequence[Approval], needed: int) -> str:
    key = request.key
    return (
        f"{_dry(request)}Request #{request.id}: {mention(request.requester)} asks to "
        f"{request.action.verb} {escape(key.name)} ({escape(key.account_id)} / {escape(key.region)}) — "
        f"{status_line(request, votes, needed)}"
    )


def _confirm(request: ActionRequest) -> ConfirmObject:
    return ConfirmObject(
        title="Approve this action?",
        text=truncate(f"Approving will {what(request)} on AWS.", 300),
        confirm="Approve",
        deny="Cancel",
        style="danger",
    )


def request_blocks(
    request: ActionRequest, votes: Sequence[Approval], needed: int
) -> list[Block]:
    """The request message: who asked what, the cost, where it stands, and its buttons."""
    cost = money(request.est_monthly_cost_usd) if request.est_monthly_cost_usd is not None else None
    lines = [
        f"{STATE_EMOJI[request.state]} *Request #{request.id}* — {mention(request.requester)} asks to "
        f"{what(request)}",
    ]
    if cost:
        lines.append(f"Current cost: *{cost}*")
    lines.append(f"Status: {status_line(request, votes, needed)}")
    if request.aws_request_id:
        lines.append(f"AWS request id: `{request.aws_request_id}`")
    blocks: list[Block] = []
    if request.dry_run:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=":test_tube: *DRY RUN* (SMBOT_DRY_RUN): every step runs except the AWS change."
        )]))
    blocks.append(SectionBlock(
        block_id=f"request:{request.id}",
        text=MarkdownTextObject(text=truncate("\n".join(lines), SECTION_TEXT_MAX)),
    ))
    value = str(request.id)
    if request.state is S.REQUESTED:
        blocks.append(ActionsBlock(block_id=f"request-actions:{request.id}", elements=[
            ButtonElement(
                text="Approve", action_id=ActionId.APPROVE.value, value=value,
                style="danger" if request.action.destructive else "primary",
                confirm=_confirm(request) if request.action.destructive else None,
            ),
            ButtonElement(text="Reject", action_id=ActionId.REJECT.value, value=value),
        ]))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=f"Expires {request.expires_at:%Y-%m-%d %H:%M} UTC · needs {needed} approval"
            f"{'s' if needed != 1 else ''}"
        )]))
    elif offers_undo(request):
        blocks.append(_follow_up(
            request, ActionId.UNDO, "Undo", "Undo this change?",
            f"This asks for approval to put back what request #{request.id} replaced"
            f" on *{escape(request.key.name)}*.",
        ))
    elif offers_restore(request):
        blocks.append(_follow_up(
            request, ActionId.RESTORE, "Restore", "Restore this endpoint?",
            f"This asks for approval to recreate *{escape(request.key.name)}* from "
            "its saved configuration (it bills again once InService).",
        ))
    return blocks


def _follow_up(request: ActionRequest, action: ActionId, text: str, title: str, body: str) -> ActionsBlock:
    """The one button a done request's message offers (Undo, Restore): it opens a new request."""
    return ActionsBlock(block_id=f"request-actions:{request.id}", elements=[
        ButtonElement(
            text=text, action_id=action.value, value=str(request.id),
            confirm=ConfirmObject(
                title=title, text=truncate(body, 300), confirm="Ask for approval", deny="Cancel",
            ),
        )
    ])


def offers_undo(request: ActionRequest) -> bool:
    """A succeeded lasting fix (auto-stop, idle shutdown, resize) can be put back."""
    return request.action.undo is not None and request.state is S.SUCCEEDED and not request.dry_run


def offers_restore(request: ActionRequest) -> bool:
    """A deleted endpoint can be recreated, unless it was deleted as orphaned (its endpoint
    configuration was gone already: nothing was saved to restore from)."""
    return (
        request.action is ActionKind.DELETE_ENDPOINT
        and request.state is S.SUCCEEDED
        and not request.dry_run
        and request.params.get("restorable", True) is not False
    )


def item_mark(request: ActionRequest, votes: Sequence[Approval], needed: int) -> str:
    """What replaces a digest item's buttons once someone asked for an action on it."""
    dry = "DRY RUN · " if request.dry_run else ""
    return truncate(
        f"{STATE_EMOJI[request.state]} {dry}{request.action.verb} requested by "
        f"{mention(request.requester)} (request #{request.id}): {status_line(request, votes, needed)}",
        2000,
    )


def mark_item(
    blocks: list[dict[str, Any]], resource_key: str, block_id: str | None, text: str
) -> tuple[list[dict[str, Any]], str | None]:
    """Replace the item's buttons (found by a button carrying `resource_key`, or by the block id of
    an earlier mark) with a context line. Returns the new blocks and the mark's block id (None when
    the item is not in these blocks)."""
    out = []
    found: str | None = None
    for index, block in enumerate(blocks):
        carries_key = block.get("type") == "actions" and any(
            e.get("value") == resource_key for e in block.get("elements", [])
        )
        if found is None and (carries_key or (block_id and block.get("block_id") == block_id)):
            found = block.get("block_id") or block_id or f"mark:{index}"
            mark = ContextBlock(block_id=found, elements=[MarkdownTextObject(text=text)])
            out.append(mark.to_dict())
        else:
            out.append(block)
    return out, found


def pending_blocks(
    requests: Sequence[ActionRequest],
    needed: int,
    votes_by_request: dict[int, list[Approval]] | None = None,
) -> tuple[str, list[Block]]:
    """/sm-approvals: requests the caller may approve, each with its buttons and votes so far."""
    votes_by_request = votes_by_request or {}
    if not requests:
        return "Nothing is waiting for your approval.", [SectionBlock(
            text=MarkdownTextObject(text="Nothing is waiting for your approval. :tada:")
        )]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(
        text=f"*{len(requests)} request{'s' if len(requests) != 1 else ''} waiting for your approval*"
    ))]
    shown = 0
    for request in requests:
        item = request_blocks(request, votes_by_request.get(request.id, []), needed)
        if len(blocks) + len(item) > MAX_BLOCKS - 1:
            break
        blocks.extend(item)
        shown += 1
    if shown < len(requests):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=f"…and {len(requests) - shown} more."
        )]))
    text = f"{plural(len(requests), 'request')} waiting for your approval: " + ", ".join(
        f"#{r.id} {r.action.verb} {escape(r.key.name)}" for r in requests
    )
    return truncate(text, 3000), blocks


def audit_line(entry: AuditEntry) -> str:
    """One mrkdwn line; every field may come from a forged request (actor, key, outcome)."""
    move = f" {entry.from_state} → {entry.to_state}" if entry.from_state != entry.to_state else ""
    request = f" #{entry.request_id}" if entry.request_id else ""
    target = f" {entry.resource_key.rsplit(':', 1)[-1]}" if entry.resource_key else ""
    outcome = f" — {entry.outcome}" if entry.outcome else ""
    aws = f" (AWS {entry.aws_request_id})" if entry.aws_request_id else ""
    dry = " [dry run]" if entry.dry_run else ""
    rest = escape(f"{entry.event}{request}{target}{move}{outcome}{aws}{dry}")
    return f"{entry.at:%m-%d %H:%M} {mention(entry.actor)} {rest}"


def audit_blocks(entries: Sequence[AuditEntry], days: int, limit: int = 60) -> tuple[str, list[Block]]:
    """/sm-audit: the newest entries, in sections that respect Slack's 3000-character limit."""
    title = f"*Audit trail, last {days} day{'s' if days != 1 else ''}* — {plural(len(entries), 'entry', 'entries')}"
    if not entries:
        return f"No audited actions in the last {plural(days, 'day')}.", [
            SectionBlock(text=MarkdownTextObject(text=f"{title}\nNothing happened."))
        ]
    newest = list(entries)[-limit:]
    lines = [audit_line(e) for e in reversed(newest)]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=title))]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > SECTION_TEXT_MAX - 10:
            blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
            chunk = []
        chunk.append(truncate(line, 500))
    if chunk:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
    if len(entries) > limit:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=f"Showing the newest {limit}; `sm-cost-bot audit --days {days}` has them all."
        )]))
    return truncate(f"Audit trail, last {plural(days, 'day')}: {plural(len(entries), 'entry', 'entries')}", 3000), blocks[:MAX_BLOCKS]
