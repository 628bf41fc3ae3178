"""Plain data of the act-on-findings flow: action requests, approval decisions, outcomes, audit.

Kept apart from `bot/models.py` (scan data) so the approvals core, the executor, the renderers
and the handlers can exchange them without importing each other or the store.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.models import ResourceType


class ActionKind(StrEnum):
    STOP_NOTEBOOK = "stop-notebook"
    START_NOTEBOOK = "start-notebook"
    DELETE_ENDPOINT = "delete-endpoint"
    DELETE_STUDIO_APP = "delete-studio-app"
    RESTORE_ENDPOINT = "restore-endpoint"
    INSTALL_AUTO_STOP = "install-auto-stop"
    RESTORE_LIFECYCLE_CONFIG = "restore-lifecycle-config"
    ENABLE_IDLE_SHUTDOWN = "enable-idle-shutdown"
    RESTORE_IDLE_SETTINGS = "restore-idle-settings"
    RESIZE_NOTEBOOK = "resize-notebook"
    ENABLE_AUTOSCALING = "enable-autoscaling"
    REMOVE_AUTOSCALING = "remove-autoscaling"
    RESIZE_ENDPOINT = "resize-endpoint"
    UNDO_RESIZE_ENDPOINT = "undo-resize-endpoint"

    @property
    def verb(self) -> str:
        return {
            ActionKind.STOP_NOTEBOOK: "stop notebook",
            ActionKind.START_NOTEBOOK: "start notebook",
            ActionKind.DELETE_ENDPOINT: "delete endpoint",
            ActionKind.DELETE_STUDIO_APP: "delete Studio app",
            ActionKind.RESTORE_ENDPOINT: "restore endpoint",
            ActionKind.INSTALL_AUTO_STOP: "install auto-stop on notebook",
            ActionKind.RESTORE_LIFECYCLE_CONFIG: "restore the lifecycle configuration of notebook",
            ActionKind.ENABLE_IDLE_SHUTDOWN: "enable idle shutdown on",
            ActionKind.RESTORE_IDLE_SETTINGS: "restore the idle settings of",
            ActionKind.RESIZE_NOTEBOOK: "resize notebook",
            ActionKind.ENABLE_AUTOSCALING: "enable autoscaling on endpoint",
            ActionKind.REMOVE_AUTOSCALING: "remove autoscaling from endpoint",
            ActionKind.RESIZE_ENDPOINT: "resize endpoint",
            ActionKind.UNDO_RESIZE_ENDPOINT: "switch back the config of endpoint",
        }[self]

    @property
    def destructive(self) -> bool:
        return self in (ActionKind.DELETE_ENDPOINT, ActionKind.DELETE_STUDIO_APP)

    @property
    def undo(self) -> ActionKind | None:
        """The action that puts back what this one replaced (offered as Undo once it succeeded)."""
        return {
            ActionKind.INSTALL_AUTO_STOP: ActionKind.RESTORE_LIFECYCLE_CONFIG,
            ActionKind.ENABLE_IDLE_SHUTDOWN: ActionKind.RESTORE_IDLE_SETTINGS,
            ActionKind.RESIZE_NOTEBOOK: ActionKind.RESIZE_NOTEBOOK,  # back to the saved type
            ActionKind.ENABLE_AUTOSCALING: ActionKind.REMOVE_AUTOSCALING,
            ActionKind.RESIZE_ENDPOINT: ActionKind.UNDO_RESIZE_ENDPOINT,  # back to the kept config
        }.get(self)


class RequestState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def open(self) -> bool:
        return self in (RequestState.REQUESTED, RequestState.APPROVED, RequestState.EXECUTING)


class ResourceKey(BaseModel):
    """`account:region:resource-type:name`, the finding's key (names may contain ':')."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    region: str
    resource_type: ResourceType
    name: str

    @classmethod
    def parse(cls, key: str) -> ResourceKey:
        parts = key.split(":", 3)
        if len(parts) != 4 or not all(parts):
            raise ValueError(f"not a resource key (account:region:type:name): {key!r}")
        return cls(account_id=parts[0], region=parts[1], resource_type=parts[2], name=parts[3])

    def __str__(self) -> str:
        return f"{self.account_id}:{self.region}:{self.resource_type}:{self.name}"


class ActionRequest(BaseModel):
    """One request to act on one resource, as persisted in `action_requests`."""

    id: int
    action: ActionKind
    resource_key: str
    requester: str
    origin: str = "slack"
    idempotency_key: str | None = None
    state: RequestState
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    reason: str | None = None
    dry_run: bool = False
    est_monthly_cost_usd: float | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    baseline: dict[str, Any] = Field(default_factory=dict)
    aws_request_id: str | None = None
    restore_of: int | None = None
    channel: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None
    digest_channel: str | None = None
    digest_ts: str | None = None
    digest_block_id: str | None = None

    @property
    def key(self) -> ResourceKey:
        return ResourceKey.parse(self.resource_key)


class Vote(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Approval(BaseModel):
    request_id: int
    user: str
    vote: Vote
    at: datetime


class DecisionCode(StrEnum):
    ALLOWED = "allowed"
    NOT_APPROVER = "not-approver"
    SELF_APPROVAL = "self-approval"
    EXPIRED = "expired"
    ALREADY_DECIDED = "already-decided"
    ALREADY_VOTED = "already-voted"
    NO_APPROVERS = "no-approvers"


class Decision(BaseModel):
    """Whether a user may approve/reject a request now, and a sentence saying why."""

    model_config = ConfigDict(frozen=True)

    code: DecisionCode
    reason: str

    @property
    def allowed(self) -> bool:
        return self.code is DecisionCode.ALLOWED


class OutcomeCode(StrEnum):
    DONE = "done"  # the mutation ran (or, in dry-run, would have run)
    RECONCILED = "reconciled"  # found done at start-up after a crash: not re-run
    INTERRUPTED = "interrupted"  # found not done at start-up: not re-run, request failed
    GONE = "gone"
    ALREADY = "already"  # already in the target state: reported, nothing changed
    WRONG_STATE = "wrong-state"
    PROTECTED = "protected"
    ACTIVE = "active"  # no longer idle since the request
    NOTHING_SAVED = "nothing-saved"  # restore without a saved configuration
    ERROR = "error"  # AWS refused or failed
    NOT_CLAIMED = "not-claimed"  # another caller already ran (or is running) this request
    TOO_LATE = "too-late"  # past the request's `not_after` (a schedule slot missed by a crash)


class Outcome(BaseModel):
    """What an execution attempt did, for the caller to show (never a silent pass)."""

    request_id: int
    action: ActionKind
    resource_key: str
    code: OutcomeCode
    state: RequestState  # the request's state after this attempt
    message: str
    ran: bool = False  # this attempt performed (or dry-ran) the mutation
    dry_run: bool = False
    aws_request_id: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.state is RequestState.SUCCEEDED


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    event: str
    request_id: int | None = None
    action: str | None = None
    resource_key: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    outcome: str | None = None
    aws_request_id: str | None = None
    dry_run: bool = False
    detail: str | None = None
