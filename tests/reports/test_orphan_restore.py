"""An orphaned endpoint's configuration was deleted before the endpoint: once it is deleted too
there is nothing to restore from, so its result offers no Restore button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.actions.models import ActionKind, ActionRequest, RequestState
from bot.actions.request_params import params_for
from bot.models import FindingKind
from reports.ids import ActionId
from reports.requests import offers_restore, request_blocks
from tests.fakes.findings import finding

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
EP = "123456789012:us-east-1:endpoint:ep-1"


def deleted(params: dict) -> ActionRequest:
    return ActionRequest(
        id=7, action=ActionKind.DELETE_ENDPOINT, resource_key=EP, requester="UREQ",
        state=RequestState.SUCCEEDED, created_at=NOW, expires_at=NOW + timedelta(hours=24),
        updated_at=NOW, params=params,
    )


def action_ids(blocks) -> list[str]:
    return [e.action_id for b in blocks if b.type == "actions" for e in b.elements]


def test_a_delete_requested_from_an_orphaned_endpoint_finding_is_marked_not_restorable():
    assert params_for(finding("ep-1", kind=FindingKind.ORPHANED_ENDPOINT)) == {"restorable": False}


def test_an_unused_endpoint_finding_adds_no_restore_flag():
    assert params_for(finding("ep-1", kind=FindingKind.UNUSED_ENDPOINT)) == {}


def test_a_deleted_orphaned_endpoint_offers_no_restore_button():
    request = deleted(params_for(finding("ep-1", kind=FindingKind.ORPHANED_ENDPOINT)))
    assert offers_restore(request) is False
    assert ActionId.RESTORE not in action_ids(request_blocks(request, [], 1))


def test_a_deleted_unused_endpoint_still_offers_restore():
    assert action_ids(request_blocks(deleted({}), [], 1)) == [ActionId.RESTORE]
