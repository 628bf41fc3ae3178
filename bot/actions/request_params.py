"""What a request carries beyond its resource key, and what a done request says.

Kept apart from the executor so that each action family (hosting, notebook fixes) adds its own
parameters and wording in its own module, and the executor stays the one claim/re-read/act path.
"""

from __future__ import annotations

from typing import Any

from bot.actions import fix_steps, hosting_params
from bot.actions.models import ActionKind, ActionRequest
from bot.models import Finding, FindingKind, ResourceType


def params_for(finding: Finding | None) -> dict[str, Any]:
    """API parameters the finding knows and its name does not (a Studio app's owner kind, a
    hosting finding's variant and advice), and what its result may offer: an orphaned endpoint
    has no configuration to restore from."""
    if finding is not None and finding.kind in hosting_params.HOSTING_ACTION_KINDS:
        return hosting_params.hosting_params(finding)
    if finding is not None and finding.kind is FindingKind.ORPHANED_ENDPOINT:
        return {"restorable": False}
    if finding is None or finding.resource_type is not ResourceType.STUDIO_APP:
        return {}
    evidence = finding.evidence
    params = {
        "DomainId": evidence.get("domain_id"),
        "AppType": evidence.get("app_type"),
        "AppName": finding.name.rsplit("/", 1)[-1],
    }
    if evidence.get("space"):
        params["SpaceName"] = evidence["space"]
    elif evidence.get("user_profile"):
        params["UserProfileName"] = evidence["user_profile"]
    return {k: v for k, v in params.items() if v}


def done_message(request: ActionRequest, state_before: str = "") -> str:
    """What a done request says; `state_before` is the resource's state before the action."""
    name = request.key.name
    return {
        ActionKind.STOP_NOTEBOOK: f"stopped notebook {name}",
        ActionKind.START_NOTEBOOK: f"started notebook {name}",
        ActionKind.DELETE_ENDPOINT: f"deleted endpoint {name} (configuration saved)",
        ActionKind.DELETE_STUDIO_APP: f"deleted Studio app {name}",
        ActionKind.RESTORE_ENDPOINT: f"restored endpoint {name} from its saved configuration",
    }.get(request.action) or hosting_params.done_message(request) or fix_steps.done_message(
        request, state_before
    )
