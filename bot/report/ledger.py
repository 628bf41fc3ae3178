"""The realised-savings ledger: what acting on the bot's advice actually avoided paying.

A succeeded stop or delete opens a period of avoided cost at the resource's hourly price (the
request's estimate, else the latest finding's); the period ends when the resource runs again —
a start (by hand, by a schedule or by a button), a restore, or a later scan or check that sees
it running. Scheduled stops therefore accrue per stopped hour: each night's stop opens a period
and the morning's start closes it. Resize and autoscaling actions accrue the price difference
through `record_accrual` with the difference as `hourly_usd`.

The ledger table is append-only; the sums are computed from its events (`periods`, `realised`:
pure functions of the events and `now`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from bot.actions.models import ActionKind, ActionRequest
from bot.models import Finding
from bot.owners.resolve import owner_value
from bot.scan.pricing import HOURS_PER_MONTH, PriceTable

if TYPE_CHECKING:
    from bot.storage.store import Store

logger = logging.getLogger(__name__)

ACCRUING_ACTIONS = frozenset(
    {ActionKind.STOP_NOTEBOOK, ActionKind.DELETE_ENDPOINT, ActionKind.DELETE_STUDIO_APP}
)
ENDING_ACTIONS = frozenset({ActionKind.START_NOTEBOOK, ActionKind.RESTORE_ENDPOINT})
# A resize saves the price difference while the notebook runs: running again does not end it,
# only another resize of the same notebook does.
RESIZE_ACTIONS = frozenset({ActionKind.RESIZE_NOTEBOOK})
# Hosting changes save the advised amount while the endpoint serves: like a resize, running
# again does not end them; their Undo does.
HOSTING_ACTIONS = frozenset({ActionKind.RESIZE_ENDPOINT, ActionKind.ENABLE_AUTOSCALING})
HOSTING_UNDOS = frozenset({ActionKind.UNDO_RESIZE_ENDPOINT, ActionKind.REMOVE_AUTOSCALING})
KEEPS_ACCRUING_WHILE_RUNNING = RESIZE_ACTIONS | HOSTING_ACTIONS
LEDGER_ACTIONS = ACCRUING_ACTIONS | ENDING_ACTIONS | RESIZE_ACTIONS | HOSTING_ACTIONS | HOSTING_UNDOS
BACKFILL_DAYS = 7
UNASSIGNED = "unassigned"


class LedgerEvent(BaseModel):
    id: int | None = None
    at: datetime
    event: str  # accrue | end
    resource_key: str
    action: str | None = None
    request_id: int | None = None
    hourly_usd: float | None = None
    owner: str | None = None
    source: str
    detail: str | None = None


def ledger_events(store: Store) -> list[LedgerEvent]:
    return [
        LedgerEvent(**{k: row[k] for k in LedgerEvent.model_fields})
        for row in store.db.query("SELECT * FROM savings_ledger ORDER BY id")
    ]


def _append(store: Store, event: LedgerEvent) -> None:
    with store.transaction() as db:
        db.execute(
            "INSERT INTO savings_ledger (at, event, resource_key, action, request_id, hourly_usd,"
            " owner, source, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [event.at.astimezone(UTC).isoformat(), event.event, event.resource_key, event.action,
             event.request_id, event.hourly_usd, event.owner, event.source, event.detail],
        )


def open_accruals(store: Store) -> dict[str, LedgerEvent]:
    """Resource key → the `accrue` event of its open period."""
    return {p.resource_key: p.opened_by for p in periods(ledger_events(store)) if p.end is None}


def latest_finding(store: Store, resource_key: str) -> Finding | None:
    rows = list(
        store.db.query(
            "SELECT data FROM findings WHERE key = ? ORDER BY id DESC LIMIT 1", [resource_key]
        )
    )
    return Finding.model_validate_json(rows[0]["data"]) if rows else None


def record_accrual(
    store: Store, resource_key: str, *, at: datetime, hourly_usd: float | None, source: str,
    action: str | None = None, request_id: int | None = None, owner: str | None = None,
    detail: str | None = None,
) -> bool:
    """Open a period of avoided cost; False when one is already open for the resource."""
    if resource_key in open_accruals(store):
        return False
    _append(store, LedgerEvent(
        at=at, event="accrue", resource_key=resource_key, action=action, request_id=request_id,
        hourly_usd=hourly_usd, owner=owner, source=source, detail=detail,
    ))
    return True


def record_running_again(
    store: Store, resource_keys: Iterable[str], *, at: datetime, source: str, detail: str,
    resized_too: bool = False, request_id: int | None = None,
) -> list[str]:
    """Close the open periods of these resources (they run again); returns the keys closed.
    A resize's period stays open (it saves while running) unless `resized_too`."""
    open_now = open_accruals(store)
    closed = []
    for key in dict.fromkeys(resource_keys):
        opened = open_now.get(key)
        if opened is None or at < opened.at:
            continue
        if opened.action in KEEPS_ACCRUING_WHILE_RUNNING and not resized_too:
            continue
        _append(store, LedgerEvent(at=at, event="end", resource_key=key, source=source, detail=detail,
                                   request_id=request_id))
        closed.append(key)
    return closed


def resize_saving_hourly_usd(
    prices: PriceTable, region: str, from_type: str | None, to_type: str | None
) -> float | None:
    """What a notebook resize saves per hour (None: a price is unknown or it is not cheaper)."""
    before = prices.hourly_usd(region, "notebook", from_type)
    after = prices.hourly_usd(region, "notebook", to_type)
    if before is None or after is None or before <= after:
        return None
    return before - after


def record_outcome(
    store: Store, request: ActionRequest, now: datetime, owner_tag_keys: Sequence[str],
    prices: PriceTable | None = None,
) -> None:
    """The executor's hook for a succeeded (non-dry-run) action. Never raises: the action is
    done on AWS whatever happens to the bookkeeping."""
    try:
        if request.action in HOSTING_ACTIONS:
            _record_hosting_change(store, request, now, owner_tag_keys)
            return
        if request.action in HOSTING_UNDOS:
            record_running_again(store, [request.resource_key], at=now, source="action",
                                 detail=f"{request.action.verb} (request #{request.id})", resized_too=True,
                                 request_id=request.id)
            return
        if request.action in RESIZE_ACTIONS:
            finding = latest_finding(store, request.resource_key)
            record_running_again(store, [request.resource_key], at=now, source="action",
                                 detail=f"resized again (request #{request.id})", resized_too=True)
            hourly = None
            if prices is not None and finding is not None:
                hourly = resize_saving_hourly_usd(
                    prices, request.key.region, finding.instance_type, request.params.get("instance_type")
                )
            record_accrual(
                store, request.resource_key, at=now, hourly_usd=hourly, source="action",
                action=str(request.action), request_id=request.id,
                owner=owner_value(finding, owner_tag_keys) if finding else None,
                detail=f"{finding.instance_type if finding else '?'} → {request.params.get('instance_type')}",
            )
            return
        if request.action in ACCRUING_ACTIONS:
            finding = latest_finding(store, request.resource_key)
            monthly = request.est_monthly_cost_usd
            if monthly is None and finding is not None:
                monthly = finding.est_monthly_cost_usd
            hourly = None if monthly is None else monthly / HOURS_PER_MONTH
            if hourly is None:  # a scheduled stop of a notebook never flagged: its last price
                hourly = _last_hourly(store, request.resource_key)
            record_accrual(
                store, request.resource_key, at=now, hourly_usd=hourly,
                source="action", action=str(request.action), request_id=request.id,
                owner=owner_value(finding, owner_tag_keys) if finding else None,
            )
        elif request.action in ENDING_ACTIONS:
            record_running_again(
                store, [request.resource_key], at=now, source="action",
                detail=f"{request.action.verb} (request #{request.id})", request_id=request.id,
            )
    except Exception:
        logger.exception("savings ledger: could not record request #%s", request.id)


def _record_hosting_change(
    store: Store, request: ActionRequest, now: datetime, owner_tag_keys: Sequence[str]
) -> None:
    """Opens a period at the saving the scan advised (the finding's estimate: what the endpoint
    no longer needs), not the endpoint's whole cost."""
    finding = latest_finding(store, request.resource_key)
    monthly = finding.est_monthly_savings_usd if finding is not None else None
    record_accrual(
        store, request.resource_key, at=now,
        hourly_usd=None if monthly is None else monthly / HOURS_PER_MONTH,
        source="action", action=str(request.action), request_id=request.id,
        owner=owner_value(finding, owner_tag_keys) if finding else None,
        detail=f"{request.action.verb} (request #{request.id})",
    )


def backfill_after_crash(
    store: Store, succeeded: Iterable[ActionRequest], now: datetime, owner_tag_keys: Sequence[str],
    prices: PriceTable | None = None,
) -> list[int]:
    """The ledger row a succeeded action writes comes in its own transaction, after the request's
    `succeeded`: a process killed between the two leaves the action done and audited but the
    row missing. At start-up, succeeded (non-dry-run) requests of the last BACKFILL_DAYS that
    should have written a row and did not are recorded now, at the request's own time. Returns
    the request ids looked at again (a request whose period was already open writes nothing)."""
    recorded = {
        row["request_id"] for row in store.db.query(
            "SELECT DISTINCT request_id FROM savings_ledger WHERE request_id IS NOT NULL")
    }
    since = now - timedelta(days=BACKFILL_DAYS)
    again = []
    for request in succeeded:
        if request.dry_run or request.id in recorded or request.updated_at < since:
            continue
        if request.action not in LEDGER_ACTIONS:
            continue
        record_outcome(store, request, request.updated_at, owner_tag_keys, prices)
        again.append(request.id)
    return again


def _last_hourly(store: Store, resource_key: str) -> float | None:
    rows = list(store.db.query(
        "SELECT hourly_usd FROM savings_ledger WHERE resource_key = ? AND event = 'accrue'"
        " AND hourly_usd IS NOT NULL ORDER BY id DESC LIMIT 1", [resource_key]))
    return rows[0]["hourly_usd"] if rows else None


def close_reappeared(store: Store, findings: Iterable[Finding], at: datetime) -> list[str]:
    """A scan that lists a resource with an open period saw it running again."""
    return record_running_again(
        store, [f.key for f in findings], at=at, source="scan", detail="seen running by a scan"
    )


# --- pure sums --------------------------------------------------------------------------------


class Period(BaseModel):
    resource_key: str
    start: datetime
    end: datetime | None  # None: still accruing
    hourly_usd: float | None
    owner: str | None
    opened_by: LedgerEvent

    def saved_usd(self, since: datetime, until: datetime) -> float:
        """Avoided cost within [since, until)."""
        if self.hourly_usd is None:
            return 0.0
        start = max(self.start, since)
        end = min(self.end or until, until)
        return max((end - start).total_seconds(), 0.0) / 3600 * self.hourly_usd


def periods(events: Sequence[LedgerEvent]) -> list[Period]:
    """Pair each `accrue` with the next `end` of the same resource (events in ledger order)."""
    done: list[Period] = []
    open_by_key: dict[str, LedgerEvent] = {}
    for event in events:
        if event.event == "accrue" and event.resource_key not in open_by_key:
            open_by_key[event.resource_key] = event
        elif event.event == "end" and event.resource_key in open_by_key:
            opened = open_by_key.pop(event.resource_key)
            done.append(_period(opened, event.at))
    return done + [_period(opened, None) for opened in open_by_key.values()]


def _period(opened: LedgerEvent, end: datetime | None) -> Period:
    return Period(
        resource_key=opened.resource_key, start=opened.at, end=end,
        hourly_usd=opened.hourly_usd, owner=opened.owner, opened_by=opened,
    )


class Realised(BaseModel):
    """"Saved this week $A · this month $B · since install $C", by owner."""

    week_usd: float
    month_usd: float
    total_usd: float
    by_owner: dict[str, float] = Field(default_factory=dict)  # since install
    accruing: int = 0  # resources still off (accruing now)
    unpriced: int = 0  # periods whose price was unknown (counted as $0)


def realised(all_periods: Sequence[Period], now: datetime, week_start: datetime,
             month_start: datetime) -> Realised:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    by_owner: dict[str, float] = {}
    for p in all_periods:
        owner = p.owner or UNASSIGNED
        by_owner[owner] = by_owner.get(owner, 0.0) + p.saved_usd(epoch, now)
    return Realised(
        week_usd=round(sum(p.saved_usd(week_start, now) for p in all_periods), 2),
        month_usd=round(sum(p.saved_usd(month_start, now) for p in all_periods), 2),
        total_usd=round(sum(p.saved_usd(epoch, now) for p in all_periods), 2),
        by_owner={k: round(v, 2) for k, v in sorted(by_owner.items(), key=lambda kv: -kv[1])},
        accruing=sum(1 for p in all_periods if p.end is None),
        unpriced=sum(1 for p in all_periods if p.hourly_usd is None),
    )


def cumulative_by_day(
    all_periods: Sequence[Period], first_day: date, last_day: date, now: datetime
) -> list[tuple[date, float]]:
    """Realised savings since install at the end of each day in [first_day, last_day] (UTC; the
    current day ends at `now`): the cumulative-savings chart's series."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    series = []
    day = first_day
    while day <= last_day:
        until = min(datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC), now)
        series.append((day, round(sum(p.saved_usd(epoch, until) for p in all_periods), 2)))
        day += timedelta(days=1)
    return series

