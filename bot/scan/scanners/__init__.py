"""One module per finding kind; this dict is the registry (one kind = one module + one entry).

Each module exposes `KIND`, `PERMISSIONS` (the IAM actions it needs, checked against `iam/`)
and `scan(ctx) -> list[Finding]`.
"""

from __future__ import annotations

from types import ModuleType

from bot.models import FindingKind
from bot.scan.scanners import (
    idle_async_endpoints,
    idle_notebooks,
    idle_studio_apps,
    intermittent_endpoints,
    orphaned_endpoints,
    oversized_notebooks,
    spot_training,
    studio_idle_shutdown,
    unused_endpoints,
)

SCANNERS: dict[FindingKind, ModuleType] = {
    FindingKind.IDLE_NOTEBOOK: idle_notebooks,
    FindingKind.IDLE_STUDIO_APP: idle_studio_apps,
    FindingKind.STUDIO_IDLE_SHUTDOWN_OFF: studio_idle_shutdown,
    FindingKind.UNUSED_ENDPOINT: unused_endpoints,
    FindingKind.SPOT_ELIGIBLE_TRAINING_JOB: spot_training,
    FindingKind.OVERSIZED_NOTEBOOK: oversized_notebooks,
    FindingKind.INTERMITTENT_ENDPOINT: intermittent_endpoints,
    FindingKind.ORPHANED_ENDPOINT: orphaned_endpoints,
    FindingKind.IDLE_ASYNC_ENDPOINT: idle_async_endpoints,
}
