"""Post the digest: scan (cached ≤ SMBOT_CACHE_MINUTES), build, post, thread the overflow,
attach the full CSV, and record which message holds which finding.

Posting goes through a durable delivery (`bot.digest.delivery`): planned in the database first,
then posted step by step; what Slack does not take now is retried by the delivery job.
Run by the scheduler's cron job and by `sm-cost-bot digest --post` / `--dry-run`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.digest.delivery import DigestDeliveries, DigestPlan, deliver
from bot.digest.store import last_post
from bot.models import ScanResult
from bot.owners.directory import OwnerDirectory, directory_for
from bot.owners.dm import post_owner_digests
from bot.schedules.snoozes import split_snoozed
from bot.schedules.store import active_snoozes
from bot.services import Services
from reports.csv_export import findings_csv
from reports.digest import Digest, DigestMessage, build_digest, limit_violations
from reports.findings import item_block_id
from reports.plurals import plural

logger = logging.getLogger(__name__)


class DigestNotConfigured(ValueError):
    """A setting the digest needs is missing: one line naming it."""


class DigestPending(RuntimeError):
    """Slack did not take the digest message now; the delivery job posts it later."""


@dataclass
class PostedDigest:
    channel: str
    ts: str
    digest_id: int
    findings: int
    thread_replies: int
    scan_errors: int = 0
    csv_file_id: str | None = None
    problems: list[str] = field(default_factory=list)  # what went wrong after the main post


def build_for(services: Services, scan: ScanResult, owners: OwnerDirectory | None = None) -> Digest:
    """The digest of `scan` minus snoozed resources, compared with the last posted digest; items
    mention their owners when `owners` can resolve them."""
    store, settings = services.store, services.settings
    now = services.clock()
    visible, hidden = split_snoozed(scan.findings, active_snoozes(store, now), now)
    last = last_post(store)
    # The change is "since the last digest": before one was posted there is nothing to compare
    # with (an earlier scan nobody was shown is not "the last digest"), so no arrow.
    previous = last["est_monthly_savings_usd"] if last is not None else None
    return build_digest(
        scan.model_copy(update={"findings": visible}),
        previous_savings_usd=previous,
        owner_tag_keys=settings.owner_tag_keys,
        max_items=settings.digest_max_items,
        timezone=settings.tz,
        snoozed=hidden,
        owner_mentions=owners.mentions(visible) if owners is not None else None,
    )


def _check(message: DigestMessage) -> None:
    problems = limit_violations(message.blocks)
    if problems:  # a renderer bug; tests catch it, production logs it loudly and still tries
        logger.error("digest message breaks Slack limits: %s", "; ".join(problems))


def plan_for(services: Services, digest: Digest, scan: ScanResult, channel: str) -> DigestPlan:
    """Everything a delivery posts, fixed now: the messages with their items, and the CSV."""
    settings = services.settings
    messages = [
        {**message.to_dict(), "items": [[f.key, item_block_id(f)] for f in message.findings]}
        for message in [digest.main, *digest.thread]
    ]
    csv = None
    if digest.needs_csv:
        day = scan.generated_at.astimezone(settings.tz).date().isoformat()
        csv = {
            "content": findings_csv(digest.findings, settings.owner_tag_keys),
            "filename": f"sagemaker-waste-{day}.csv",
            "title": f"SageMaker waste {day}: all {plural(len(digest.findings), 'finding')}",
        }
    total = sum(f.est_monthly_savings_usd or 0.0 for f in digest.findings if not f.protected)
    return DigestPlan(
        channel=channel, scan_id=scan.scan_id, finding_count=len(digest.findings),
        est_monthly_savings_usd=round(total, 2), messages=messages, csv=csv,
    )


def post_digest(
    services: Services,
    client: WebClient,
    *,
    channel: str | None = None,
    retry_later: bool = True,
    fresh: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> PostedDigest | None:
    """Post once now. None when there is nothing to say and SMBOT_DIGEST_WHEN_EMPTY is off.

    Errors before the main post raise. If Slack does not take the main message, the delivery
    stays pending for the delivery job (`DigestPending`), or with `retry_later=False` (a one-off
    post from the terminal) it is dropped and Slack's failure raised. After the main post,
    replies and the CSV that failed are retried by the delivery job and listed in `problems`.
    """
    settings = services.settings
    channel = channel or settings.digest_channel
    if not channel:
        raise DigestNotConfigured("set SMBOT_DIGEST_CHANNEL to the channel for the digest (e.g. #ml-costs)")
    scan = services.recent_scan(fresh=fresh, on_progress=on_progress)
    owners = directory_for(settings, client)
    digest = build_for(services, scan, owners)
    if digest.is_empty and not scan.errors and not settings.digest_when_empty:
        logger.info("digest skipped: nothing to flag and SMBOT_DIGEST_WHEN_EMPTY is off")
        return None
    for message in [digest.main, *digest.thread]:
        _check(message)
    deliveries = DigestDeliveries(services.store)
    delivery_id = deliveries.plan(plan_for(services, digest, scan, channel), services.clock())
    delivered, failure = deliver(services, client, delivery_id)
    if delivered is None or delivered.ts is None or delivered.digest_id is None:
        if not retry_later:
            deliveries.update(delivery_id, state="abandoned")
            if failure is not None:
                raise failure
        raise DigestPending(f"the digest is not posted yet ({delivered.last_error if delivered else 'busy'});"
                            " the delivery job retries it")
    posted = PostedDigest(
        delivered.posted_channel or channel, delivered.ts, delivered.digest_id, len(digest.findings),
        delivered.replies_posted, len(scan.errors), delivered.csv_file_id,
    )
    if delivered.state == "pending":
        posted.problems.append(f"{delivered.last_error}; the running bot retries it")
    if settings.owner_dm:  # each owner's own items, same buttons, after the channel digest
        _, problems = post_owner_digests(client, scan, digest.findings, owners, settings.digest_max_items)
        posted.problems.extend(problems)
    return posted


def run_digest_job(services: Services, client: WebClient) -> None:
    """The scheduler's entry point: never raises into APScheduler (it would only log a trace)."""
    try:
        posted = post_digest(services, client)
    except DigestPending as pending:
        logger.warning("%s", pending)
        return
    except Exception:
        logger.exception("digest job failed")
        return
    if posted is not None:
        logger.info("digest posted to %s at %s: %s", posted.channel, posted.ts, plural(posted.findings, "finding"))


def digest_cli(services: Services, *, post: bool, fresh: bool = False) -> int:
    """`digest --dry-run` prints the Block Kit JSON; `digest --post` posts once now."""
    from bot.exit_codes import EXIT_OK, EXIT_SCAN_ERRORS, EXIT_UNEXPECTED, UsageError
    from bot.runtime.slack_client import SLACK_FAILURES, build_web_client, describe_failure
    from bot.scan.progress import scan_progress

    settings = services.settings
    if not post:
        with scan_progress(sys.stderr) as on_progress:
            scan = services.recent_scan(fresh=fresh, on_progress=on_progress)
        digest = build_for(services, scan, directory_for(settings, None))
        document = {"channel": settings.digest_channel, **digest.main.to_dict(), "thread": [m.to_dict() for m in digest.thread]}
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_SCAN_ERRORS if scan.errors else EXIT_OK
    missing = [n for n, v in (("SLACK_BOT_TOKEN", settings.slack_bot_token), ("SMBOT_DIGEST_CHANNEL", settings.digest_channel)) if not v]
    if missing:
        raise UsageError(f"digest --post needs {' and '.join(missing)} set")
    client = build_web_client(settings)
    try:
        with scan_progress(sys.stderr) as on_progress:
            posted = post_digest(
                services, client, retry_later=False, fresh=fresh, on_progress=on_progress
            )
    except OSError as exc:  # URLError and socket errors: offline, proxy, a wrong SLACK_API_URL
        reason = getattr(exc, "reason", None) or exc
        raise UsageError(
            f"cannot reach the Slack API at {client.base_url} ({reason}): check the network,"
            " the proxy variables or SLACK_API_URL"
        ) from None
    except SLACK_FAILURES as exc:
        print(f"sm-cost-bot: Slack refused the digest: {describe_failure(exc)[0]}", file=sys.stderr)
        return EXIT_UNEXPECTED
    if posted is None:
        print("nothing to flag; not posted (SMBOT_DIGEST_WHEN_EMPTY is off)")
        return EXIT_OK
    print(f"posted the digest to {posted.channel} (ts {posted.ts}): {plural(posted.findings, 'finding')},"
          f" {plural(posted.thread_replies, 'thread reply', 'thread replies')}")
    for problem in posted.problems:
        print(f"sm-cost-bot: {problem}", file=sys.stderr)
    return EXIT_SCAN_ERRORS if posted.scan_errors else EXIT_OK
