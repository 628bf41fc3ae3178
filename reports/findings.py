"""One finding as Slack blocks and as a text line: shared by the digest and the slash commands.

An item is a section (name, where, what, why, $/month, owner) followed by an actions block with
the buttons its kind allows. Buttons carry the finding's `key` as their value; destructive ones
ask for confirmation. Protected resources get no buttons at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.models import Finding, FindingKind, SavingsBasis
from reports.ids import ActionId
from reports.mrkdwn import escape

# What a person may do about each kind, in button order. Snooze is offered for every kind.
ACTIONS_BY_KIND: dict[FindingKind, tuple[ActionId, ...]] = {
    FindingKind.IDLE_NOTEBOOK: (
        ActionId.STOP, ActionId.SCHEDULE, ActionId.SNOOZE, ActionId.AUTO_STOP,
        ActionId.AUTO_STOP_RESTART,
    ),
    FindingKind.UNUSED_ENDPOINT: (ActionId.DELETE, ActionId.SCHEDULE, ActionId.SNOOZE),
    FindingKind.IDLE_STUDIO_APP: (ActionId.DELETE, ActionId.SNOOZE),
    FindingKind.STUDIO_IDLE_SHUTDOWN_OFF: (ActionId.ENABLE_IDLE_SHUTDOWN, ActionId.SNOOZE),
    FindingKind.SPOT_ELIGIBLE_TRAINING_JOB: (ActionId.SNOOZE,),
    FindingKind.OVERSIZED_NOTEBOOK: (ActionId.RESIZE, ActionId.SNOOZE),
    # used within the week: never offered Delete, only a schedule (FindingKind docs)
    FindingKind.INTERMITTENT_ENDPOINT: (ActionId.SCHEDULE, ActionId.SNOOZE),
    FindingKind.ORPHANED_ENDPOINT: (ActionId.DELETE, ActionId.SNOOZE),
    FindingKind.IDLE_ASYNC_ENDPOINT: (ActionId.SNOOZE,),  # the fix is autoscaling to 0, a setting
    FindingKind.STALE_STOPPED_NOTEBOOK: (ActionId.SNOOZE,),  # deleting loses its volume: no one-click
    # Resize shows when the advice names a type; Enable autoscaling for 2+ instances not yet
    # autoscaled (`offered`). Serverless, multi-model and Inferentia need a new deployment: their
    # items say what to do and link AWS's guide instead (`advice_line`).
    FindingKind.OVERPROVISIONED_ENDPOINT: (ActionId.RESIZE, ActionId.AUTOSCALE, ActionId.SNOOZE),
    FindingKind.ENDPOINT_WITHOUT_AUTOSCALING: (ActionId.AUTOSCALE, ActionId.SNOOZE),
    FindingKind.IDLE_CANVAS_APP: (ActionId.DELETE, ActionId.SNOOZE),  # Delete = log the user out
    FindingKind.IDLE_WARM_POOL: (ActionId.SNOOZE,),  # the fix is a setting on the job (its owner's)
}
ENDPOINT_KINDS_RESIZED = (FindingKind.OVERPROVISIONED_ENDPOINT,)

# What a confirm dialog must add for a kind, beyond "nothing happens until an approver approves".
CONFIRM_NOTES: dict[FindingKind, str] = {
    FindingKind.ORPHANED_ENDPOINT: "Its endpoint configuration was deleted: there is no Restore.",
    FindingKind.IDLE_STUDIO_APP: "Its running kernels and unsaved work are lost (the space and its"
    " saved files stay).",
    FindingKind.IDLE_CANVAS_APP: "It logs the user out of Canvas: their models and datasets are saved;"
    " a Quick build in progress is cancelled.",
}
# Said before asking to act on a finding whose evidence is too weak to count (SavingsBasis).
WEAK_EVIDENCE_WARNING = ":warning: Low confidence: it may be in use."

KIND_TITLES: dict[FindingKind, str] = {
    FindingKind.IDLE_NOTEBOOK: "Idle notebook instances",
    FindingKind.IDLE_STUDIO_APP: "Idle Studio apps",
    FindingKind.STUDIO_IDLE_SHUTDOWN_OFF: "Studio without idle shutdown",
    FindingKind.UNUSED_ENDPOINT: "Unused endpoints",
    FindingKind.SPOT_ELIGIBLE_TRAINING_JOB: "Training jobs that could use Spot",
    FindingKind.OVERPROVISIONED_ENDPOINT: "Overprovisioned endpoints",
    FindingKind.ENDPOINT_WITHOUT_AUTOSCALING: "Endpoints without autoscaling",
    FindingKind.SERVERLESS_CANDIDATE: "Serverless candidates",
    FindingKind.MULTI_MODEL_CANDIDATE: "Multi-model candidates",
    FindingKind.INFERENTIA_CANDIDATE: "Inferentia candidates",
    FindingKind.OVERSIZED_NOTEBOOK: "Oversized notebook instances",
    FindingKind.INTERMITTENT_ENDPOINT: "Endpoints idle most hours",
    FindingKind.ORPHANED_ENDPOINT: "Endpoints whose config was deleted",
    FindingKind.IDLE_ASYNC_ENDPOINT: "Idle asynchronous endpoints",
    FindingKind.STALE_STOPPED_NOTEBOOK: "Notebooks stopped for long",
    FindingKind.IDLE_CANVAS_APP: "Canvas sessions left open",
    FindingKind.IDLE_WARM_POOL: "Training warm pools nobody reuses",
}

DESTRUCTIVE = {ActionId.STOP, ActionId.DELETE}
# Slack's documented limits that slack_sdk's models do not all enforce (FACTS.md).
MAX_BLOCKS = 50
SECTION_TEXT_MAX = 3000
FIELD_MAX = 2000
PLAIN_TEXT_MAX = 3000
BUTTON_VALUE_MAX = 2000


def money(usd: float | None) -> str:
    """`$1,234/month`; a missing price says so (never `$0`, which would read as "free")."""
    if usd is None:
        return "price unknown"
    if usd >= 100:
        return f"${usd:,.0f}/month"
    return f"${usd:,.2f}/month"


def saving_text(finding: Finding) -> str:
    """The finding's figure as its basis says: monthly, once (a one-off run), or not counted."""
    text = money(finding.est_monthly_savings_usd)
    if finding.est_monthly_savings_usd is None or finding.savings_basis == SavingsBasis.MONTHLY:
        return text
    if finding.savings_basis == SavingsBasis.ONE_OFF:
        return text.replace("/month", " once (one-off run)")
    return f"{text} (weak evidence, not counted)"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def item_block_id(finding: Finding, part: str = "item") -> str:
    """Stable per finding (block_id ≤ 255 chars): a later chat.update can find the item's blocks."""
    digest = hashlib.sha1(f"{finding.kind}:{finding.key}".encode()).hexdigest()[:16]
    return f"{part}:{digest}"


def where(finding: Finding) -> str:
    what = finding.instance_type or finding.resource_type
    if finding.instance_type and finding.instance_count > 1:
        what = f"{finding.instance_count} × {finding.instance_type}"
    return f"{finding.account_id} / {finding.region} · {what}"


def why(finding: Finding) -> str:
    """The scanner's reason is already the evidence in words ("0 invocations in 48 h")."""
    return finding.reason or "flagged by the scan"


def item_text(finding: Finding, owner_tag_keys: Sequence[str] = ("owner", "team")) -> str:
    """The plain-text line (notification fallback, CSV-free listings)."""
    owner = finding.owner(owner_tag_keys)
    parts = [
        f"{finding.name} ({where(finding)})",
        why(finding),
        saving_text(finding),
    ]
    if owner:
        parts.append(f"owner {owner}")
    if finding.protected:
        parts.append("protected")
    return " — ".join(parts)


def owner_mention(slack_id: str) -> str:
    """`<@U…>` for a user, `<#C…>` for a channel: ids resolved by bot.owners (never raw tags)."""
    return f"<#{slack_id}>" if slack_id[:1] in "CG" else f"<@{slack_id}>"


def item_mrkdwn(
    finding: Finding, owner_tag_keys: Sequence[str] = ("owner", "team"), mention: str | None = None
) -> str:
    owner = finding.owner(owner_tag_keys)
    lines = [
        f"*{escape(finding.name)}* · *{saving_text(finding)}*",
        escape(where(finding)),
        escape(why(finding)),
    ]
    if advice_line(finding):
        lines.append(advice_line(finding))
    tail = []
    if mention:
        tail.append(f"owner: {owner_mention(mention)}")
    elif owner:
        tail.append(f"owner: {escape(owner)}")
    if finding.protected:
        tail.append(":lock: protected — no actions offered")
    if tail:
        lines.append(" · ".join(tail))
    return truncate("\n".join(lines), SECTION_TEXT_MAX)


def _confirm(action: ActionId, finding: Finding) -> ConfirmObject:
    verb = "Stop" if action == ActionId.STOP else "Delete"
    weak = finding.savings_basis == SavingsBasis.WEAK_EVIDENCE
    return ConfirmObject(
        title=f"{verb} {finding.resource_type}?"[:100],
        text=truncate(
            (f"{WEAK_EVIDENCE_WARNING} " if weak else "")
            + f"This asks for approval to {verb.lower()} *{escape(finding.name)}* in "
            f"{finding.account_id} / {finding.region}. Nothing happens until an approver approves."
            + (f" {CONFIRM_NOTES[finding.kind]}" if finding.kind in CONFIRM_NOTES else ""),
            300,
        ),
        confirm=verb,
        deny="Cancel",
        style="danger",
    )


BUTTON_TEXT: dict[ActionId, str] = {
    ActionId.STOP: "Stop",
    ActionId.DELETE: "Delete",
    ActionId.SCHEDULE: "Schedule",
    ActionId.SNOOZE: "Snooze",
    ActionId.AUTO_STOP: "Auto-stop at next stop",
    ActionId.AUTO_STOP_RESTART: "Auto-stop + restart now",
    ActionId.ENABLE_IDLE_SHUTDOWN: "Enable idle shutdown",
    ActionId.RESIZE: "Resize",
    ActionId.AUTOSCALE: "Enable autoscaling",
}


def confirm_restart(name: str, change: str) -> ConfirmObject:
    """Buttons whose approved action stops and restarts a notebook say so before asking."""
    return ConfirmObject(
        title="Restart the notebook?",
        text=truncate(
            f"Once approved, *{escape(name)}* is stopped, {escape(change)} and started"
            " again: unsaved work and running kernels are lost.", 300,
        ),
        confirm="Ask for approval", deny="Cancel", style="danger",
    )


def _confirm_resize_endpoint(finding: Finding) -> ConfirmObject:
    evidence = finding.evidence
    target = f"{evidence.get('advised_count', '?')} × {evidence.get('advised_type', '?')}"
    return ConfirmObject(
        title="Resize the endpoint?",
        text=truncate(
            f"Once approved, *{escape(finding.name)}* gets a copy of its endpoint config with"
            f" variant {escape(str(evidence.get('variant', '?')))} on {escape(target)} and switches"
            " to it (SageMaker keeps serving during the update). The old config is kept: Undo"
            " switches back.", 300,
        ),
        confirm="Ask for approval", deny="Cancel",
    )


def _confirm_restart(finding: Finding) -> ConfirmObject:
    if finding.kind in ENDPOINT_KINDS_RESIZED:
        return _confirm_resize_endpoint(finding)
    change = "given the auto-stop lifecycle configuration"
    if finding.kind == FindingKind.OVERSIZED_NOTEBOOK:
        change = f"resized to {finding.evidence.get('suggested_instance_type', 'a smaller type')}"
    return confirm_restart(finding.name, change)


# Buttons that need a confirmation of their own (besides the destructive ones).
CONFIRMS = {ActionId.AUTO_STOP_RESTART: _confirm_restart, ActionId.RESIZE: _confirm_restart}


def offered(action: ActionId, finding: Finding) -> bool:
    """Hosting buttons only where they can work: Resize needs an advised type on a variant not
    autoscaled (AWS refuses that); autoscaling needs 2+ instances and no scalable target yet."""
    if finding.resource_type != "endpoint":
        return True
    evidence = finding.evidence
    if action == ActionId.RESIZE:
        return bool(evidence.get("advised_type")) and not evidence.get("autoscaling")
    if action == ActionId.AUTOSCALE:
        return finding.instance_count >= 2 and not evidence.get("autoscaling")
    return True


def advice_line(finding: Finding) -> str | None:
    """What to do about advice with no button, with AWS's guide (a URL the bot itself holds)."""
    docs, action = finding.evidence.get("docs"), finding.evidence.get("action")
    if not isinstance(docs, str) or not docs.startswith("https://docs.aws.amazon.com/"):
        return None
    what = escape(str(action)) if action else "see how"
    warning = finding.evidence.get("warning")
    return f"To do: {what} — <{docs}|AWS guide>" + (f" ({escape(str(warning))})" if warning else "")


def buttons(finding: Finding, *, on_request: bool = False) -> list[ButtonElement]:
    """The buttons this finding's kind allows; none for protected resources.

    A finding whose evidence is too weak to count (a Studio app seen only through health checks)
    gets no Stop/Delete in a message posted to a channel (the digest); a person who asked for it
    (`on_request`: a slash command) still gets one, whose confirm dialog warns first.
    """
    if finding.protected:
        return []
    weak = finding.savings_basis == SavingsBasis.WEAK_EVIDENCE
    result = []
    for action in ACTIONS_BY_KIND.get(finding.kind, (ActionId.SNOOZE,)):
        if not offered(action, finding):
            continue
        if weak and action in DESTRUCTIVE and not on_request:
            continue
        text = BUTTON_TEXT[action]
        if action == ActionId.SCHEDULE and finding.kind == FindingKind.UNUSED_ENDPOINT:
            text = "Delete at…"
        result.append(
            ButtonElement(
                text=text,
                action_id=action.value,
                value=finding.key[:BUTTON_VALUE_MAX],
                style="danger" if action in DESTRUCTIVE else None,
                confirm=_confirm(action, finding) if action in DESTRUCTIVE
                else CONFIRMS[action](finding) if action in CONFIRMS else None,
            )
        )
    return result


def item_blocks(
    finding: Finding, owner_tag_keys: Sequence[str] = ("owner", "team"),
    mentions: Mapping[str, str] | None = None, *, on_request: bool = False,
) -> list[Block]:
    """A section, plus an actions block when the finding has buttons (1 or 2 blocks).
    `mentions`: finding key → the owner's Slack id (SMBOT_OWNER_MAP, e-mail lookup);
    `on_request`: shown to the person who asked (slash command), see `buttons`."""
    mention = (mentions or {}).get(finding.key)
    blocks: list[Block] = [
        SectionBlock(
            block_id=item_block_id(finding),
            text=MarkdownTextObject(text=item_mrkdwn(finding, owner_tag_keys, mention)),
        )
    ]
    elements = buttons(finding, on_request=on_request)
    if elements:
        blocks.append(ActionsBlock(block_id=item_block_id(finding, "actions"), elements=elements))
    return blocks


def blocks_per_item(finding: Finding) -> int:
    return 2 if buttons(finding) else 1


def kind_heading(kind: FindingKind, total_usd: float, count: int, unpriced: int = 0) -> SectionBlock:
    title = KIND_TITLES.get(kind, str(kind))
    extra = f", {unpriced} unpriced" if unpriced else ""
    return SectionBlock(
        text=MarkdownTextObject(
            text=f"*{title}* — {count} item{'s' if count != 1 else ''}, {money(total_usd)}{extra}"
        )
    )


def amounts_field(title: str, amounts: dict[str, float], limit: int = 10) -> MarkdownTextObject:
    """A section field listing the biggest amounts first (by account, region, owner…)."""
    rows = sorted(amounts.items(), key=lambda kv: -kv[1])
    lines = [f"{escape(name)}: {money(usd)}" for name, usd in rows[:limit]]  # owners are tag values
    if len(rows) > limit:
        lines.append(f"and {len(rows) - limit} more")
    return MarkdownTextObject(text=truncate(f"*{title}*\n" + ("\n".join(lines) or "none"), FIELD_MAX))


def note(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 2000))])


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Biggest saving first; unpriced after priced; then by name for a stable order."""
    return sorted(
        findings,
        key=lambda f: (
            f.est_monthly_savings_usd is None,
            -(f.est_monthly_savings_usd or 0.0),
            f.name,
        ),
    )


def pack(
    findings: Sequence[Finding], budget_blocks: int, max_items: int, *,
    heading_of: Callable[[Finding], str] | None = None,
) -> tuple[list[Finding], list[Finding]]:
    """Take findings in order while they fit `budget_blocks` and `max_items`; return (shown, rest).

    With `heading_of` (the section an item is listed under), the first item of each section also
    pays for its heading block: several kinds under one heading (Hosting) pay for one.
    """
    shown: list[Finding] = []
    sections: set[str] = set()
    used = 0
    for index, finding in enumerate(findings):
        cost = blocks_per_item(finding)
        section = heading_of(finding) if heading_of is not None else None
        if section is not None and section not in sections:
            cost += 1
        if len(shown) >= max_items or used + cost > budget_blocks:
            return shown, list(findings[index:])
        shown.append(finding)
        if section is not None:
            sections.add(section)
        used += cost
    return shown, []
