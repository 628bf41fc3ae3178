"""Post the digest: scan (cached ≤ SMBOT_CACHE_MINUTES), build, post, thread the overflow,
attach the full CSV, and record which message holds which finding.

Run by the scheduler's cron job and by `sm-cost-bot digest --post` / `--dry-run`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digest.store import DigestItem, last_post, record_csv, record_items, record_post
from bot.models import ScanResult
from bot.owners.directory import OwnerDirectory, directory_for
from bot.owners.dm import post_owner_digests
from bot.schedules.snoozes import split_snoozed
from bot.schedules.store import active_snoozes
from bot.services import Services
from reports.csv_export import findings_csv
from reports.digest import Digest, DigestMessage, build_digest, limit_violations
from reports.findings import item_block_id

logger = logging.getLogger(__name__)


class DigestNotConfigured(ValueError):
    """A setting the digest needs is missing: one line naming it."""


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
    if last is not None:
        previous = last["est_monthly_savings_usd"]
    elif scan.scan_id is not None:
        previous = store.previous_savings_usd(scan.scan_id)
    else:
        previous = None
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


def _items(message: DigestMessage, scan_id: int | None, channel: str, ts: str, thread_ts: str | None) -> list[DigestItem]:
    return [
        DigestItem(
            finding_key=f.key,
            scan_id=scan_id,
            channel=channel,
            ts=ts,
            thread_ts=thread_ts,
            block_id=item_block_id(f),
        )
        for f in message.findings
    ]


def post_digest(
    services: Services,
    client: WebClient,
    *,
    channel: str | None = None,
    fresh: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> PostedDigest | None:
    """Post once now. None when there is nothing to say and SMBOT_DIGEST_WHEN_EMPTY is off.

    Errors before the main post raise; after it, thread/CSV failures are logged and returned in
    `problems` (the digest is already visible, so the job must not look like it failed to post).
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
    _check(digest.main)
    response = client.chat_postMessage(
        channel=channel, text=digest.main.text, blocks=digest.main.to_dict()["blocks"], unfurl_links=False
    )
    channel_id, ts = response["channel"], response["ts"]
    total = sum(f.est_monthly_savings_usd or 0.0 for f in digest.findings if not f.protected)
    digest_id = record_post(
        services.store,
        scan_id=scan.scan_id,
        channel=channel_id,
        ts=ts,
        finding_count=len(digest.findings),
        est_monthly_savings_usd=round(total, 2),
        now=services.clock(),
    )
    record_items(services.store, digest_id, _items(digest.main, scan.scan_id, channel_id, ts, None))
    posted = PostedDigest(channel_id, ts, digest_id, len(digest.findings), 0, len(scan.errors))
    try:
        for reply in digest.thread:
            _check(reply)
            answer = client.chat_postMessage(
                channel=channel_id, thread_ts=ts, text=reply.text, blocks=reply.to_dict()["blocks"]
            )
            record_items(services.store, digest_id, _items(reply, scan.scan_id, channel_id, answer["ts"], ts))
            posted.thread_replies += 1
    except SlackApiError as exc:
        logger.error("digest thread reply failed: %s", exc.response.get("error"))
        posted.problems.append(f"thread reply failed: {exc.response.get('error')}")
    if digest.needs_csv:
        day = scan.generated_at.astimezone(settings.tz).date().isoformat()
        try:
            upload = client.files_upload_v2(
                channel=channel_id,
                thread_ts=ts,
                content=findings_csv(digest.findings, settings.owner_tag_keys),
                filename=f"sagemaker-waste-{day}.csv",
                title=f"SageMaker waste {day}: all {len(digest.findings)} findings",
            )
            files = upload.get("files") or [upload.get("file") or {}]
            posted.csv_file_id = files[0].get("id")
            record_csv(services.store, digest_id, posted.csv_file_id)
        except SlackApiError as exc:
            logger.error("digest CSV upload failed: %s", exc.response.get("error"))
            posted.problems.append(f"CSV upload failed: {exc.response.get('error')}")
    if settings.owner_dm:  # each owner's own items, same buttons, after the channel digest
        _, problems = post_owner_digests(client, scan, digest.findings, owners, settings.digest_max_items)
        posted.problems.extend(problems)
    return posted


def run_digest_job(services: Services, client: WebClient) -> None:
    """The scheduler's entry point: never raises into APScheduler (it would only log a trace)."""
    try:
        posted = post_digest(services, client)
    except Exception:
        logger.exception("digest job failed")
        return
    if posted is not None:
        logger.info("digest posted to %s at %s: %d findings", posted.channel, posted.ts, posted.findings)


def digest_cli(services: Services, *, post: bool, fresh: bool = False) -> int:
    """`digest --dry-run` prints the Block Kit JSON; `digest --post` posts once now."""
    from bot.exit_codes import EXIT_OK, EXIT_SCAN_ERRORS, EXIT_UNEXPECTED, UsageError
    from bot.runtime.slack_client import build_web_client
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
    try:
        client = build_web_client(settings)
        with scan_progress(sys.stderr) as on_progress:
            posted = post_digest(services, client, fresh=fresh, on_progress=on_progress)
    except SlackApiError as exc:
        print(f"sm-cost-bot: Slack refused the digest: {exc.response.get('error')}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except OSError as exc:  # URLError and socket errors: offline, proxy, a wrong SLACK_API_URL
        reason = getattr(exc, "reason", None) or exc
        raise UsageError(
            f"cannot reach the Slack API at {client.base_url} ({reason}): check the network,"
            " the proxy variables or SLACK_API_URL"
        ) from None
    if posted is None:
        print("nothing to flag; not posted (SMBOT_DIGEST_WHEN_EMPTY is off)")
        return EXIT_OK
    print(f"posted the digest to {posted.channel} (ts {posted.ts}): {posted.findings} findings, {posted.thread_replies} thread replies")
    for problem in posted.problems:
        print(f"sm-cost-bot: {problem}", file=sys.stderr)
    return EXIT_SCAN_ERRORS if posted.scan_errors else EXIT_OK
