"""InService notebooks that run no auto-stop, offered in `/sm-idle` answers.

Auto-stop is worth installing on any notebook someone leaves running, not only on those already
idle for a day: `/sm-idle` lists, after its findings, the InService notebooks (matching its
filter) whose lifecycle configuration is not the bot's auto-stop, each with the two auto-stop
buttons. One ListNotebookInstances per account-region (the summaries carry the configuration
name); an account-region that cannot be listed is named, never shown as "nothing to offer".
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from bot.aws.notebook_fixes import has_auto_stop
from bot.aws.session import RegionClients, error_message
from bot.models import ResourceType
from bot.scan.scanners.idle_notebooks import get_in_service_notebooks
from bot.services import Services


class AutoStopOffer(BaseModel):
    key: str
    name: str
    account_id: str
    region: str
    instance_type: str | None = None
    lifecycle_config: str | None = None


class AutoStopOffers(BaseModel):
    offers: list[AutoStopOffer] = []
    unreadable: list[str] = []  # "account / region: why"


def find_offers(
    services: Services, matches: Callable[[str, str, str], bool], exclude: set[str]
) -> AutoStopOffers:
    """Notebooks (account, region, name) → `matches`, not in `exclude` (keys already shown)."""
    settings, result = services.settings, AutoStopOffers()
    for target in settings.account_targets():
        for region in settings.regions:
            try:
                account = services.clients.account_id(target, region)
                summaries = get_in_service_notebooks(RegionClients(services.clients, region, target)(
                    "sagemaker"
                ))
            except Exception as exc:
                who = target.account_id if target else "default account"
                result.unreadable.append(f"{who} / {region}: {error_message(exc)}")
                continue
            for nb in summaries:
                name, config = nb["NotebookInstanceName"], nb.get("NotebookInstanceLifecycleConfigName")
                key = f"{account}:{region}:{ResourceType.NOTEBOOK_INSTANCE}:{name}"
                if has_auto_stop(config) or key in exclude or not matches(account, region, name):
                    continue
                result.offers.append(AutoStopOffer(
                    key=key, name=name, account_id=account, region=region,
                    instance_type=nb.get("InstanceType"), lifecycle_config=config,
                ))
    result.offers.sort(key=lambda o: (o.account_id, o.region, o.name))
    return result
