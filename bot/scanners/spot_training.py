"""PLACEHOLDER: replaced by the real scanner."""

from bot.models import FindingKind

KIND = FindingKind.SPOT_ELIGIBLE_TRAINING_JOB
PERMISSIONS: list[str] = []


def scan(ctx):
    raise NotImplementedError("scanner not written yet")
