"""Ends realised-savings periods when a stopped or deleted resource runs again.

The ledger learns it from actions (a start, a restore) and from scans that list the resource;
someone starting a notebook from the console and using it shows in neither, so before each
report the bot also reads every resource with an open period (one Describe call each: bounded
by the number of resources it stopped or deleted, not by the fleet).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.actions.executor import clients_for
from bot.actions.models import ResourceKey
from bot.aws import actions
from bot.aws.session import error_message
from bot.models import ResourceType, ScanResult
from bot.report.ledger import close_reappeared, open_accruals, record_running_again
from bot.services import Services

logger = logging.getLogger(__name__)

# States in which the resource bills again (a notebook starting, an endpoint being recreated).
RUNNING_STATES = {
    ResourceType.NOTEBOOK_INSTANCE: {"InService", "Pending", "Updating"},
    ResourceType.ENDPOINT: {"InService", "Creating", "Updating", "SystemUpdating", "RollingBack"},
    ResourceType.STUDIO_APP: {"InService", "Pending"},
}


def check_open_accruals(services: Services, now: datetime) -> list[str]:
    """Read each resource with an open period; close those running again. Returns their keys.
    A resource that cannot be read stays open (logged): the next report reads it again."""
    running = []
    for key_text in open_accruals(services.store):
        key = ResourceKey.parse(key_text)
        if key.resource_type not in RUNNING_STATES:
            continue
        try:
            observation = actions.observe(clients_for(services, key), key, {})
        except Exception as exc:
            logger.warning("savings ledger: could not read %s: %s", key_text, error_message(exc))
            continue
        if observation.state in RUNNING_STATES[key.resource_type]:
            running.append(key_text)
    return record_running_again(
        services.store, running, at=now, source="check", detail="seen running before a report"
    )


def close_from_scan(services: Services, scan: ScanResult) -> list[str]:
    """Resources a scan lists are running (they are idle again, but billing)."""
    return close_reappeared(services.store, scan.findings, scan.generated_at)
