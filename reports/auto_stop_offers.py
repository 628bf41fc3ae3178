"""The "no auto-stop yet" section of /sm-idle answers: InService notebooks with the two auto-stop
buttons (their value is the notebook's resource key, as on digest items). Pure."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from reports.findings import BUTTON_TEXT, BUTTON_VALUE_MAX, confirm_restart, escape, note, truncate
from reports.ids import ActionId

BLOCKS_PER_OFFER = 2


def offer_blocks(
    offers: Sequence[object], unreadable: Sequence[str], budget_blocks: int
) -> list[Block]:
    """A heading, then a section and the buttons per notebook while they fit `budget_blocks`.
    `offers` carry key, name, account_id, region, instance_type, lifecycle_config."""
    if not offers and not unreadable:
        return []
    fits = max((budget_blocks - 2) // BLOCKS_PER_OFFER, 0)  # heading, and a note when cut short
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(
        text=f"*InService notebooks without auto-stop* — {len(offers)}"
    ))]
    for offer in list(offers)[:fits]:
        config = offer.lifecycle_config
        kept = f" · keeps its config {escape(config)}" if config else ""
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(
            f"*{escape(offer.name)}* · {offer.account_id} / {offer.region} ·"
            f" {escape(offer.instance_type or 'notebook')}{kept}", 3000,
        ))))
        blocks.append(ActionsBlock(elements=[
            ButtonElement(text=BUTTON_TEXT[ActionId.AUTO_STOP], action_id=ActionId.AUTO_STOP.value,
                          value=offer.key[:BUTTON_VALUE_MAX]),
            ButtonElement(text=BUTTON_TEXT[ActionId.AUTO_STOP_RESTART],
                          action_id=ActionId.AUTO_STOP_RESTART.value,
                          value=offer.key[:BUTTON_VALUE_MAX], style="danger",
                          confirm=confirm_restart(offer.name, "given the auto-stop lifecycle configuration")),
        ]))
    lines = []
    if len(offers) > fits:
        lines.append(f"{len(offers) - fits} more not shown: narrow with a filter")
    lines += [f"could not list notebooks in {escape(u)}" for u in unreadable]
    if lines:
        blocks.append(note(" · ".join(lines)))
    return blocks
