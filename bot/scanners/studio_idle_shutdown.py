"""PLACEHOLDER: replaced by the real scanner."""

from bot.models import FindingKind

KIND = FindingKind.STUDIO_IDLE_SHUTDOWN_OFF
PERMISSIONS: list[str] = []


def scan(ctx):
    raise NotImplementedError("scanner not written yet")
