"""Personal digests (`SMBOT_OWNER_DM=true`): each owner gets their own items, with the same
buttons as the channel digest, in a direct message from the bot.

Posted after the channel digest, one message per owner at Slack's pace (the WebClient's
429 handler honours Retry-After); a failure for one owner is a problem line, never a stop.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.models import Finding, ScanResult
from bot.owners.directory import OwnerDirectory
from reports.answers import listing

logger = logging.getLogger(__name__)


def post_owner_digests(
    client: Any, scan: ScanResult, findings: list[Finding], directory: OwnerDirectory, max_items: int
) -> tuple[dict[str, str], list[str]]:
    """(owner id → ts of their message, problems). Protected items are left out (no buttons)."""
    posted: dict[str, str] = {}
    problems: list[str] = []
    for owner, items in directory.by_owner(f for f in findings if not f.protected).items():
        text, blocks = listing(
            "Your SageMaker waste", items, scan, owner_tag_keys=directory.tag_keys, max_items=max_items
        )
        try:
            answer = client.chat_postMessage(
                channel=owner, text=text, blocks=[b.to_dict() for b in blocks], unfurl_links=False
            )
            posted[owner] = answer["ts"]
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.error("owner digest to %s failed: %s", owner, error)
            problems.append(f"owner digest to {owner} failed: {error}")
    return posted, problems
