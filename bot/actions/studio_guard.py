"""The Delete guard's re-read of a Studio app's use: user-activity evidence only.

A Delete approved hours after it was requested must not delete an app someone went back to: its
running kernels and unsaved work would be lost. Health checks move `LastUserActivityTimestamp`
without any user (DescribeApp documents it), so comparing that field would refuse nearly every
approved delete of a truly idle app; the guard reads what a person leaves behind instead:

- a `LastUserActivityTimestamp` after the request that no health check explains;
- a CloudTrail `CreatePresignedDomainUrl` (someone opening Studio) by the app's user profile, or
  by the owner of its private space, after the request — the scan's own reader and rule.

A signal that cannot be read shows no use (as in the scan and the notebook Stop guard) and does
not block the delete; DescribeApp itself was read by `observe`, so a failure there already stopped it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.scan.scanners.idle_notebooks import get_cloudtrail_last_events, iso
from bot.scan.scanners.idle_studio_apps import STUDIO_OPEN_EVENT, owner_keys, studio_open_keys
from bot.scan.studio_activity import user_activity


def space_owner(sagemaker: Any, app: dict[str, Any]) -> dict[str, str]:
    """{space key: owner user profile} for a private space's app (DescribeSpace), else {}."""
    if not app.get("SpaceName"):
        return {}
    try:
        space = sagemaker.describe_space(DomainId=app["DomainId"], SpaceName=app["SpaceName"])
    except Exception:
        return {}  # unreadable: the space's own events still count
    owner = space.get("OwnershipSettings", {}).get("OwnerUserProfileName")
    return {f"space:{app['DomainId']}/{app['SpaceName']}": owner} if owner else {}


def used_since(
    clients: Callable[[str], Any], app: dict[str, Any], since: datetime, now: datetime
) -> str | None:
    """Why the app counts as used after `since` ('Studio opened by its owner at …'), or None.
    `app` is the DescribeApp answer read just before acting."""
    activity = user_activity(app)
    if activity is not None and activity > since:
        return f"user activity at {iso(activity)}"
    keys = owner_keys(app, space_owner(clients("sagemaker"), app))
    try:
        last = get_cloudtrail_last_events(
            clients("cloudtrail"), STUDIO_OPEN_EVENT, since, now, studio_open_keys, keys
        )
    except Exception:
        return None
    later = [moment for moment in last.values() if moment > since]
    return f"Studio opened by its owner at {iso(max(later))}" if later else None
