"""Low-confidence findings (SavingsBasis.WEAK_EVIDENCE): no Delete in the digest, a warned Delete
on request (/sm-idle), and the Studio confirm dialog says what deleting an app loses."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.models import FindingKind, SavingsBasis, ScanResult
from reports.answers import listing
from reports.digest import build_digest
from reports.findings import buttons
from reports.ids import ActionId
from tests.fakes.findings import finding

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def studio_app(basis: SavingsBasis = SavingsBasis.WEAK_EVIDENCE):
    return finding("d-1/alice-space/JupyterLab/default", kind=FindingKind.IDLE_STUDIO_APP,
                   savings_basis=basis)


def action_ids(blocks) -> list[str]:
    return [e["action_id"] for b in blocks for e in b.to_dict().get("elements", [])
            if "action_id" in e]


def confirm_text(button) -> str:
    return button.to_dict()["confirm"]["text"]["text"]


def test_a_low_confidence_app_is_offered_no_delete_in_the_digest():
    scan = ScanResult(generated_at=NOW, findings=[studio_app()])
    digest = build_digest(scan, previous_savings_usd=None)
    assert action_ids(digest.main.blocks) == [ActionId.SNOOZE]


def test_a_low_confidence_app_is_offered_delete_on_request_with_a_warning():
    scan = ScanResult(generated_at=NOW, findings=[studio_app()])
    _, blocks = listing("Idle", scan.findings, scan, owner_tag_keys=("owner",), max_items=5)
    assert action_ids(blocks) == [ActionId.DELETE, ActionId.SNOOZE]
    [delete] = [b for b in buttons(studio_app(), on_request=True) if b.action_id == ActionId.DELETE]
    assert confirm_text(delete).startswith(":warning: Low confidence: it may be in use.")


def test_a_confident_app_keeps_its_delete_in_the_digest_without_the_warning():
    [delete, _] = buttons(studio_app(SavingsBasis.MONTHLY))
    assert delete.action_id == ActionId.DELETE
    assert "Low confidence" not in confirm_text(delete)


def test_the_studio_delete_confirm_says_kernels_and_unsaved_work_are_lost():
    [delete, _] = buttons(studio_app(SavingsBasis.MONTHLY))
    assert "running kernels and unsaved work are lost" in confirm_text(delete)
