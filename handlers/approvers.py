"""Who may approve: SMBOT_APPROVERS plus the members of SMBOT_APPROVER_GROUP (a Slack user-group
id such as S0123ABC), read with usergroups.users.list and cached for a few minutes so that a
burst of clicks costs one Web API call."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services

logger = logging.getLogger(__name__)

GROUP_CACHE = timedelta(minutes=5)


class ApproverDirectory:
    def __init__(self, services: Services, cache_for: timedelta = GROUP_CACHE):
        self.services = services
        self.cache_for = cache_for
        self._lock = threading.Lock()
        self._members: frozenset[str] | None = None
        self._fetched_at: datetime | None = None

    def approvers(self, client: WebClient) -> frozenset[str]:
        settings = self.services.settings
        ids = set(settings.approvers)
        if settings.approver_group:
            ids |= self._group_members(client, settings.approver_group)
        return frozenset(ids)

    def _group_members(self, client: WebClient, group: str) -> frozenset[str]:
        now = self.services.clock()
        with self._lock:
            fresh = self._fetched_at is not None and now - self._fetched_at < self.cache_for
            if fresh and self._members is not None:
                return self._members
            try:
                users = client.usergroups_users_list(usergroup=group).get("users") or []
            except SlackApiError as exc:
                # Keep the last known members rather than locking every approver out.
                logger.warning("usergroups.users.list %s failed: %s", group, exc.response.get("error"))
                return self._members or frozenset()
            self._members, self._fetched_at = frozenset(users), now
            return self._members
