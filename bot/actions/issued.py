"""Only what the bot issued is honoured.

A button value and a modal's `private_metadata` travel through the user's Slack client: Slack
signs the request, not its content, so anyone in the workspace can send a click whose value names
any account, region or resource, or a view submission for a modal the bot never opened. So:

- a resource named by a button must be one the bot reported (a stored finding), in an account and
  a region it is configured for (`key_refusal`);
- a view submission must carry a token the bot issued when it opened that modal, for the same
  user, modal and resource, used once (`issue_view` / `redeem_view`).

Every refusal is a sentence for the clicker and an audit row (`refuse`).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlite_utils import Database, Migrations

from bot.actions.models import ResourceKey
from bot.actions.store import RequestStore, iso
from bot.config import Settings
from bot.models import Finding, SavingsBasis
from bot.services import Services
from bot.storage.migrations import register
from bot.storage.store import Store

# A modal left open longer than this is stale: its resource may have changed. Slack itself keeps
# a view for hours; a day covers a modal opened before lunch and submitted after a meeting.
VIEW_TOKEN_TTL = timedelta(hours=24)
TOKEN_BYTES = 18  # 24 URL-safe characters, unguessable

issued_migrations = register(Migrations("sm-cost-bot-issued"))


@issued_migrations()
def m001_issued_views(db: Database) -> None:
    db["issued_views"].create(
        {"token": str, "user_id": str, "callback_id": str, "resource_key": str, "issued_at": str, "used_at": str},
        pk="token",
    )


def key_refusal(settings: Settings, key: ResourceKey, finding: Finding | None) -> str | None:
    """Why a button naming `key` is not honoured (None: it is). Pure."""
    if key.region not in settings.regions:
        return f"This bot does not watch region {key.region}, so it will not act there."
    configured = {target.account_id for target in settings.accounts}
    if configured and key.account_id not in configured:
        return f"This bot does not watch account {key.account_id}, so it will not act there."
    if finding is None:
        return "The bot has not reported that resource, so it will not act on it: use a button from a digest or an answer."
    return None


def weak_evidence_refusal(finding: Finding | None, destructive: bool, on_request: bool) -> str | None:
    """Why a Stop/Delete on a finding whose evidence is too weak to count is not honoured from a
    channel message (a digest, or one posted before such buttons were left out of it). The same
    button in an answer the clicker asked for (ephemeral, whose confirm warned first) is. Pure."""
    if finding is None or not destructive or on_request:
        return None
    if finding.savings_basis != SavingsBasis.WEAK_EVIDENCE:
        return None
    return (
        f"The evidence that {finding.name} is idle is weak, so it is not acted on from a channel"
        " message: ask for it with /sm-idle, whose button warns you first."
    )


def refuse(services: Services, user: str, event: str, reason: str, resource_key: str | None = None) -> str:
    """Record the refusal in the audit trail and return the reason, for the clicker."""
    RequestStore(services.store).audit(
        now=services.clock(), actor=user, event=event, resource_key=(resource_key or "")[:300] or None,
        outcome="refused", detail=reason,
    )
    return reason


def issue_view(store: Store, user: str, callback_id: str, resource_key: str, now: datetime) -> str:
    """A token for the modal the bot is about to open; goes into its `private_metadata`."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    store.db["issued_views"].insert(
        {"token": token, "user_id": user, "callback_id": callback_id, "resource_key": resource_key,
         "issued_at": iso(now), "used_at": None}
    )
    return token


def redeem_view(
    store: Store, token: str, user: str, callback_id: str, resource_key: str, now: datetime, *, spend: bool = True
) -> str | None:
    """Check the token of a submitted modal and, with `spend`, use it up (None: honoured), or say
    why it is refused. Check without spending before validating the form, so that a user who
    fixes a field can submit again; spend just before saving.

    Spending is one conditional UPDATE, so two submissions of one modal cannot both pass.
    """
    where = (
        "token = ? AND user_id = ? AND callback_id = ? AND resource_key = ? AND used_at IS NULL"
        " AND issued_at >= ?"
    )
    params = [token, user, callback_id, resource_key, iso(now - VIEW_TOKEN_TTL)]
    if spend:
        matched = store.db.execute(f"UPDATE issued_views SET used_at = ? WHERE {where}", [iso(now), *params]).rowcount
        store.db.conn.commit()
    else:
        matched = store.db.execute(f"SELECT count(*) FROM issued_views WHERE {where}", params).fetchone()[0]
    if matched == 1:
        return None
    return "The bot did not open this form for you, or it was already submitted or is too old: open it again from its button."
