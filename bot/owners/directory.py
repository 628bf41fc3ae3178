"""Owner tag values → Slack ids for one digest or report: `users.lookupByEmail` (scope
`users:read.email`), each address asked once per run, and the values nobody could resolve."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.models import Finding
from bot.owners.resolve import EMAIL, load_owner_map, owner_value, resolve

logger = logging.getLogger(__name__)


@dataclass
class OwnerDirectory:
    client: Any  # a slack_sdk WebClient, or None outside Slack (e-mails then stay unmapped)
    owner_map: dict[str, str]
    tag_keys: Sequence[str]
    _emails: dict[str, str | None] = field(default_factory=dict)
    unmapped: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _lookup_email(self, email: str) -> str | None:
        with self._lock:
            if email in self._emails:
                return self._emails[email]
        user_id = None
        if self.client is not None:
            try:
                user_id = self.client.users_lookupByEmail(email=email)["user"]["id"]
            except SlackApiError as exc:  # users_not_found, missing_scope…: the owner stays unmapped
                logger.info("owner %s not found in Slack: %s", email, exc.response.get("error"))
        with self._lock:
            self._emails[email] = user_id
        return user_id

    def slack_id(self, finding: Finding) -> str | None:
        value = owner_value(finding, self.tag_keys)
        if not value or (self.client is None and EMAIL.match(value)):
            return None  # without Slack an e-mail cannot be looked up: unknown, not unmapped
        found = resolve(value, self.owner_map, self._lookup_email)
        if found is None:
            with self._lock:
                self.unmapped.add(value)
        return found

    def by_owner(self, findings: Iterable[Finding]) -> dict[str, list[Finding]]:
        """Slack id → that owner's findings (unowned and unmapped ones left out)."""
        grouped: dict[str, list[Finding]] = {}
        for finding in findings:
            owner = self.slack_id(finding)
            if owner is not None:
                grouped.setdefault(owner, []).append(finding)
        return grouped

    def mentions(self, findings: Iterable[Finding]) -> dict[str, str]:
        """Finding key → Slack id, for the digest's owner mentions."""
        return {f.key: owner for f in findings if (owner := self.slack_id(f)) is not None}


def directory_for(settings: Any, client: Any) -> OwnerDirectory:
    """The owners of one run: SMBOT_OWNER_MAP, SMBOT_OWNER_TAG_KEYS, Slack's e-mail lookup."""
    return OwnerDirectory(client, load_owner_map(settings.owner_map), tuple(settings.owner_tag_keys))
