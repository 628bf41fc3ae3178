"""Reading the numbers Slack sends back in button values.

A button value comes back from the client: anyone can send a signed payload with a value of
their own. A row id must fit SQLite's signed 64-bit INTEGER, or the driver raises OverflowError
deep in a query (after the ack: the clicker would get no answer at all).
"""

from __future__ import annotations

SQLITE_MAX_INTEGER = 2**63 - 1


def row_id(value: str) -> int | None:
    """The positive row id a button value names, or None for anything else."""
    if not value.isascii() or not value.isdigit() or len(value) > len(str(SQLITE_MAX_INTEGER)):
        return None
    number = int(value)
    return number if 0 < number <= SQLITE_MAX_INTEGER else None
