"""Which Studio app timestamps are a person's doing: the rule the scan and the delete guard share.

DescribeApp documents that `LastUserActivityTimestamp` is also written by health checks, with the
health check's own time, when nobody used the app. Such a value says only that the app is alive:
whoever judges idleness (the scan) or re-checks it before deleting (the guard) must ignore it and
look at user-activity evidence instead (a distinct timestamp, CloudTrail Studio sign-ins).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# A health check writes its own time into LastUserActivityTimestamp; both are set by the same
# service call but not necessarily to the same millisecond: within a minute is "the same".
HEALTH_CHECK_TOLERANCE = timedelta(minutes=1)


def refreshed_by_health_check(activity: datetime, health: datetime | None) -> bool:
    return health is not None and abs(activity - health) <= HEALTH_CHECK_TOLERANCE


def user_activity(app: dict[str, Any]) -> datetime | None:
    """The app's last user activity, or None when there is none or a health check wrote it."""
    activity = app.get("LastUserActivityTimestamp")
    if activity is None or refreshed_by_health_check(activity, app.get("LastHealthCheckTimestamp")):
        return None
    return activity
