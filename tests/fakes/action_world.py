"""Helpers for the action tests: a clock the test moves, and boto3 clients that count the
mutating calls they send (a botocore event hook: the boundary, whatever answers behind it)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from bot.aws.session import ClientFactory
from bot.config import Settings
from bot.services import Services, build_services
from bot.storage.store import Store

APPROVERS = ["UAPPROVER1", "UAPPROVER2", "UAPPROVER3"]
REQUESTER = "UREQUESTER"
OUTSIDER = "UOUTSIDER"


@dataclass
class ManualClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class CallCounter:
    """Counts SageMaker API calls by operation name, as they leave botocore."""

    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, model: object, **_: object) -> None:
        with self._lock:
            self.calls[model.name] += 1  # type: ignore[attr-defined]

    def factory(self) -> ClientFactory:
        """A ClientFactory whose every client reports to this counter (as a restart would build)."""
        session = boto3.session.Session()
        session.events.register("before-call.sagemaker", self)
        return ClientFactory(base_session=session)


def action_settings(db_path: Path, **overrides: object) -> Settings:
    return Settings(db_path=db_path, regions=["us-east-1"], approvers=APPROVERS, **overrides)


def rebuilt_services(
    settings: Settings, counter: CallCounter, clock: ManualClock
) -> Services:
    """A fresh process on the same database: new store connections, new clients, same counter."""
    return build_services(settings, clients=counter.factory(), store=Store(settings.db_path), clock=clock)


def undo_and_approve(services: Services, done: Any, approver: str = APPROVERS[1]) -> tuple[Any, Any]:
    """Click Undo on a done request's message and have an approver approve it: (the Undo
    request, its outcome). Fails the test if the Undo is refused."""
    from bot.actions import executor, pending_fixes
    from bot.actions.models import Vote

    opened = pending_fixes.open_undo(services, done, REQUESTER)
    assert opened.request is not None, opened.refusal
    _, outcome = executor.vote_and_run(services, opened.request.id, approver, Vote.APPROVE, APPROVERS)
    return opened.request, outcome
