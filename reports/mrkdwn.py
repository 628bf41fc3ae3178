"""The one escaping rule for mrkdwn, and the one way to mention a user.

Slack parses `<…>` in mrkdwn as markup: `<!channel>` notifies everyone, `<@U…>` mentions,
`<https://x|y>` shows "y" and links to x. Every string the bot did not write itself (tags, resource
names from button values, slash-command text, user ids claimed by unverified requests, AWS error
messages) goes through `escape` before it enters mrkdwn; Slack's documented rule is to replace
`&`, `<` and `>` with their entities, and nothing else. A mention is markup the bot writes, so
only an id shaped like Slack's becomes one.
"""

from __future__ import annotations

import re

SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")


def escape(text: str) -> str:
    """mrkdwn control characters in untrusted text must not become markup or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    """`<@U…>` for a well-formed Slack user id; anything else shown as escaped text."""
    return f"<@{user_id}>" if SLACK_USER.fullmatch(user_id) else escape(user_id)


def mentions(user_ids: list[str] | tuple[str, ...]) -> str:
    return ", ".join(mention(u) for u in user_ids)
