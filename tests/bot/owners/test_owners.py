"""Owners: tag values resolved to Slack ids (map, user id, e-mail lookup), Studio owners from
their user profile, the owner map file, and personal digests against the Slack stand-in."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.models import FindingKind, ScanResult
from bot.owners.directory import OwnerDirectory
from bot.owners.dm import post_owner_digests
from bot.owners.resolve import OwnerMapError, load_owner_map, owner_value, resolve
from tests.fakes.findings import finding

TAG_KEYS = ("owner", "team", "created-by")


def no_lookup(email: str) -> str | None:
    raise AssertionError(f"looked up {email}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("team-vision", "C0VISION"),  # the map wins
        ("U0ALICE", "U0ALICE"),  # a Slack user id is used as is
        ("W0ENTERPRISE", "W0ENTERPRISE"),
        ("bob", None),  # a bare name nobody mapped stays unmapped
    ],
)
def test_owner_values_resolve_through_the_map_or_as_slack_ids(value, expected):
    assert resolve(value, {"team-vision": "C0VISION"}, no_lookup) == expected


def test_an_email_owner_is_looked_up_in_slack():
    assert resolve("carol@example.com", {}, {"carol@example.com": "U0CAROL"}.get) == "U0CAROL"


def test_the_map_beats_the_email_lookup():
    assert resolve("carol@example.com", {"carol@example.com": "U0OTHER"}, no_lookup) == "U0OTHER"


def test_the_first_owner_tag_key_found_wins():
    item = finding(tags={"team": "vision", "created-by": "dave@example.com"})
    assert owner_value(item, TAG_KEYS) == "vision"


def test_a_studio_app_takes_its_owner_from_its_user_profile():
    app = finding("d-1/erin/JupyterLab/default", FindingKind.IDLE_STUDIO_APP, tags={},
                  evidence={"user_profile": "erin"})
    assert owner_value(app, TAG_KEYS) == "erin"
    tagged = finding("d-1/erin/JupyterLab/default", FindingKind.IDLE_STUDIO_APP, tags={},
                     evidence={"user_profile": "erin", "user_profile_tags": {"owner": "U0ERIN"}})
    assert owner_value(tagged, TAG_KEYS) == "U0ERIN"


def test_an_owner_map_is_read_from_toml_or_json(tmp_path):
    (tmp_path / "owners.toml").write_text('vision = "C0VISION"\n"bob@corp.example" = "U0BOB"\n')
    (tmp_path / "owners.json").write_text(json.dumps({"vision": "C0VISION"}))
    assert load_owner_map(tmp_path / "owners.toml") == {"vision": "C0VISION", "bob@corp.example": "U0BOB"}
    assert load_owner_map(tmp_path / "owners.json") == {"vision": "C0VISION"}


def test_an_owner_map_pointing_at_a_name_is_one_clear_error(tmp_path):
    (tmp_path / "owners.json").write_text(json.dumps({"vision": "#vision"}))
    with pytest.raises(OwnerMapError, match=r"^SMBOT_OWNER_MAP: .*owners.json: vision must map to a Slack"):
        load_owner_map(tmp_path / "owners.json")


def test_an_unreadable_owner_map_is_one_clear_error(tmp_path):
    with pytest.raises(OwnerMapError, match="cannot read"):
        load_owner_map(tmp_path / "missing.toml")


def test_each_email_is_looked_up_once_and_unmapped_owners_are_collected(slack_client, slack_api):
    directory = OwnerDirectory(slack_client, {}, TAG_KEYS)
    items = [finding(f"nb-{i}", tags={"owner": "ann@example.com"}) for i in range(3)]
    items.append(finding("nb-x", tags={"owner": "legacy-team"}))
    grouped = directory.by_owner(items)
    assert len(slack_api.calls_to("users.lookupByEmail")) == 1
    assert [len(v) for v in grouped.values()] == [3]
    assert directory.unmapped == {"legacy-team"}


def test_an_email_slack_does_not_know_is_unmapped(slack_client, slack_api):
    slack_api.respond_with("users.lookupByEmail", {"ok": False, "error": "users_not_found"})
    directory = OwnerDirectory(slack_client, {}, TAG_KEYS)
    assert directory.slack_id(finding(tags={"owner": "ghost@example.com"})) is None
    assert directory.unmapped == {"ghost@example.com"}


def test_each_owner_gets_a_personal_digest_with_the_same_buttons(slack_client, slack_api):
    directory = OwnerDirectory(slack_client, {"vision": "U0VISION"}, TAG_KEYS)
    items = [finding("nb-a", tags={"owner": "U0ALICE"}), finding("nb-b", tags={"team": "vision"}),
             finding("nb-c", tags={"owner": "U0ALICE"}), finding("nb-p", tags={"owner": "U0ALICE"}, protected=True)]
    scan = ScanResult(generated_at=datetime.now(UTC), findings=items)
    posted, problems = post_owner_digests(slack_client, scan, items, directory, max_items=20)
    assert (sorted(posted), problems) == (["U0ALICE", "U0VISION"], [])
    alice = next(c for c in slack_api.calls_to("chat.postMessage") if c.params["channel"] == "U0ALICE")
    blocks = json.dumps(alice.params["blocks"])
    assert "nb-a" in blocks and "nb-c" in blocks and "nb-b" not in blocks and "nb-p" not in blocks
    assert '"type": "button"' in blocks


def test_a_failed_owner_digest_is_a_problem_not_a_stop(slack_client, slack_api):
    slack_api.respond_with("chat.postMessage", {"ok": False, "error": "channel_not_found"})
    directory = OwnerDirectory(slack_client, {}, TAG_KEYS)
    items = [finding("nb-a", tags={"owner": "U0ALICE"}), finding("nb-b", tags={"owner": "U0BOB"})]
    scan = ScanResult(generated_at=datetime.now(UTC), findings=items)
    posted, problems = post_owner_digests(slack_client, scan, items, directory, max_items=20)
    assert posted == {}
    assert problems == ["owner digest to U0ALICE failed: channel_not_found", "owner digest to U0BOB failed: channel_not_found"]
