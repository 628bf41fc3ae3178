"""`sm-cost-bot audit [--days N] [--format table|csv|json]`: the audit trail for people outside
Slack. Reads the append-only `audit` table; writes to stdout."""

from __future__ import annotations

import csv
import json
import sys
from datetime import timedelta
from typing import TextIO

from bot.actions.models import AuditEntry
from bot.actions.store import RequestStore
from bot.services import Services

COLUMNS = (
    "at", "actor", "event", "request_id", "action", "resource_key", "from_state", "to_state",
    "outcome", "aws_request_id", "dry_run", "detail",
)


def recent_entries(services: Services, days: int) -> list[AuditEntry]:
    return RequestStore(services.store).audit_since(services.clock() - timedelta(days=days))


def _row(entry: AuditEntry) -> dict[str, object]:
    data = entry.model_dump(mode="json")
    return {column: data.get(column) for column in COLUMNS}


def write_csv(entries: list[AuditEntry], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for entry in entries:
        writer.writerow(_row(entry))


def write_json(entries: list[AuditEntry], out: TextIO) -> None:
    json.dump([_row(e) for e in entries], out, indent=2)
    out.write("\n")


def write_table(entries: list[AuditEntry], out: TextIO) -> None:
    from rich.table import Table

    from bot.terminal_tables import fit_to_width, terminal_console
    from reports.plurals import plural

    table = Table(title=f"Audit trail ({plural(len(entries), 'entry', 'entries')})")
    for column in ("at", "actor", "event", "request", "resource", "move", "outcome", "aws request id"):
        table.add_column(column)
    for e in entries:
        move = f"{e.from_state or ''} → {e.to_state or ''}" if e.from_state != e.to_state else (e.to_state or "")
        outcome = (e.outcome or "") + (" (dry run)" if e.dry_run else "")
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.event,
            f"#{e.request_id} {e.action or ''}" if e.request_id else (e.action or ""),
            e.resource_key or "", move, outcome if not e.detail else f"{outcome}: {e.detail}",
            e.aws_request_id or "",
        )
    terminal_console(out).print(fit_to_width(table))


def audit_cli(services: Services, days: int, fmt: str, out: TextIO | None = None) -> int:
    if days < 1:
        print("sm-cost-bot: --days must be at least 1", file=sys.stderr)
        return 2
    out = out or sys.stdout
    entries = recent_entries(services, days)
    {"csv": write_csv, "json": write_json}.get(fmt, write_table)(entries, out)
    return 0


UNVERIFIED_EVENT = "request-rejected"
SIGNATURE_MAX_AGE_SECONDS = 60 * 5  # Slack's own rule, also Bolt's


def _claimed(body: str) -> dict[str, str]:
    """What an unverified body says about itself: who, and which command or action. Untrusted,
    recorded only so a forged request leaves a trace that says what it tried."""
    from urllib.parse import parse_qsl

    fields = dict(parse_qsl(body, keep_blank_values=True))
    claimed = {"user": fields.get("user_id", ""), "what": fields.get("command", "")}
    if "payload" in fields:
        try:
            payload = json.loads(fields["payload"])
        except ValueError:
            return claimed
        if isinstance(payload, dict):
            claimed["user"] = str((payload.get("user") or {}).get("id", ""))
            actions = payload.get("actions") or [{}]
            claimed["what"] = str(actions[0].get("action_id") or payload.get("type", ""))
    return claimed


def record_rejected_request(services: Services, body: str, headers: dict[str, str]) -> None:
    """Audit a request whose Slack signature did not verify (forged, tampered or stale)."""
    now = services.clock()
    try:
        sent_at = int(headers.get("x-slack-request-timestamp", ""))
        stale = abs(now.timestamp() - sent_at) > SIGNATURE_MAX_AGE_SECONDS
    except ValueError:
        stale = True
    reason = "stale or missing timestamp" if stale else "signature does not match"
    claimed = _claimed(body[:10_000])
    RequestStore(services.store).audit(
        now=now,
        actor=f"unverified:{claimed['user'][:40] or 'unknown'}",
        event=UNVERIFIED_EVENT,
        action=claimed["what"][:80] or None,
        outcome="rejected",
        detail=f"Slack signature rejected: {reason}",
    )
