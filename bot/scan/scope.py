"""What a stored scan was made *of*: the key that decides whether it may be reused.

A scan answers one question — these accounts, these regions, these kinds, with these thresholds,
as this identity. Reusing it for another question (the regions changed, the idle threshold went
from 24 to 1000 hours, credentials appeared) shows findings that are simply wrong, so the cache
matches on this key, not on age alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from bot.config import Settings
from bot.models import FindingKind

# Settings that cannot change what a scan finds (how to reach Slack, who approves, where the
# database lives, how patient botocore is). Everything else counts, including settings added
# later: a new threshold makes the cache stricter by default, never wrongly lenient.
NOT_SCOPE_PREFIXES = (
    "slack_", "digest_", "report_", "approver", "required_approvals", "allow_self_approval", "request_ttl_",
    "dry_run", "schedules_", "timezone", "cache_", "db_path", "scan_max_workers", "aws_",
    "owner_dm", "owner_map", "log_level", "action_role", "act_with_scan_identity",
)


def scan_scope_key(
    settings: Settings,
    regions: Iterable[str] | None,
    kinds: Iterable[FindingKind] | None,
    identity: str = "",
) -> str:
    """A short digest of everything that shapes a scan's findings."""
    scope = {
        name: value
        for name, value in settings.model_dump(mode="json").items()
        if not name.startswith(NOT_SCOPE_PREFIXES)
    }
    scope["regions"] = sorted(regions or settings.regions)
    scope["kinds"] = sorted(str(k) for k in kinds) if kinds else "all"
    scope["identity"] = identity
    text = json.dumps(scope, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
