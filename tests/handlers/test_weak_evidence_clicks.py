"""A Stop/Delete on a finding whose evidence is too weak to count is honoured only from an answer
the clicker asked for (/sm-idle, ephemeral, whose confirm warned), never from a channel message,
even a digest posted before such buttons were left out of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.actions.issued import weak_evidence_refusal
from bot.actions.store import RequestStore
from bot.models import FindingKind, SavingsBasis, ScanResult
from reports.ids import ActionId
from tests.fakes.findings import finding

APP = "d-1/alice-space/JupyterLab/default"
KEY = f"123456789012:us-east-1:studio-app:{APP}"


def studio_app(basis: SavingsBasis = SavingsBasis.WEAK_EVIDENCE):
    return finding(APP, kind=FindingKind.IDLE_STUDIO_APP, savings_basis=basis)


def test_a_delete_from_a_channel_message_on_weak_evidence_is_refused_and_audited(
    bolt_app, signed, slack_api, services
):
    services.store.save_scan(ScanResult(generated_at=datetime.now(UTC), regions=["us-east-1"],
                                        accounts=["123456789012"], findings=[studio_app()]))
    assert studio_app().key == KEY

    response = bolt_app.dispatch(signed.click(ActionId.DELETE, KEY, user="UREQUESTER").bolt_request())

    assert response.status == 200
    [said] = slack_api.wait_for("chat.postEphemeral")
    assert said.params["text"] == (
        f":no_entry_sign: The evidence that {APP} is idle is weak, so it is not acted on from a"
        " channel message: ask for it with /sm-idle, whose button warns you first."
    )
    assert services.store.db["action_requests"].count == 0
    entries = RequestStore(services.store).audit_since(services.clock() - timedelta(hours=1))
    assert [(e.event, e.actor, e.outcome) for e in entries] == [("click-refused", "UREQUESTER", "refused")]


@pytest.mark.parametrize(
    ("basis", "destructive", "on_request", "refused"),
    [
        (SavingsBasis.WEAK_EVIDENCE, True, False, True),  # a digest's (or an old digest's) Delete
        (SavingsBasis.WEAK_EVIDENCE, True, True, False),  # /sm-idle's warned Delete
        (SavingsBasis.WEAK_EVIDENCE, False, False, False),  # Snooze and the like
        (SavingsBasis.MONTHLY, True, False, False),  # confident findings keep their buttons
    ],
    ids=["weak-from-channel", "weak-on-request", "not-destructive", "confident"],
)
def test_weak_evidence_refusal_rule(basis, destructive, on_request, refused):
    said = weak_evidence_refusal(studio_app(basis), destructive=destructive, on_request=on_request)
    assert (said is not None) == refused
