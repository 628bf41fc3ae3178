"""Durable digest delivery: a digest is planned in SQLite (every message, its items, the CSV)
before the first Slack call, then delivered step by step — main message, each thread reply in
order, then the CSV — with each step's progress recorded. A step Slack did not take (a 429 once
the client's own Retry-After retries are spent, a 5xx, a timeout, a dropped connection) leaves
the delivery pending with a back-off that honours Retry-After; the delivery job resumes it at
the step it stopped, so nothing is skipped and nothing posted twice. A delivery still unfinished
a day later is abandoned (tomorrow's digest supersedes it), loudly.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot.digest.store import DigestItem, record_csv, record_items, record_post
from bot.runtime.slack_client import SLACK_FAILURES, describe_failure, retry_delay_seconds

if TYPE_CHECKING:
    from bot.services import Services
    from bot.storage.store import Store

logger = logging.getLogger(__name__)

DELIVERY_JOB_ID = "digest-delivery"
DELIVERY_SWEEP_SECONDS = 60
LEASE_SECONDS = 600  # a delivery's calls may each wait out Retry-After three times
GIVE_UP_HOURS = 24


@dataclass(frozen=True)
class DigestPlan:
    """What to post: messages (main first) with the items each shows, and the CSV if any."""

    channel: str
    scan_id: int | None
    finding_count: int
    est_monthly_savings_usd: float
    messages: list[dict[str, Any]]  # {"text", "blocks", "items": [[finding_key, block_id], …]}
    csv: dict[str, str] | None = None  # {"content", "filename", "title"}


@dataclass
class Delivery:
    id: int
    plan: DigestPlan
    digest_id: int | None
    posted_channel: str | None
    ts: str | None
    replies_posted: int
    csv_file_id: str | None
    csv_done: bool
    attempts: int
    state: str
    created_at: datetime
    last_error: str | None = None

    @property
    def replies(self) -> list[dict[str, Any]]:
        return self.plan.messages[1:]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _delivery(row: dict[str, Any]) -> Delivery:
    plan = DigestPlan(
        channel=row["channel"], scan_id=row["scan_id"], finding_count=row["finding_count"],
        est_monthly_savings_usd=row["est_monthly_savings_usd"],
        messages=json.loads(row["messages"]), csv=json.loads(row["csv"]) if row["csv"] else None,
    )
    return Delivery(
        id=row["id"], plan=plan, digest_id=row["digest_id"], posted_channel=row["posted_channel"],
        ts=row["ts"], replies_posted=row["replies_posted"], csv_file_id=row["csv_file_id"],
        csv_done=bool(row["csv_done"]), attempts=row["attempts"], state=row["state"],
        created_at=datetime.fromisoformat(row["created_at"]), last_error=row["last_error"],
    )


class DigestDeliveries:
    """The `digest_deliveries` table of one Store."""

    def __init__(self, store: Store):
        self.store = store

    def plan(self, plan: DigestPlan, now: datetime) -> int:
        with self.store.transaction() as tx:
            cursor = tx.execute(
                "INSERT INTO digest_deliveries (created_at, channel, scan_id, finding_count,"
                " est_monthly_savings_usd, messages, csv, next_attempt_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [_iso(now), plan.channel, plan.scan_id, plan.finding_count,
                 plan.est_monthly_savings_usd, json.dumps(plan.messages),
                 json.dumps(plan.csv) if plan.csv else None, _iso(now)],
            )
            return int(cursor.lastrowid)

    def get(self, delivery_id: int) -> Delivery | None:
        rows = list(self.store.db.query("SELECT * FROM digest_deliveries WHERE id = ?", [delivery_id]))
        return _delivery(rows[0]) if rows else None

    def due(self, now: datetime) -> list[int]:
        rows = self.store.db.query(
            "SELECT id FROM digest_deliveries WHERE state = 'pending' AND next_attempt_at <= ?"
            " ORDER BY id", [_iso(now)],
        )
        return [r["id"] for r in rows]

    def take(self, delivery_id: int, now: datetime) -> Delivery | None:
        """Lease a due pending delivery (one deliverer at a time); None if not due or taken."""
        with self.store.transaction() as tx:
            cursor = tx.execute(
                "UPDATE digest_deliveries SET next_attempt_at = ? WHERE id = ? AND state = 'pending'"
                " AND next_attempt_at <= ?",
                [_iso(now + timedelta(seconds=LEASE_SECONDS)), delivery_id, _iso(now)],
            )
            if cursor.rowcount != 1:
                return None
        return self.get(delivery_id)

    def update(self, delivery_id: int, **fields: Any) -> None:
        columns = {"digest_id", "posted_channel", "ts", "replies_posted", "csv_file_id",
                   "csv_done", "attempts", "next_attempt_at", "last_error", "state"}
        assert set(fields) <= columns, fields
        assignments = ", ".join(f"{k} = ?" for k in fields)
        with self.store.transaction() as tx:
            tx.execute(f"UPDATE digest_deliveries SET {assignments} WHERE id = ?",
                       [*fields.values(), delivery_id])


def _items(message: dict[str, Any], scan_id: int | None, channel: str, ts: str,
           thread_ts: str | None) -> list[DigestItem]:
    return [
        DigestItem(finding_key=key, scan_id=scan_id, channel=channel, ts=ts, thread_ts=thread_ts,
                   block_id=block_id)
        for key, block_id in message.get("items", [])
    ]


def _post_main(services: Services, client: WebClient, deliveries: DigestDeliveries, d: Delivery) -> None:
    main = d.plan.messages[0]
    response = client.chat_postMessage(
        channel=d.plan.channel, text=main["text"], blocks=main["blocks"], unfurl_links=False
    )
    channel, ts = response["channel"], response["ts"]
    d.digest_id = record_post(
        services.store, scan_id=d.plan.scan_id, channel=channel, ts=ts,
        finding_count=d.plan.finding_count, est_monthly_savings_usd=d.plan.est_monthly_savings_usd,
        now=services.clock(),
    )
    record_items(services.store, d.digest_id, _items(main, d.plan.scan_id, channel, ts, None))
    d.posted_channel, d.ts = channel, ts
    deliveries.update(d.id, digest_id=d.digest_id, posted_channel=channel, ts=ts)


def _post_reply(services: Services, client: WebClient, deliveries: DigestDeliveries, d: Delivery) -> None:
    reply = d.replies[d.replies_posted]
    answer = client.chat_postMessage(
        channel=d.posted_channel, thread_ts=d.ts, text=reply["text"], blocks=reply["blocks"]
    )
    record_items(services.store, d.digest_id,
                 _items(reply, d.plan.scan_id, d.posted_channel, answer["ts"], d.ts))
    d.replies_posted += 1
    deliveries.update(d.id, replies_posted=d.replies_posted)


def _attach_csv(services: Services, client: WebClient, deliveries: DigestDeliveries, d: Delivery) -> None:
    csv = d.plan.csv or {}
    upload = client.files_upload_v2(
        channel=d.posted_channel, thread_ts=d.ts, content=csv["content"],
        filename=csv["filename"], title=csv["title"],
    )
    files = upload.get("files") or [upload.get("file") or {}]
    d.csv_file_id, d.csv_done = files[0].get("id"), True
    record_csv(services.store, d.digest_id, d.csv_file_id)
    deliveries.update(d.id, csv_file_id=d.csv_file_id, csv_done=1)


def next_step(d: Delivery) -> str | None:
    """What is left to post, in order: the main message, each reply, then the CSV."""
    if d.ts is None:
        return "main message"
    if d.replies_posted < len(d.replies):
        return "thread reply"
    if d.plan.csv and not d.csv_done:
        return "CSV upload"
    return None


_STEPS = {"main message": _post_main, "thread reply": _post_reply, "CSV upload": _attach_csv}


def deliver(services: Services, client: WebClient, delivery_id: int) -> tuple[Delivery | None, BaseException | None]:
    """Carry a pending delivery as far as Slack lets it: (its state after, the failure if any).
    (None, None) when it is not due or another deliverer holds it."""
    deliveries, now = DigestDeliveries(services.store), services.clock()
    d = deliveries.take(delivery_id, now)
    if d is None:
        return None, None
    while (step := next_step(d)) is not None:
        try:
            _STEPS[step](services, client, deliveries, d)
        except SLACK_FAILURES as exc:
            error, retry_after = describe_failure(exc)
            d.attempts += 1
            d.last_error = f"{step} failed: {error}"
            if services.clock() - d.created_at >= timedelta(hours=GIVE_UP_HOURS):
                logger.error("digest delivery #%s abandoned after %d attempts: %s", d.id, d.attempts, d.last_error)
                deliveries.update(d.id, state="abandoned", attempts=d.attempts, last_error=d.last_error)
                d.state = "abandoned"
                return d, exc
            delay = retry_delay_seconds(d.attempts, retry_after)
            logger.warning("digest delivery #%s: %s; retrying in %.0f s", d.id, d.last_error, delay)
            deliveries.update(
                d.id, attempts=d.attempts, last_error=d.last_error,
                next_attempt_at=_iso(services.clock() + timedelta(seconds=delay)),
            )
            return d, exc
    d.state = "delivered"
    deliveries.update(d.id, state="delivered", last_error=None)
    return d, None


def pending_since(store: Store, moment: datetime) -> bool:
    """Is a digest planned at or after `moment` still being delivered?"""
    return bool(list(store.db.query(
        "SELECT 1 FROM digest_deliveries WHERE state = 'pending' AND created_at >= ? LIMIT 1",
        [_iso(moment)],
    )))


def deliver_due(services: Services, client: WebClient) -> None:
    """The delivery job: resume every pending digest whose retry time has come. Never raises
    into APScheduler."""
    for delivery_id in DigestDeliveries(services.store).due(services.clock()):
        try:
            deliver(services, client, delivery_id)
        except Exception:
            logger.exception("digest delivery #%s failed", delivery_id)


def install_digest_delivery_job(scheduler: Any, services: Services, client: Any) -> None:
    """Scheduler installer (bot.runtime.scheduler.JOB_INSTALLERS): pending digests resumed."""
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler.add_job(
        deliver_due, IntervalTrigger(seconds=DELIVERY_SWEEP_SECONDS), args=(services, client),
        id=DELIVERY_JOB_ID, name="digest delivery", replace_existing=True, max_instances=1,
        coalesce=True,
    )
