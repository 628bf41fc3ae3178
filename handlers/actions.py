"""Button clicks on digest items and action requests (block_actions listeners)."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services


def register(app: App, services: Services) -> None:
    """Filled by the approvals/schedules features."""
