"""Which credentials act: the action role, never the scan's read role unless told so.

Scans read with `SMBOT_ACCOUNTS` (a read-only role per account, or the ambient credentials).
Actions (stop, start, delete, restore, schedule firings) assume an action role in the resource's
own account: `SMBOT_ACTION_ROLES` names them explicitly (one ARN per account), or
`SMBOT_ACTION_ROLE_NAME` gives the role's name in every account. Only with
`SMBOT_ACT_WITH_SCAN_IDENTITY=true` does the bot act with the identity it scans with — one
credential that can both read everything and change things is what the two roles avoid.
"""

from __future__ import annotations

from bot.actions.models import ResourceKey
from bot.aws.session import RegionClients
from bot.config import AccountTarget, Settings
from bot.services import Services


class NoActionRole(LookupError):
    """No role is configured to act in this account."""


def read_clients_for(services: Services, key: ResourceKey) -> RegionClients:
    """Clients of the scan identity for the resource's account and region (AssumeRole of the
    read role when SMBOT_ACCOUNTS is set): for lookups, never for changes."""
    targets = services.settings.account_targets()
    if targets == [None]:
        return RegionClients(services.clients, key.region, None)
    for target in targets:
        if target is not None and target.account_id == key.account_id:
            return RegionClients(services.clients, key.region, target)
    raise LookupError(f"account {key.account_id} is not in SMBOT_ACCOUNTS")


def action_target(settings: Settings, account_id: str) -> AccountTarget | None:
    """The role to act with in `account_id`; None when acting with the scan identity is allowed
    and no action role is configured. NoActionRole otherwise."""
    for target in settings.action_roles:
        if target.account_id == account_id:
            return target
    if settings.action_role_name:
        partition = next(
            (t.role_arn.split(":")[1] for t in settings.accounts if t.account_id == account_id), "aws"
        )
        return AccountTarget(
            role_arn=f"arn:{partition}:iam::{account_id}:role/{settings.action_role_name}",
            external_id=settings.external_id,
        )
    if settings.act_with_scan_identity:
        return None
    raise NoActionRole(
        f"no action role for account {account_id}: set SMBOT_ACTION_ROLE_NAME (the role's name in"
        " each account) or SMBOT_ACTION_ROLES, or SMBOT_ACT_WITH_SCAN_IDENTITY=true to act with"
        " the scan's credentials"
    )


def action_clients_for(services: Services, key: ResourceKey) -> RegionClients:
    """Clients that may change the resource: the action role of its account."""
    target = action_target(services.settings, key.account_id)
    if target is None:
        return read_clients_for(services, key)
    return RegionClients(services.clients, key.region, target)
