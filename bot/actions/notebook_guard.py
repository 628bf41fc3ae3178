"""The Stop guard's re-read of a notebook's use: the same outside signals the scan judged by.

A Stop approved hours after it was requested must not stop a notebook someone opened meanwhile.
The status-change time (`LastModifiedTime`) is compared by `preflight` already; opening Jupyter
moves neither it nor any other field of DescribeNotebookInstance, so this reads the Jupyter log's
last event and CloudTrail's `CreatePresignedNotebookInstanceUrl` again, with the scan's own
readers. A signal that cannot be read shows no use (as in the scan) and does not block the stop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.scan.scanners.idle_notebooks import (
    JUPYTER_LOG,
    PRESIGNED_URL,
    get_jupyter_log_activity,
    get_presigned_url_activity,
    iso,
)


def used_since(
    clients: Callable[[str], Any], name: str, since: datetime, now: datetime
) -> str | None:
    """Why the notebook counts as used after `since` ('Jupyter log at …'), or None."""
    readings = {
        JUPYTER_LOG: get_jupyter_log_activity(clients("logs"), [name])[name],
        PRESIGNED_URL: get_presigned_url_activity(clients("cloudtrail"), [name], since, now)[name],
    }
    later = [
        (reading.last_activity, signal)
        for signal, reading in readings.items()
        if reading.last_activity is not None and reading.last_activity > since
    ]
    if not later:
        return None
    moment, signal = max(later)
    return f"{signal} at {iso(moment)}"
