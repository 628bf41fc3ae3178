"""PLACEHOLDER: replaced by the real scanner."""

from bot.models import FindingKind

KIND = FindingKind.IDLE_NOTEBOOK
PERMISSIONS: list[str] = []


def scan(ctx):
    raise NotImplementedError("scanner not written yet")
