"""Findings built directly, for renderer tests that need no scan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.models import Finding, FindingKind, ResourceType

RESOURCE_TYPES = {
    FindingKind.IDLE_NOTEBOOK: ResourceType.NOTEBOOK_INSTANCE,
    FindingKind.IDLE_STUDIO_APP: ResourceType.STUDIO_APP,
    FindingKind.STUDIO_IDLE_SHUTDOWN_OFF: ResourceType.STUDIO_DOMAIN,
    FindingKind.UNUSED_ENDPOINT: ResourceType.ENDPOINT,
    FindingKind.SPOT_ELIGIBLE_TRAINING_JOB: ResourceType.TRAINING_JOB,
    FindingKind.OVERPROVISIONED_ENDPOINT: ResourceType.ENDPOINT,
    FindingKind.ENDPOINT_WITHOUT_AUTOSCALING: ResourceType.ENDPOINT,
    FindingKind.SERVERLESS_CANDIDATE: ResourceType.ENDPOINT,
    FindingKind.MULTI_MODEL_CANDIDATE: ResourceType.ENDPOINT,
    FindingKind.INFERENTIA_CANDIDATE: ResourceType.ENDPOINT,
    FindingKind.OVERSIZED_NOTEBOOK: ResourceType.NOTEBOOK_INSTANCE,
    FindingKind.INTERMITTENT_ENDPOINT: ResourceType.ENDPOINT,
    FindingKind.ORPHANED_ENDPOINT: ResourceType.ENDPOINT,
    FindingKind.IDLE_ASYNC_ENDPOINT: ResourceType.ENDPOINT,
    FindingKind.STALE_STOPPED_NOTEBOOK: ResourceType.NOTEBOOK_INSTANCE,
    FindingKind.IDLE_CANVAS_APP: ResourceType.STUDIO_APP,
    FindingKind.IDLE_WARM_POOL: ResourceType.TRAINING_JOB,
}
REASONS = {
    FindingKind.IDLE_NOTEBOOK: "No activity for 3 d 4 h (last: status change)",
    FindingKind.IDLE_STUDIO_APP: "No user activity for 5 h",
    FindingKind.STUDIO_IDLE_SHUTDOWN_OFF: "Idle shutdown is off for the domain",
    FindingKind.UNUSED_ENDPOINT: "0 invocations in 48 h",
    FindingKind.SPOT_ELIGIBLE_TRAINING_JOB: "Ran 6 h on demand without Spot",
    FindingKind.OVERPROVISIONED_ENDPOINT: "Peaks at 30% of 4 × ml.m5.xlarge; 2 would do",
    FindingKind.ENDPOINT_WITHOUT_AUTOSCALING: "4 instances all day; 1.4 needed on average",
    FindingKind.SERVERLESS_CANDIDATE: "About $12/month on serverless inference",
    FindingKind.MULTI_MODEL_CANDIDATE: "3 endpoints could share one multi-model endpoint",
    FindingKind.INFERENTIA_CANDIDATE: "Could run on ml.inf2.xlarge for 35% less",
    FindingKind.OVERSIZED_NOTEBOOK: "GPU notebook InService 84 h of the last 7 d",
    FindingKind.INTERMITTENT_ENDPOINT: "Used Mon–Fri 09–18 UTC, idle 73% of hours",
    FindingKind.ORPHANED_ENDPOINT: "Endpoint config deleted; 0 invocations in 48 h",
    FindingKind.IDLE_ASYNC_ENDPOINT: "0 requests processed in 48 h, empty queue",
    FindingKind.STALE_STOPPED_NOTEBOOK: "Stopped for 45 d; its 5 GB volume still bills",
    FindingKind.IDLE_CANVAS_APP: "Logged in to Canvas with no activity for 6 h",
    FindingKind.IDLE_WARM_POOL: "Warm pool kept for 50 min more with no job reusing it",
}
DETECTED_AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def finding(
    name: str = "nb-alice",
    kind: FindingKind = FindingKind.IDLE_NOTEBOOK,
    savings_usd: float | None = 36.5,
    **fields: Any,
) -> Finding:
    base: dict[str, Any] = {
        "kind": kind,
        "resource_type": RESOURCE_TYPES[kind],
        "name": name,
        "arn": f"arn:aws:sagemaker:us-east-1:123456789012:{RESOURCE_TYPES[kind]}/{name}",
        "account_id": "123456789012",
        "region": "us-east-1",
        "instance_type": "ml.t3.medium",
        "est_monthly_cost_usd": savings_usd,
        "est_monthly_savings_usd": savings_usd,
        "reason": REASONS[kind],
        "evidence": {"idle_hours": 76},
        "tags": {"owner": "alice"},
        "detected_at": DETECTED_AT,
    }
    return Finding(**(base | fields))


def many_findings(count: int) -> list[Finding]:
    """`count` findings over every kind, two accounts, three regions, some unpriced/protected."""
    kinds = list(FindingKind)
    regions = ["us-east-1", "us-west-2", "eu-west-1"]
    result = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        result.append(
            finding(
                name=f"{kind.value}-{i:04d}-" + "x" * (i % 40),
                kind=kind,
                savings_usd=None if i % 17 == 5 else round(10 + (i * 37.3) % 900, 2),
                account_id="123456789012" if i % 2 else "210987654321",
                region=regions[i % 3],
                protected=i % 23 == 7,
                tags={"owner": f"team-{i % 7}"} if i % 4 else {},
            )
        )
    return result
