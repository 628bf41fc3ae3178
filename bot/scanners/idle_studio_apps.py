"""PLACEHOLDER: replaced by the real scanner."""

from bot.models import FindingKind

KIND = FindingKind.IDLE_STUDIO_APP
PERMISSIONS: list[str] = []


def scan(ctx):
    raise NotImplementedError("scanner not written yet")
