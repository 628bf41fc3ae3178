"""Owners in the digest and the report: mentions, personal digests with SMBOT_OWNER_DM, the
owner map setting, and unmapped owners listed once."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bot.config import Settings, settings_error_lines
from bot.digest.job import post_digest
from bot.models import ScanResult
from bot.owners.directory import directory_for
from bot.report.build import build_report
from reports.findings import item_mrkdwn
from tests.fakes.findings import finding

CHANNEL = "C0DIGEST"


@pytest.fixture
def owner_map(tmp_path):
    path = tmp_path / "owners.toml"
    path.write_text('vision = "C0VISION"\n')
    return path


@pytest.fixture
def digest_services(services, owner_map):
    settings = services.settings.model_copy(update={"digest_channel": CHANNEL, "owner_map": owner_map})
    return dataclasses.replace(services, settings=settings)


def _store(services, findings):
    services.store.save_scan(ScanResult(generated_at=datetime.now(UTC), regions=["us-east-1"], findings=findings), scope_key=services.scope_key())


def test_an_item_mentions_its_resolved_owner_instead_of_the_tag():
    item = finding(tags={"owner": "<!here>"})
    assert "owner: <@U0ALICE>" in item_mrkdwn(item, mention="U0ALICE")
    assert "owner: &lt;!here&gt;" in item_mrkdwn(item)  # unresolved: the tag, escaped
    assert "owner: <#C0VISION>" in item_mrkdwn(item, mention="C0VISION")


def test_digest_items_mention_owners_from_email_map_and_ids(digest_services, slack_client, slack_api):
    _store(digest_services, [
        finding("nb-a", tags={"owner": "ann@example.com"}),
        finding("nb-b", tags={"team": "vision"}),
        finding("nb-c", tags={"owner": "U0CARL"}),
        finding("nb-d", tags={"owner": "legacy"}),
    ])
    post_digest(digest_services, slack_client)
    blocks = json.dumps(slack_api.calls_to("chat.postMessage")[0].params["blocks"])
    assert "owner: <@UANN>" in blocks  # the stand-in answers lookupByEmail with U + the name
    assert "owner: <#C0VISION>" in blocks
    assert "owner: <@U0CARL>" in blocks
    assert "owner: legacy" in blocks


def test_owner_dms_are_posted_only_when_enabled(digest_services, slack_client, slack_api):
    _store(digest_services, [finding("nb-a", tags={"owner": "U0ALICE"})])
    post_digest(digest_services, slack_client)
    assert [c.params["channel"] for c in slack_api.calls_to("chat.postMessage")] == [CHANNEL]

    slack_api.reset()
    settings = digest_services.settings.model_copy(update={"owner_dm": True})
    post_digest(dataclasses.replace(digest_services, settings=settings), slack_client)
    assert [c.params["channel"] for c in slack_api.calls_to("chat.postMessage")] == [CHANNEL, "U0ALICE"]


def test_a_bad_owner_map_stops_start_up_with_one_line(tmp_path):
    path = tmp_path / "owners.json"
    path.write_text('{"vision": "vision-team"}')
    with pytest.raises(ValidationError) as caught:
        Settings(owner_map=path)
    [line] = settings_error_lines(caught.value)
    assert line.startswith("invalid setting SMBOT_OWNER_MAP:")
    assert "vision must map to a Slack user or channel id" in line


def test_created_by_is_an_owner_tag_by_default():
    assert Settings().owner_tag_keys == ["owner", "team", "created-by"]


def test_the_report_lists_unmapped_owners_once(services, owner_map, moto_server):
    settings = services.settings.model_copy(update={"owner_map": owner_map})
    services = dataclasses.replace(services, settings=settings)
    scan = ScanResult(generated_at=datetime.now(UTC), findings=[
        finding("nb-a", tags={"owner": "legacy"}), finding("nb-b", tags={"owner": "legacy"}),
        finding("nb-c", tags={"team": "vision"}), finding("nb-d", tags={"owner": "ann@example.com"}),
    ])
    report = build_report(services, scan=scan, owners=directory_for(settings, None))
    assert report.unmapped_owners == ["legacy"]  # e-mails are not judged without Slack
