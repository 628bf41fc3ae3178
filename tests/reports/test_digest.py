"""The digest within Slack's limits, for 0, 1, 60 and 1,000 findings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import Block, HeaderBlock, SectionBlock

from bot.models import FindingKind, ScanError, ScanResult
from reports.digest import MAX_THREAD_REPLIES, build_digest, change_text, limit_violations
from tests.fakes.findings import finding, many_findings

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DENIED = ScanError(account_id="123456789012", region="us-west-2", operation="ListEndpoints", code="AccessDenied", message="no")


def scan_of(findings, errors=()):
    return ScanResult(
        scan_id=2, generated_at=NOW, regions=["us-east-1"], accounts=["123456789012"], findings=list(findings), errors=list(errors)
    )


def digest_of(findings, errors=(), previous=None, **kwargs):
    return build_digest(scan_of(findings, errors), previous_savings_usd=previous, **kwargs)


def messages(digest):
    return [digest.main, *digest.thread]


def valid_per_slack_sdk(blocks: list[dict]) -> bool:
    """Parse back through slack_sdk's models and serialise again: that runs their validation."""
    return [Block.parse(b).to_dict() for b in blocks] == blocks


@pytest.mark.parametrize("count", [0, 1, 60, 1000])
def test_every_message_is_valid_and_within_slacks_limits(count):
    digest = digest_of(many_findings(count), [DENIED], previous=500.0)

    for message in messages(digest):
        as_dict = message.to_dict()
        assert len(as_dict["blocks"]) <= 50
        assert limit_violations(as_dict["blocks"]) == []
        assert valid_per_slack_sdk(as_dict["blocks"])
        assert as_dict["text"], "a message without a text fallback notifies badly"
        for block in as_dict["blocks"]:
            for element in block.get("elements", []):
                assert len(element.get("value", "")) <= 2000


@pytest.mark.parametrize("count", [0, 1, 60, 1000])
def test_every_finding_is_in_a_message_or_only_in_the_csv_exactly_once(count):
    findings = many_findings(count)
    digest = digest_of(findings)

    shown = [f.key for m in messages(digest) for f in m.findings] + [f.key for f in digest.csv_only]
    assert sorted(shown) == sorted(f.key for f in findings)


def test_one_finding_fits_in_the_message_without_thread_or_csv():
    digest = digest_of([finding("nb-alice")])

    assert digest.thread == [] and not digest.needs_csv
    assert "nb-alice" in str(digest.main.to_dict())


def test_overflow_goes_to_thread_replies_and_the_csv():
    digest = digest_of(many_findings(60), max_items=20)

    assert len(digest.main.findings) <= 20
    assert digest.thread and digest.needs_csv
    assert "attached CSV" in str(digest.main.blocks[-1].to_dict())


def test_a_huge_scan_caps_thread_replies_and_leaves_the_rest_to_the_csv():
    digest = digest_of(many_findings(1000))

    assert len(digest.thread) == MAX_THREAD_REPLIES
    assert len(digest.csv_only) > 0
    assert f"{len(digest.csv_only)} only in the CSV" in str(digest.main.blocks[-1].to_dict())


def test_the_top_items_by_savings_are_in_the_main_message():
    findings = many_findings(60)
    digest = digest_of(findings)

    smallest_shown = min(f.est_monthly_savings_usd for f in digest.main.findings if f.est_monthly_savings_usd is not None)
    biggest_left = max(f.est_monthly_savings_usd or 0 for m in digest.thread for f in m.findings if not f.protected)
    assert smallest_shown >= biggest_left


def test_the_header_shows_the_total_and_the_change_since_the_last_digest():
    digest = digest_of([finding(savings_usd=300.0), finding("nb-b", savings_usd=200.0)], previous=400.0)

    header = digest.main.blocks[0]
    assert isinstance(header, HeaderBlock)
    assert header.text.text == "SageMaker waste: $500/month recurring (▲ $100/month since the last digest)"


@pytest.mark.parametrize(
    ("current", "previous", "said"),
    [
        (500.0, None, "first digest"),
        (500.0, 500.0, "no change since the last digest"),
        (400.0, 500.0, "▼ $100/month since the last digest"),
        (512.5, 500.0, "▲ $12.50/month since the last digest"),
    ],
)
def test_change_in_words(current, previous, said):
    assert change_text(current, previous) == said


def test_scan_errors_appear_as_a_context_line():
    digest = digest_of([finding()], [DENIED])

    contexts = [b.to_dict() for b in digest.main.blocks if b.type == "context"]
    assert any("us-west-2: AccessDenied on ListEndpoints" in str(c) for c in contexts)


def test_an_empty_scan_says_nothing_to_flag():
    digest = digest_of([])

    assert digest.is_empty
    assert digest.main.blocks[0].text.text == "SageMaker waste: nothing to flag"


def test_an_empty_scan_with_errors_does_not_claim_all_is_clean():
    digest = digest_of([], [DENIED])

    assert "could not be read" in str(digest.main.to_dict())


def test_kinds_are_sections_with_the_biggest_total_first():
    digest = digest_of(
        [
            finding("nb-small", savings_usd=50.0),
            finding("ep-big", FindingKind.UNUSED_ENDPOINT, savings_usd=900.0),
            finding("nb-small-2", savings_usd=60.0),
        ]
    )

    headings = [b.text.text for b in digest.main.blocks if isinstance(b, SectionBlock) and b.text and b.text.text.startswith("*") and "item" in b.text.text]
    assert headings[0].startswith("*Unused endpoints*")
    assert headings[1].startswith("*Idle notebook instances* — 2 items, $110/month")


def test_unpriced_items_are_counted_apart_not_as_zero():
    digest = digest_of([finding(savings_usd=100.0), finding("nb-x", savings_usd=None)])

    assert "1 finding unpriced" in digest.main.blocks[1].text.text
    assert "$100/month" in digest.main.blocks[0].text.text


def test_snoozed_findings_are_counted_in_a_hidden_line():
    digest = digest_of([finding()], snoozed=[finding("nb-snoozed", savings_usd=20.0)])

    assert "1 snoozed item hidden" in str(digest.main.to_dict())


def test_the_limit_checker_catches_what_slack_sdk_does_not():
    too_many = [{"type": "divider"}] * 51
    long_field = [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}]
    long_plain = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 3001}}]
    duplicate_ids = [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}]

    for blocks in (too_many, long_field, long_plain, duplicate_ids):
        assert limit_violations(blocks)
