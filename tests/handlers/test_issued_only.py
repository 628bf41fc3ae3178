"""Only what the bot issued is honoured: a button must name a resource the bot reported, in an
account and region it watches; a modal submission must bring back the token the bot issued when
it opened that modal, for that user and resource, once. Refusals are ephemeral and audited, and
nothing reaches AWS or the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.actions.issued import issue_view
from bot.actions.store import RequestStore
from bot.config import Settings
from bot.models import ScanResult
from bot.schedules.store import active_snoozes
from reports.ids import ActionId, CallbackId
from reports.modals import metadata
from tests.fakes.findings import finding

ACCOUNT, REGION = "123456789012", "us-east-1"
NB_KEY = f"{ACCOUNT}:{REGION}:notebook-instance:nb-1"
USER, OTHER = "UREQUESTER", "UOTHER"


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    extra = getattr(request, "param", {})
    return Settings(db_path=tmp_path / "bot.db", regions=[REGION], approvers=["UAPPROVER1"], **extra)


@pytest.fixture
def reported(services) -> None:
    services.store.save_scan(ScanResult(generated_at=datetime.now(UTC), regions=[REGION], accounts=[ACCOUNT],
                                        findings=[finding("nb-1")]))


def refusals(services, event: str) -> list:
    entries = RequestStore(services.store).audit_since(services.clock() - timedelta(hours=1))
    return [e for e in entries if e.event == event]


def click(bolt_app, signed, action: ActionId, value: str) -> int:
    return bolt_app.dispatch(signed.click(action, value, user=USER).bolt_request()).status


def test_a_button_naming_another_account_and_region_is_refused(bolt_app, signed, slack_api, services, reported):
    value = "999999999999:eu-west-1:notebook-instance:nb-1"

    assert click(bolt_app, signed, ActionId.STOP, value) == 200

    [said] = slack_api.wait_for("chat.postEphemeral")
    assert said.params["text"] == ":no_entry_sign: This bot does not watch region eu-west-1, so it will not act there."
    assert services.store.db["action_requests"].count == 0
    [entry] = refusals(services, "click-refused")
    assert (entry.actor, entry.resource_key, entry.outcome) == (USER, value, "refused")


@pytest.mark.parametrize("settings", [{"accounts": [f"arn:aws:iam::{ACCOUNT}:role/read"]}], indirect=True)
def test_a_button_naming_an_unwatched_account_is_refused(bolt_app, signed, slack_api, services, reported):
    value = f"999999999999:{REGION}:notebook-instance:nb-1"

    click(bolt_app, signed, ActionId.STOP, value)

    assert slack_api.wait_for("chat.postEphemeral")[0].params["text"] == (
        ":no_entry_sign: This bot does not watch account 999999999999, so it will not act there."
    )
    assert services.store.db["action_requests"].count == 0


def test_a_button_naming_a_resource_the_bot_never_reported_is_refused(bolt_app, signed, slack_api, services, reported):
    value = f"{ACCOUNT}:{REGION}:notebook-instance:never-reported"

    click(bolt_app, signed, ActionId.STOP, value)

    assert slack_api.wait_for("chat.postEphemeral")[0].params["text"] == (
        ":no_entry_sign: The bot has not reported that resource, so it will not act on it:"
        " use a button from a digest or an answer."
    )
    assert services.store.db["action_requests"].count == 0
    assert len(refusals(services, "click-refused")) == 1


def test_a_snooze_button_for_an_unreported_resource_opens_no_modal(bolt_app, signed, slack_api, services):
    click(bolt_app, signed, ActionId.SNOOZE, NB_KEY)

    assert "has not reported" in slack_api.wait_for("chat.postEphemeral")[0].params["text"]
    assert slack_api.calls_to("views.open") == []


def snooze_forever(signed, private_metadata: str, user: str = USER):
    values = {"choice": {"choice": {"type": "radio_buttons", "selected_option": {"value": "date"}}},
              "date": {"date": {"type": "datepicker", "selected_date": "9999-12-31"}}}
    return signed.view_submission(CallbackId.SNOOZE_MODAL.value, values, user=user, private_metadata=private_metadata)


def submit(bolt_app, request) -> dict:
    response = bolt_app.dispatch(request.bolt_request())
    assert response.status == 200
    return json.loads(response.body) if response.body else {}


def test_a_submission_for_a_modal_the_bot_never_opened_is_refused(bolt_app, signed, services, reported):
    answer = submit(bolt_app, snooze_forever(signed, metadata(NB_KEY, "C0TEST")))

    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"choice": (
        "The bot did not open this form for you, or it was already submitted or is too old:"
        " open it again from its button."
    )}
    assert active_snoozes(services.store, datetime.now(UTC)) == []
    [entry] = refusals(services, "view-refused")
    assert (entry.actor, entry.resource_key) == (USER, NB_KEY)


def test_a_token_issued_to_someone_else_is_refused(bolt_app, signed, services, reported):
    token = issue_view(services.store, OTHER, CallbackId.SNOOZE_MODAL.value, NB_KEY, services.clock())

    answer = submit(bolt_app, snooze_forever(signed, metadata(NB_KEY, "C0TEST", token=token)))

    assert answer["response_action"] == "errors"
    assert active_snoozes(services.store, datetime.now(UTC)) == []


def test_a_token_issued_for_another_resource_is_refused(bolt_app, signed, services, reported):
    token = issue_view(services.store, USER, CallbackId.SNOOZE_MODAL.value, f"{ACCOUNT}:{REGION}:notebook-instance:nb-2",
                       services.clock())

    answer = submit(bolt_app, snooze_forever(signed, metadata(NB_KEY, "C0TEST", token=token)))

    assert answer["response_action"] == "errors"


def test_the_modal_the_bot_opened_is_honoured_once(bolt_app, signed, slack_api, services, reported):
    click(bolt_app, signed, ActionId.SNOOZE, NB_KEY)
    opened = slack_api.wait_for("views.open")[0].params["view"]

    first = submit(bolt_app, snooze_forever(signed, opened["private_metadata"]))
    again = submit(bolt_app, snooze_forever(signed, opened["private_metadata"]))

    assert first == {}
    assert len(active_snoozes(services.store, datetime.now(UTC))) == 1
    assert again["response_action"] == "errors"


def test_a_form_with_a_field_error_can_be_fixed_and_submitted_again(bolt_app, signed, slack_api, services, reported):
    click(bolt_app, signed, ActionId.SNOOZE, NB_KEY)
    meta = slack_api.wait_for("views.open")[0].params["view"]["private_metadata"]
    missing_date = {"choice": {"choice": {"type": "radio_buttons", "selected_option": {"value": "date"}}},
                    "date": {"date": {"type": "datepicker", "selected_date": None}}}

    wrong = submit(bolt_app, signed.view_submission(CallbackId.SNOOZE_MODAL.value, missing_date, user=USER, private_metadata=meta))
    fixed = submit(bolt_app, snooze_forever(signed, meta))

    assert list(wrong["errors"]) == ["date"]
    assert fixed == {}
