"""From a finding to its owner, and from an owner tag value to a Slack user or channel (pure).

The owner is the first of `SMBOT_OWNER_TAG_KEYS` the resource carries. Studio apps and spaces
carry no tags of their own that people set: they take the owner of their user profile (the
profile's tags when the scan recorded them, else the profile's name, which is usually the
person). A value is resolved in this order:
1. `SMBOT_OWNER_MAP` (a TOML or JSON file: tag value → Slack user or channel id), so a team name
   or a legacy user name can point anywhere;
2. a Slack user id (`U…`/`W…`) is used as is;
3. an e-mail address is looked up with `users.lookupByEmail` (the caller's `lookup_email`).
Anything else is unmapped: listed once in the weekly report, never guessed.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bot.models import Finding, ResourceType

SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
STUDIO_TYPES = (ResourceType.STUDIO_APP, ResourceType.STUDIO_SPACE)


class OwnerMapError(ValueError):
    """The owner map file is unreadable or maps to something that is not a Slack id."""


def load_owner_map(path: Path | None) -> dict[str, str]:
    """`{"team-vision": "C0123ABCD", "bob": "U0456EFGH"}` from a .json file, or the same pairs
    as top-level keys of a .toml file. One line naming the file and the bad entry on error."""
    if path is None:
        return {}
    try:
        text = Path(path).read_text()
        data = json.loads(text) if Path(path).suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise OwnerMapError(f"SMBOT_OWNER_MAP: cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise OwnerMapError(f"SMBOT_OWNER_MAP: {path} must map tag values to Slack ids")
    bad = [k for k, v in data.items() if not (isinstance(v, str) and (SLACK_USER.match(v) or SLACK_CHANNEL.match(v)))]
    if bad:
        raise OwnerMapError(
            f"SMBOT_OWNER_MAP: {path}: {', '.join(map(str, bad[:5]))} must map to a Slack user"
            " or channel id (U…, W…, C…, G…)"
        )
    return {str(k): v for k, v in data.items()}


def owner_value(finding: Finding, tag_keys: Sequence[str]) -> str | None:
    """The resource's owner tag, else (Studio) its user profile's owner tag or name."""
    tagged = finding.owner(tuple(tag_keys))
    if tagged or finding.resource_type not in STUDIO_TYPES:
        return tagged
    evidence = finding.evidence
    profile_tags = evidence.get("user_profile_tags") or {}
    for key in tag_keys:
        if profile_tags.get(key):
            return str(profile_tags[key])
    profile = evidence.get("user_profile") or evidence.get("space_owner")
    return str(profile) if profile else None


def resolve(
    value: str, owner_map: Mapping[str, str], lookup_email: Callable[[str], str | None]
) -> str | None:
    """A Slack user or channel id for an owner tag value, or None (unmapped)."""
    value = value.strip()
    if value in owner_map:
        return owner_map[value]
    if SLACK_USER.match(value):
        return value
    if EMAIL.match(value):
        return lookup_email(value)
    return None
