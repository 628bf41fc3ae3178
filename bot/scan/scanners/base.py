"""What every scanner receives and the one way findings are built.

Contract (ARCHITECTURE.md): `get_*` does I/O and decides nothing; `find_*` is pure; `scan(ctx)`
glues them. A scanner raises on a failure that makes its whole answer unknowable (the fan-out turns
that into a ScanError); a failure of one optional signal goes into the evidence or `ctx.errors`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.models import Finding, FindingKind, NotAssessed, ScanError
from bot.scan.pricing import PriceTable


class ReportedElsewhere(Exception):
    """A shared read failed and the scanner that made it reported the failure: the other scanners
    of the account-region stop without reporting it again (the fan-out drops this silently)."""


class SharedReads:
    """Reads that several scanners of one account-region need (every endpoint with its metrics):
    made once, by whichever scanner asks first, while the others wait for its answer.

    A failed read is remembered too, so a throttled API is not asked again by the next scanner.
    The scanner whose read failed gets the error (one ScanError for the account-region); the
    others get `ReportedElsewhere`, so one unreadable ListEndpoints is not listed once per
    endpoint kind.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, threading.Lock] = {}
        self._answers: dict[str, tuple[Any, BaseException | None]] = {}

    def once(self, key: str, read: Callable[[], Any]) -> Any:
        with self._lock:
            key_lock = self._keys.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._answers:
                try:
                    self._answers[key] = (read(), None)
                except Exception as exc:
                    self._answers[key] = (None, exc)
                    raise
        value, error = self._answers[key]
        if error is not None:
            raise ReportedElsewhere(str(error)) from error
        return value


@dataclass
class ScanContext:
    clients: Callable[[str], Any]
    account_id: str
    region: str
    settings: Settings
    prices: PriceTable
    now: datetime
    errors: list[ScanError] = field(default_factory=list)
    shared: SharedReads = field(default_factory=SharedReads)
    not_assessed: list[NotAssessed] = field(default_factory=list)

    def report_error(self, operation: str, exc: BaseException, kind: FindingKind | None) -> None:
        """Record a partial failure without failing the scanner."""
        from bot.aws.session import error_code, error_message

        self.errors.append(
            ScanError(
                account_id=self.account_id,
                region=self.region,
                operation=getattr(exc, "operation_name", None) or operation,
                message=error_message(exc),
                code=error_code(exc),
                kind=kind,
            )
        )

    def note_not_assessed(self, name: str, reason: str) -> None:
        """A resource looked at but not judged (the scan's totals count it, with the reason)."""
        self.not_assessed.append(
            NotAssessed(account_id=self.account_id, region=self.region, name=name, reason=reason)
        )

    def is_protected(self, tags: dict[str, str]) -> bool:
        return self.settings.protected_tag_key in tags


def make_finding(
    ctx: ScanContext, *, tags: dict[str, str] | None = None, tags_unreadable: bool = False, **fields: Any
) -> Finding:
    """Build a Finding for this account-region, marking protected resources from their tags.

    When the tags could not be read, nobody can tell whether the resource is protected: the
    finding is still reported, but marked protected so it is never offered for action.
    """
    tags = tags or {}
    if tags_unreadable:
        fields["evidence"] = {**fields.get("evidence", {}), "tags": "unreadable"}
    return Finding(
        account_id=ctx.account_id,
        region=ctx.region,
        detected_at=ctx.now,
        tags=tags,
        protected=tags_unreadable or ctx.is_protected(tags),
        **fields,
    )


def get_sagemaker_tags(sagemaker: Any, arns: list[str]) -> dict[str, dict[str, str]]:
    """ListTags per ARN: ListTags takes any SageMaker ARN (Studio apps, domains, spaces…), while
    the tagging API's coverage of Studio resources is not documented. Used for few findings."""
    tags = {}
    for arn in arns:
        pages = sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn)
        tags[arn] = tags_to_dict([t for page in pages for t in page.get("Tags", [])])
    return tags


def read_tags(
    ctx: ScanContext, operation: str, kind: FindingKind, read: Callable[[], dict[str, dict[str, str]]]
) -> dict[str, dict[str, str]] | None:
    """Tags by ARN, or None (reported as a partial error) when they cannot be read."""
    try:
        return read()
    except Exception as exc:
        ctx.report_error(operation, exc, kind)
        return None


def tags_to_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags or []}


def age_in_words(hours: float) -> str:
    """'3 d 4 h', '5 h', '25 min' — how the digest says durations."""
    total_minutes = int(round(hours * 60))
    days, rest = divmod(total_minutes, 24 * 60)
    hrs, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hrs} h" if hrs else f"{days} d"
    if hrs:
        return f"{hrs} h {mins} min" if mins and hrs < 3 else f"{hrs} h"
    return f"{mins} min"
