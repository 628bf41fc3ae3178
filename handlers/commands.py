"""Slash commands: /sm-idle, /sm-endpoints, /sm-spot, /sm-savings, /sm-help (all ephemeral).

Each command acks at once (Slack allows 3 s) and does the scan in a lazy listener, which
answers through `respond()` (the command's response_url). Results come from
`services.recent_scan()`: a stored scan younger than SMBOT_CACHE_MINUTES, else one fresh,
single-flight scan shared by everyone asking at the same time.

The lazy listener hands the waiting to this module's own small pool and returns: Bolt runs acks
and lazy listeners on one executor, and fifty people waiting for the same scan would otherwise
hold every worker while the next command's ack waits past Slack's 3 s (Bolt then answers 404).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.actions.auto_stop_offers import find_offers
from bot.config import REGION
from bot.models import Finding, FindingKind, ScanResult
from bot.report.job import savings_summary
from bot.schedules.snoozes import split_snoozed
from bot.schedules.store import active_snoozes
from bot.services import Services
from reports.answers import listing, savings, usage_text
from reports.auto_stop_offers import offer_blocks
from reports.findings import MAX_BLOCKS
from reports.mrkdwn import escape

logger = logging.getLogger(__name__)

ACCOUNT_ID = re.compile(r"^\d{12}$")
FILTER_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
ANSWER_THREADS = 8  # answers waiting on one scan share it; more would only wait on the same lock


@dataclass(frozen=True)
class FindingFilter:
    """One word from the command: an account id, a region, or part of a resource name."""

    word: str = ""

    def matches(self, finding: Finding) -> bool:
        return self.matches_place(finding.account_id, finding.region, finding.name)

    def matches_place(self, account_id: str, region: str, name: str) -> bool:
        if not self.word:
            return True
        if ACCOUNT_ID.match(self.word):
            return account_id == self.word
        if REGION.match(self.word):
            return region == self.word
        return self.word.lower() in name.lower()


class BadArguments(ValueError):
    """What the user typed is not a filter: they get the usage text."""


def parse_filter(text: str) -> FindingFilter:
    words = (text or "").split()
    if not words:
        return FindingFilter()
    if len(words) > 1:
        raise BadArguments(f"Expected at most one filter word, got {len(words)}: `{' '.join(words)[:100]}`.")
    word = words[0]
    if word.lower() == "help" or not FILTER_WORD.match(word):
        raise BadArguments(f"`{word[:100]}` is not a filter." if word.lower() != "help" else "")
    return FindingFilter(word)


@dataclass(frozen=True)
class Listing:
    title: str
    kinds: tuple[FindingKind, ...]
    working: str


LISTINGS: dict[str, Listing] = {
    "/sm-idle": Listing(
        "Idle notebooks and Studio apps",
        (FindingKind.IDLE_NOTEBOOK, FindingKind.IDLE_STUDIO_APP, FindingKind.STUDIO_IDLE_SHUTDOWN_OFF,
         FindingKind.OVERSIZED_NOTEBOOK, FindingKind.STALE_STOPPED_NOTEBOOK,
         FindingKind.IDLE_CANVAS_APP, FindingKind.IDLE_WARM_POOL),
        "Looking for idle notebooks and Studio apps…",
    ),
    "/sm-endpoints": Listing(
        "Endpoints: unused, intermittent and over-provisioned",
        (
            FindingKind.UNUSED_ENDPOINT,
            FindingKind.INTERMITTENT_ENDPOINT,
            FindingKind.ORPHANED_ENDPOINT,
            FindingKind.IDLE_ASYNC_ENDPOINT,
            # Endpoints that do serve traffic, at a cost the hosting advice can cut.
            FindingKind.OVERPROVISIONED_ENDPOINT,
            FindingKind.ENDPOINT_WITHOUT_AUTOSCALING,
            FindingKind.SERVERLESS_CANDIDATE,
            FindingKind.MULTI_MODEL_CANDIDATE,
            FindingKind.INFERENTIA_CANDIDATE,
        ),
        "Looking for unused endpoints…",
    ),
    "/sm-spot": Listing(
        "Training jobs that could use Spot",
        (FindingKind.SPOT_ELIGIBLE_TRAINING_JOB,),
        "Looking for training jobs that could use Spot…",
    ),
}


def _ephemeral(text: str, blocks: list[Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"response_type": "ephemeral", "text": text}
    if blocks is not None:
        answer["blocks"] = [b.to_dict() for b in blocks]
    return answer


def _ack_with(working: str) -> Callable[..., None]:
    def ack_command(ack: Ack, command: dict[str, Any]) -> None:
        try:
            parse_filter(command.get("text", ""))
        except BadArguments as exc:
            ack(**_ephemeral(usage_text(str(exc) or None)))
            return
        ack(**_ephemeral(f":hourglass_flowing_sand: {working}"))

    return ack_command


def _answer_safely(
    name: str,
    work: Callable[[dict[str, Any]], dict[str, Any]],
    pool: Executor,
    ticket: Callable[[], int],
) -> Callable[..., None]:
    """The lazy half: never lets a trace reach the user; a failure is an apology with a ref.

    The scan ticket is taken when the command arrives, not when a pool thread picks it up: a
    burst queued behind a few answer threads is answered by the scan that was running when it
    arrived, not by one new scan per batch.
    """

    def answer(command: dict[str, Any], respond: Respond) -> None:
        try:
            word = parse_filter(command.get("text", ""))
        except BadArguments:
            return  # the ack already showed the usage
        pool.submit(_run, word, command, respond, ticket())

    def _run(word: FindingFilter, command: dict[str, Any], respond: Respond, ticket: int) -> None:
        try:
            reply = work({"filter": word, "user": command.get("user_id"), "ticket": ticket})
        except Exception:
            ref = uuid.uuid4().hex[:8]
            logger.exception("%s failed (ref %s)", name, ref)
            reply = _ephemeral(f"Sorry, {name} failed (ref {ref}). The bot's logs have the details.")
        try:
            respond(**reply, replace_original=False)
        except Exception:
            logger.exception("%s: could not deliver the answer", name)

    answer.__name__ = answer.__qualname__ = f"answer_{name.strip('/').replace('-', '_')}"
    return answer


def register(app: App, services: Services) -> None:
    settings = services.settings
    pool = ThreadPoolExecutor(max_workers=ANSWER_THREADS, thread_name_prefix="sm-answers")

    def matching(scan: ScanResult, word: FindingFilter, kinds: tuple[FindingKind, ...] | None) -> tuple[list[Finding], list[Finding]]:
        """(visible, snoozed) findings of these kinds that match the filter."""
        found = [f for f in scan.findings if (kinds is None or f.kind in kinds) and word.matches(f)]
        now = services.clock()
        return split_snoozed(found, active_snoozes(services.store, now), now)

    def list_kinds(spec: Listing) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def work(request: dict[str, Any]) -> dict[str, Any]:
            scan = services.recent_scan(ticket=request["ticket"])
            word: FindingFilter = request["filter"]
            found, snoozed = matching(scan, word, spec.kinds)
            title = spec.title + (f" matching `{escape(word.word)}`" if word.word else "")
            text, blocks = listing(
                title,
                found,
                scan,
                owner_tag_keys=settings.owner_tag_keys,
                max_items=settings.digest_max_items,
                snoozed=snoozed,
            )
            if FindingKind.IDLE_NOTEBOOK in spec.kinds:
                # Auto-stop is worth installing on any running notebook, idle yet or not.
                offers = find_offers(services, word.matches_place, {f.key for f in found})
                extra = offer_blocks(offers.offers, offers.unreadable, MAX_BLOCKS - len(blocks))
                blocks = blocks[:-1] + extra + blocks[-1:]  # the scan's footer stays last
            return _ephemeral(text, blocks)

        return work

    def savings_work(request: dict[str, Any]) -> dict[str, Any]:
        scan = services.recent_scan(ticket=request["ticket"])
        word: FindingFilter = request["filter"]
        found, snoozed = matching(scan, word, None)
        text, blocks = savings(found, scan, word.word, snoozed)
        return _ephemeral(text, blocks + savings_summary(services, scan))

    for name, spec in LISTINGS.items():
        app.command(name)(ack=_ack_with(spec.working), lazy=[_answer_safely(name, list_kinds(spec), pool, services.scan_ticket)])
    app.command("/sm-savings")(
        ack=_ack_with("Adding up the savings…"), lazy=[_answer_safely("/sm-savings", savings_work, pool, services.scan_ticket)]
    )

    def help_command(ack: Ack) -> None:
        ack(**_ephemeral(usage_text()))

    app.command("/sm-help")(help_command)
