"""Plain data that flows from AWS to the renderers.

Everything here is a pydantic model with no behaviour beyond derived values, so scanners,
reports, approvals and the store can exchange them without importing each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field


class FindingKind(StrEnum):
    IDLE_NOTEBOOK = "idle-notebook"
    IDLE_STUDIO_APP = "idle-studio-app"
    STUDIO_IDLE_SHUTDOWN_OFF = "studio-idle-shutdown-off"
    UNUSED_ENDPOINT = "unused-endpoint"
    SPOT_ELIGIBLE_TRAINING_JOB = "spot-eligible-training-job"
    OVERPROVISIONED_ENDPOINT = "overprovisioned-endpoint"
    ENDPOINT_WITHOUT_AUTOSCALING = "endpoint-without-autoscaling"
    SERVERLESS_CANDIDATE = "serverless-candidate"
    MULTI_MODEL_CANDIDATE = "multi-model-candidate"
    INFERENTIA_CANDIDATE = "inferentia-candidate"
    OVERSIZED_NOTEBOOK = "oversized-notebook"
    INTERMITTENT_ENDPOINT = "intermittent-endpoint"
    ORPHANED_ENDPOINT = "orphaned-endpoint"
    IDLE_ASYNC_ENDPOINT = "idle-async-endpoint"
    STALE_STOPPED_NOTEBOOK = "stale-stopped-notebook"
    IDLE_CANVAS_APP = "idle-canvas-app"
    IDLE_WARM_POOL = "idle-warm-pool"


class ResourceType(StrEnum):
    NOTEBOOK_INSTANCE = "notebook-instance"
    STUDIO_APP = "studio-app"
    STUDIO_DOMAIN = "studio-domain"
    STUDIO_USER_PROFILE = "studio-user-profile"
    STUDIO_SPACE = "studio-space"
    ENDPOINT = "endpoint"
    TRAINING_JOB = "training-job"


class SavingsBasis(StrEnum):
    """Whether a finding's saving belongs in the monthly headline.

    Monthly means monthly: only waste that recurs every month is added to "$X/month". A saving on
    a run that happened once is shown on its own line; a finding whose evidence is too weak to act
    on is listed but counted nowhere.
    """

    MONTHLY = "monthly"
    ONE_OFF = "one-off"
    WEAK_EVIDENCE = "weak-evidence"


class Finding(BaseModel):
    """One piece of waste, with the evidence that makes it one."""

    model_config = ConfigDict(frozen=True)

    kind: FindingKind
    resource_type: ResourceType
    name: str
    arn: str
    account_id: str
    region: str
    instance_type: str | None = None
    instance_count: int = 1
    est_monthly_cost_usd: float | None = None
    est_monthly_savings_usd: float | None = None
    reason: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    protected: bool = False
    detected_at: datetime
    savings_basis: SavingsBasis = SavingsBasis.MONTHLY

    @property
    def in_monthly_total(self) -> bool:
        return self.savings_basis == SavingsBasis.MONTHLY

    @computed_field  # type: ignore[prop-decorator]
    @property
    def key(self) -> str:
        """Stable identity of the resource across scans (what snoozes and requests refer to)."""
        return f"{self.account_id}:{self.region}:{self.resource_type}:{self.name}"

    def owner(self, tag_keys: tuple[str, ...] | list[str] = ("owner", "team")) -> str | None:
        for key in tag_keys:
            if self.tags.get(key):
                return self.tags[key]
        return None


class ScanError(BaseModel):
    """An account-region (or one part of it) that could not be read: never shown as clean."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    region: str
    operation: str
    message: str
    code: str | None = None
    kind: FindingKind | None = None


class NotAssessed(BaseModel):
    """A resource a scanner looked at but could not judge (an endpoint with no utilisation
    metrics, one changed inside the window): counted apart, so silence is never read as "fine"."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    region: str
    name: str
    reason: str


class Totals(BaseModel):
    findings: int
    est_monthly_cost_usd: float
    est_monthly_savings_usd: float
    unpriced_findings: int
    by_kind: dict[str, float]
    by_account: dict[str, float]
    by_region: dict[str, float]
    # Savings on runs that happened once: listed on their own line, never in the monthly figure.
    one_off_savings_usd: float = 0.0
    # Findings listed with too little evidence to act on: not in any total.
    weak_evidence_findings: int = 0
    # Unpriced findings per region and, per region, why (a missing price list, an unknown type).
    unpriced_by_region: dict[str, int] = Field(default_factory=dict)
    unpriced_reasons: dict[str, str] = Field(default_factory=dict)
    # Endpoints the hosting advisor could not judge, and how many for each reason.
    not_assessed: int = 0
    not_assessed_reasons: dict[str, int] = Field(default_factory=dict)


def totals_of(findings: list[Finding], not_assessed: Sequence[NotAssessed] = ()) -> Totals:
    """Sum the savings of actionable findings; protected ones are counted apart (never offered).

    Only recurring savings make the monthly figure (`Finding.savings_basis`); unpriced findings
    are counted per region with the reason their price is missing, never as $0.
    """
    by_kind: dict[str, float] = {}
    by_account: dict[str, float] = {}
    by_region: dict[str, float] = {}
    cost = savings = one_off = 0.0
    unpriced = weak = 0
    unpriced_by_region: dict[str, int] = {}
    reasons: dict[str, str] = {}
    # A resource flagged twice (an idle notebook that is also oversized) offers alternatives,
    # stop it or right-size it: only its biggest saving counts.
    biggest: dict[str, Finding] = {}
    for f in findings:
        if f.est_monthly_savings_usd is not None and not f.protected:
            kept = biggest.get(f.key)
            if kept is None or f.est_monthly_savings_usd > (kept.est_monthly_savings_usd or 0.0):
                biggest[f.key] = f
    for f in findings:
        if f.est_monthly_savings_usd is None and f.instance_type is None and f.est_monthly_cost_usd is None:
            continue  # a setting (no instance behind it): nothing to price, so nothing unpriced
        if f.est_monthly_savings_usd is None:
            unpriced += 1
            unpriced_by_region[f.region] = unpriced_by_region.get(f.region, 0) + 1
            if f.evidence.get("price_missing"):
                reasons.setdefault(f.region, str(f.evidence["price_missing"]))
            continue
        if f.protected or biggest.get(f.key) is not f:
            continue
        if f.savings_basis == SavingsBasis.ONE_OFF:
            one_off += f.est_monthly_savings_usd
            continue
        if f.savings_basis == SavingsBasis.WEAK_EVIDENCE:
            weak += 1
            continue
        cost += f.est_monthly_cost_usd or 0.0
        savings += f.est_monthly_savings_usd
        by_kind[f.kind] = by_kind.get(f.kind, 0.0) + f.est_monthly_savings_usd
        by_account[f.account_id] = by_account.get(f.account_id, 0.0) + f.est_monthly_savings_usd
        by_region[f.region] = by_region.get(f.region, 0.0) + f.est_monthly_savings_usd
    return Totals(
        findings=len(findings),
        est_monthly_cost_usd=round(cost, 2),
        est_monthly_savings_usd=round(savings, 2),
        unpriced_findings=unpriced,
        by_kind={k: round(v, 2) for k, v in by_kind.items()},
        by_account={k: round(v, 2) for k, v in by_account.items()},
        by_region={k: round(v, 2) for k, v in by_region.items()},
        one_off_savings_usd=round(one_off, 2),
        weak_evidence_findings=weak,
        unpriced_by_region=unpriced_by_region,
        unpriced_reasons=reasons,
        not_assessed=len(not_assessed),
        not_assessed_reasons=dict(Counter(n.reason for n in not_assessed).most_common()),
    )


class ScanResult(BaseModel):
    scan_id: int | None = None
    generated_at: datetime
    regions: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    kinds: list[FindingKind] = Field(default_factory=list)
    # False for a scan narrowed by --region/--kind: never reused as "the latest scan" by the
    # digest or slash commands, which must not mistake a partial view for the whole fleet.
    complete: bool = True
    findings: list[Finding] = Field(default_factory=list)
    errors: list[ScanError] = Field(default_factory=list)
    not_assessed: list[NotAssessed] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def totals(self) -> Totals:
        return totals_of(self.findings, self.not_assessed)

    def to_json_dict(self) -> dict[str, Any]:
        """The CLI's `--format json` document."""
        return {
            "generated_at": self.generated_at.isoformat(),
            "regions": self.regions,
            "findings": [f.model_dump(mode="json") for f in self.findings],
            "errors": [e.model_dump(mode="json") for e in self.errors],
            "totals": self.totals.model_dump(mode="json"),
            "not_assessed": [n.model_dump(mode="json") for n in self.not_assessed],
        }
