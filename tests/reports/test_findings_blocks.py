"""Per-item blocks shared by the digest and the slash commands."""

from __future__ import annotations

import pytest
from slack_sdk.models.blocks import ActionsBlock, SectionBlock

from bot.models import FindingKind
from reports.findings import buttons, item_blocks, item_text, money
from reports.ids import ActionId
from tests.fakes.findings import finding


@pytest.mark.parametrize(
    ("kind", "actions"),
    [
        (FindingKind.IDLE_NOTEBOOK, [ActionId.STOP, ActionId.SCHEDULE, ActionId.SNOOZE,
                                     ActionId.AUTO_STOP, ActionId.AUTO_STOP_RESTART]),
        (FindingKind.UNUSED_ENDPOINT, [ActionId.DELETE, ActionId.SCHEDULE, ActionId.SNOOZE]),
        (FindingKind.IDLE_STUDIO_APP, [ActionId.DELETE, ActionId.SNOOZE]),
        (FindingKind.STUDIO_IDLE_SHUTDOWN_OFF, [ActionId.ENABLE_IDLE_SHUTDOWN, ActionId.SNOOZE]),
        (FindingKind.SPOT_ELIGIBLE_TRAINING_JOB, [ActionId.SNOOZE]),
        (FindingKind.OVERSIZED_NOTEBOOK, [ActionId.RESIZE, ActionId.SNOOZE]),
    ],
)
def test_each_kind_offers_the_buttons_it_allows(kind, actions):
    assert [b.action_id for b in buttons(finding(kind=kind))] == actions


def test_every_button_carries_the_finding_key():
    item = finding("nb-alice")

    assert {b.value for b in buttons(item)} == {item.key}


def test_stop_delete_and_restarting_fixes_ask_for_confirmation_and_the_others_do_not():
    confirmed = {
        b.action_id
        for kind in FindingKind
        for b in buttons(finding(kind=kind))
        if b.to_dict().get("confirm")
    }

    assert confirmed == {
        ActionId.STOP, ActionId.DELETE, ActionId.AUTO_STOP_RESTART, ActionId.RESIZE
    }


def test_endpoints_schedule_button_says_delete_at():
    texts = {b.action_id: b.text.text for b in buttons(finding(kind=FindingKind.UNUSED_ENDPOINT))}

    assert texts[ActionId.SCHEDULE] == "Delete at…"


def test_protected_resources_show_no_buttons():
    blocks = item_blocks(finding(protected=True))

    assert [type(b) for b in blocks] == [SectionBlock]
    assert "protected" in blocks[0].text.text


def test_an_item_shows_name_place_type_why_money_and_owner():
    text = item_blocks(finding("nb-alice", instance_type="ml.m5.xlarge", tags={"team": "vision"}))[0].text.text

    for part in ("nb-alice", "123456789012 / us-east-1", "ml.m5.xlarge", "No activity for 3 d 4 h", "$36.50/month", "owner: vision"):
        assert part in text


def test_an_unknown_price_says_so_and_never_zero():
    item = finding(savings_usd=None)

    assert "price unknown" in item_blocks(item)[0].text.text
    assert "$0" not in item_blocks(item)[0].text.text
    assert money(None) == "price unknown"
    assert "price unknown" in item_text(item)


def test_markup_in_names_and_tags_is_escaped():
    text = item_blocks(finding("nb", tags={"owner": "<!channel>"}))[0].text.text

    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text


def test_instance_count_is_shown_when_more_than_one():
    text = item_blocks(finding(kind=FindingKind.UNUSED_ENDPOINT, instance_type="ml.g4dn.xlarge", instance_count=3))[0].text.text

    assert "3 × ml.g4dn.xlarge" in text


def test_item_blocks_serialise_with_slack_sdk_validation():
    for kind in FindingKind:
        for block in item_blocks(finding(kind=kind)):
            assert block.to_dict()["type"] in ("section", "actions")
    assert isinstance(item_blocks(finding())[1], ActionsBlock)
