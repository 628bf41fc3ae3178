"""The one line that says which endpoints the hosting advice could not judge, and why (pure).

An endpoint with no utilisation metrics, or one changed inside the right-sizing window, gets no
hosting finding: without this line, silence would read as "sized right".
"""

from __future__ import annotations

from bot.models import Totals

MAX_REASONS = 3


def not_assessed_text(totals: Totals) -> str | None:
    """'3 endpoints not assessed (2 no utilisation metrics in 14 days, 1 serverless variant)'."""
    if not totals.not_assessed:
        return None
    reasons = [f"{count} {reason}" for reason, count in totals.not_assessed_reasons.items()]
    shown = ", ".join(reasons[:MAX_REASONS]) + (", …" if len(reasons) > MAX_REASONS else "")
    noun = "endpoint" if totals.not_assessed == 1 else "endpoints"
    return f"{totals.not_assessed} {noun} not assessed ({shown})"
