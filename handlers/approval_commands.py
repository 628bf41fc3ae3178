"""/sm-approvals (requests the caller may approve) and /sm-audit [days] (recent actions): both
ephemeral, acked at once, answered from a lazy listener through the command's response_url."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.actions import approvals
from bot.actions.audit import recent_entries
from bot.actions.models import RequestState
from bot.actions.store import RequestStore
from bot.services import Services
from handlers.approvers import ApproverDirectory
from reports.requests import audit_blocks, pending_blocks

logger = logging.getLogger(__name__)

AUDIT_DEFAULT_DAYS = 7
AUDIT_MAX_DAYS = 90
AUDIT_USAGE = f"Usage: `/sm-audit [days]` — days from 1 to {AUDIT_MAX_DAYS} (default {AUDIT_DEFAULT_DAYS})."


def parse_days(text: str) -> int | None:
    """`''` → the default; a whole number 1..90 → it; anything else → None (show usage)."""
    word = (text or "").strip()
    if not word:
        return AUDIT_DEFAULT_DAYS
    if not word.isdigit():
        return None
    days = int(word)
    return days if 1 <= days <= AUDIT_MAX_DAYS else None


def _ephemeral(respond: Respond, text: str, blocks: list[Any] | None = None) -> None:
    respond(
        text=text,
        blocks=[b.to_dict() for b in blocks] if blocks else None,
        response_type="ephemeral",
        replace_original=False,
    )


def register(app: App, services: Services, directory: ApproverDirectory) -> None:
    requests = RequestStore(services.store)

    def ack_approvals(ack: Ack) -> None:
        ack(response_type="ephemeral", text="Looking for requests you can approve…")

    def list_pending(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user = body["user_id"]
        approvers = directory.approvers(client)
        now = services.clock()
        mine, votes = [], {}
        for request in requests.in_states(RequestState.REQUESTED):
            votes[request.id] = requests.votes(request.id)
            decision = approvals.may_approve(
                request, user, approvers, services.settings, now, votes[request.id]
            )
            if decision.allowed:
                mine.append(request)
        text, blocks = pending_blocks(mine, services.settings.required_approvals, votes)
        _ephemeral(respond, text, blocks)

    def ack_audit(ack: Ack, body: dict[str, Any]) -> None:
        if parse_days(body.get("text", "")) is None:
            ack(response_type="ephemeral", text=AUDIT_USAGE)
        else:
            ack(response_type="ephemeral", text="Reading the audit trail…")

    def show_audit(body: dict[str, Any], respond: Respond) -> None:
        days = parse_days(body.get("text", ""))
        if days is None:
            return
        text, blocks = audit_blocks(recent_entries(services, days), days)
        _ephemeral(respond, text, blocks)

    app.command("/sm-approvals")(ack=ack_approvals, lazy=[list_pending])
    app.command("/sm-audit")(ack=ack_audit, lazy=[show_audit])
