"""One module per finding kind; this dict is the registry (one kind = one module + one entry).

Each module exposes `KIND`, `PERMISSIONS` (the IAM actions it needs, checked against `iam/`)
and `scan(ctx) -> list[Finding]`.
"""

from __future__ import annotations

from types import ModuleType

from bot.models import FindingKind
from bot.scan.scanners import (
    endpoints_without_autoscaling,
    idle_async_endpoints,
    idle_canvas_apps,
    idle_notebooks,
    idle_studio_apps,
    idle_warm_pools,
    inferentia_candidates,
    intermittent_endpoints,
    multi_model_candidates,
    orphaned_endpoints,
    overprovisioned_endpoints,
    oversized_notebooks,
    serverless_candidates,
    spot_training,
    stale_stopped_notebooks,
    studio_idle_shutdown,
    unused_endpoints,
)

SCANNERS: dict[FindingKind, ModuleType] = {
    FindingKind.IDLE_NOTEBOOK: idle_notebooks,
    FindingKind.IDLE_STUDIO_APP: idle_studio_apps,
    FindingKind.STUDIO_IDLE_SHUTDOWN_OFF: studio_idle_shutdown,
    FindingKind.UNUSED_ENDPOINT: unused_endpoints,
    FindingKind.SPOT_ELIGIBLE_TRAINING_JOB: spot_training,
    FindingKind.OVERPROVISIONED_ENDPOINT: overprovisioned_endpoints,
    FindingKind.ENDPOINT_WITHOUT_AUTOSCALING: endpoints_without_autoscaling,
    FindingKind.SERVERLESS_CANDIDATE: serverless_candidates,
    FindingKind.MULTI_MODEL_CANDIDATE: multi_model_candidates,
    FindingKind.INFERENTIA_CANDIDATE: inferentia_candidates,
    FindingKind.OVERSIZED_NOTEBOOK: oversized_notebooks,
    FindingKind.INTERMITTENT_ENDPOINT: intermittent_endpoints,
    FindingKind.ORPHANED_ENDPOINT: orphaned_endpoints,
    FindingKind.IDLE_ASYNC_ENDPOINT: idle_async_endpoints,
    FindingKind.STALE_STOPPED_NOTEBOOK: stale_stopped_notebooks,
    FindingKind.IDLE_CANVAS_APP: idle_canvas_apps,
    FindingKind.IDLE_WARM_POOL: idle_warm_pools,
}
