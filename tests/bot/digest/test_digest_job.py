"""Posting the digest against the Slack stand-in, and `sm-cost-bot digest` end to end."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from bot.digest.job import DigestNotConfigured, post_digest
from bot.digest.store import items_for, last_post
from bot.models import ScanResult
from bot.schedules.store import add_snooze
from reports.findings import item_block_id
from tests.fakes.findings import finding, many_findings
from tests.fakes.slack_api import BOT_TOKEN

CHANNEL = "C0DIGEST"


@pytest.fixture
def digest_services(services):
    settings = services.settings.model_copy(update={"digest_channel": CHANNEL})
    return dataclasses.replace(services, settings=settings)


def store_scan(services, findings, errors=()):
    return services.store.save_scan(
        ScanResult(
            generated_at=datetime.now(UTC),
            regions=["us-east-1"],
            accounts=["123456789012"],
            findings=list(findings),
            errors=list(errors),
        ),
        scope_key=services.scope_key(),
    )


def test_the_digest_is_posted_with_blocks_and_a_text_fallback(digest_services, slack_client, slack_api):
    store_scan(digest_services, [finding("nb-alice")])

    posted = post_digest(digest_services, slack_client)

    call = slack_api.calls_to("chat.postMessage")[0]
    assert call.params["channel"] == CHANNEL
    assert call.params["text"].startswith("SageMaker waste: $36.50/month")
    assert "nb-alice" in json.dumps(call.params["blocks"])
    assert posted.findings == 1 and posted.thread_replies == 0
    assert slack_api.calls_to("files.getUploadURLExternal") == []


def test_each_finding_is_recorded_with_the_message_that_shows_it(digest_services, slack_client, slack_api):
    findings = many_findings(60)
    scan = store_scan(digest_services, findings)

    posted = post_digest(digest_services, slack_client)

    posts = slack_api.calls_to("chat.postMessage")
    main_ts = posted.ts
    thread_ts = {c.params.get("thread_ts") for c in posts[1:]}
    assert thread_ts == {main_ts}
    for item in findings[:3]:
        [where] = items_for(digest_services.store, item.key)
        assert where.channel == CHANNEL and where.scan_id == scan.scan_id
        assert where.block_id == item_block_id(item)
        message = next(c for c in posts if c.params.get("thread_ts", None) == where.thread_ts and where.block_id in json.dumps(c.params["blocks"]))
        assert message is not None


def test_overflow_is_threaded_and_the_full_csv_is_attached_to_the_thread(digest_services, slack_client, slack_api):
    store_scan(digest_services, many_findings(60))

    posted = post_digest(digest_services, slack_client)

    assert posted.thread_replies >= 1
    assert len(slack_api.calls_to("upload")) == 1
    complete = slack_api.calls_to("files.completeUploadExternal")[0].params
    assert complete["channel_id"] == CHANNEL and complete["thread_ts"] == posted.ts
    csv_text = slack_api.calls_to("upload")[0].body.decode()
    assert len(csv_text.strip().splitlines()) == 61  # header + every finding
    assert posted.csv_file_id == complete["files"][0]["id"]


def test_the_second_digest_shows_the_change_since_the_first(digest_services, slack_client, slack_api):
    store_scan(digest_services, [finding(savings_usd=100.0)])
    post_digest(digest_services, slack_client)
    store_scan(digest_services, [finding(savings_usd=100.0), finding("nb-b", savings_usd=50.0)])

    post_digest(digest_services, slack_client)

    second = slack_api.calls_to("chat.postMessage")[1].params
    assert second["blocks"][0]["text"]["text"] == "SageMaker waste: $150/month recurring (▲ $50.00/month since the last digest)"
    assert last_post(digest_services.store)["est_monthly_savings_usd"] == 150.0


def test_an_empty_scan_posts_nothing_to_flag_by_default(digest_services, slack_client, slack_api):
    store_scan(digest_services, [])

    post_digest(digest_services, slack_client)

    assert "nothing to flag" in slack_api.calls_to("chat.postMessage")[0].params["text"]


def test_an_empty_scan_posts_nothing_when_digest_when_empty_is_off(digest_services, slack_client, slack_api):
    quiet = dataclasses.replace(
        digest_services, settings=digest_services.settings.model_copy(update={"digest_when_empty": False})
    )
    store_scan(quiet, [])

    assert post_digest(quiet, slack_client) is None
    assert slack_api.calls_to("chat.postMessage") == []


def test_scan_errors_are_posted_even_when_digest_when_empty_is_off(digest_services, slack_client, slack_api):
    quiet = dataclasses.replace(
        digest_services, settings=digest_services.settings.model_copy(update={"digest_when_empty": False})
    )
    # A fresh scan: moto lacks Studio ListApps (HTTP 500), so one part is unreadable.
    post_digest(quiet, slack_client)

    assert "us-east-1: 500 on ListApps" in json.dumps(slack_api.calls_to("chat.postMessage")[0].params["blocks"])


def test_snoozed_findings_are_left_out(digest_services, slack_client, slack_api):
    snoozed = finding("nb-snoozed")
    store_scan(digest_services, [snoozed, finding("nb-visible")])
    now = datetime.now(UTC)
    add_snooze(digest_services.store, snoozed.key, snoozed_by="U0BOB", until=now + timedelta(days=1), now=now)

    post_digest(digest_services, slack_client)

    blocks = json.dumps(slack_api.calls_to("chat.postMessage")[0].params["blocks"])
    assert "*nb-visible*" in blocks and "*nb-snoozed*" not in blocks


def test_a_rate_limited_post_is_retried_after_retry_after(digest_services, slack_client, slack_api):
    store_scan(digest_services, [finding()])
    slack_api.rate_limit("chat.postMessage", retry_after_seconds=1)

    posted = post_digest(digest_services, slack_client)

    assert len(slack_api.calls_to("chat.postMessage")) == 2
    assert posted.ts


def test_no_channel_configured_is_a_clear_error(services, slack_client):
    with pytest.raises(DigestNotConfigured, match="SMBOT_DIGEST_CHANNEL"):
        post_digest(services, slack_client)


# --- the CLI, against moto over HTTP ---------------------------------------------------------


@pytest.fixture
def cli_env(moto_server, monkeypatch, tmp_path):
    monkeypatch.setenv("SMBOT_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("SMBOT_REGIONS", "us-east-1")


def test_digest_dry_run_prints_block_kit_json_from_a_real_scan(cli_env, fleet, capsys):
    fleet.notebook("nb-forgotten", last_modified=datetime.now(UTC) - timedelta(days=5))

    code = main(["digest", "--dry-run"])

    document = json.loads(capsys.readouterr().out)
    assert code in (0, 3)  # 3: some scanner could not read everything
    assert document["blocks"][0]["type"] == "header"
    assert document["text"]
    assert isinstance(document["thread"], list)
    assert "nb-forgotten" in json.dumps(document)


def test_digest_post_posts_once_to_the_configured_channel(cli_env, slack_api, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack_api.api_url)
    monkeypatch.setenv("SMBOT_DIGEST_CHANNEL", CHANNEL)

    code = main(["digest", "--post"])

    assert code in (0, 3)
    assert [c.params["channel"] for c in slack_api.calls_to("chat.postMessage")] == [CHANNEL]
    assert "posted the digest" in capsys.readouterr().out


def test_digest_post_without_a_channel_names_the_setting_and_exits_2(cli_env, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)

    code = main(["digest", "--post"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == "sm-cost-bot: digest --post needs SMBOT_DIGEST_CHANNEL set"


def test_a_first_digest_after_several_scans_shows_no_change_arrow(digest_services, slack_client, slack_api):
    store_scan(digest_services, [finding(savings_usd=100.0)])
    store_scan(digest_services, [finding(savings_usd=100.0), finding("nb-b", savings_usd=50.0)])

    post_digest(digest_services, slack_client)

    header = slack_api.calls_to("chat.postMessage")[0].params["blocks"][0]["text"]["text"]
    assert header == "SageMaker waste: $150/month recurring (first digest)"
