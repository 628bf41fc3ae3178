"""Counts agree with their numbers, in the terminal and in Slack; a scan without account ids says
what it covered; a first digest shows no change arrow."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from rich.console import Console

from bot.actions.models import AuditEntry
from bot.models import ScanResult
from reports.digest import build_digest
from reports.plurals import plural, scope_text
from reports.requests import audit_blocks
from reports.text import print_scan
from tests.fakes.findings import finding

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("count", "word", "many", "expected"),
    [
        (0, "finding", None, "0 findings"),
        (1, "finding", None, "1 finding"),
        (2, "finding", None, "2 findings"),
        (1, "entry", "entries", "1 entry"),
        (3, "entry", "entries", "3 entries"),
    ],
)
def test_plural_agrees_with_the_count(count, word, many, expected):
    assert plural(count, word, many) == expected


@pytest.mark.parametrize(
    ("accounts", "regions", "expected"),
    [
        ([], ["us-east-1"], "this account; region us-east-1"),
        (["111111111111"], ["us-east-1", "eu-west-1"], "account 111111111111; regions us-east-1, eu-west-1"),
        (["111111111111", "222222222222"], [], "accounts 111111111111, 222222222222; no regions"),
    ],
)
def test_scope_names_what_was_scanned(accounts, regions, expected):
    assert scope_text(accounts, regions) == expected


def scan(findings, accounts=("123456789012",), regions=("us-east-1",)) -> ScanResult:
    return ScanResult(scan_id=1, generated_at=NOW, regions=list(regions), accounts=list(accounts), findings=findings)


def printed(result: ScanResult) -> str:
    out = io.StringIO()
    print_scan(result, console=Console(file=out, width=200, soft_wrap=False))
    return out.getvalue()


def test_the_scan_header_says_1_finding():
    header = printed(scan([finding("nb-a")])).splitlines()[0]

    assert " — 1 finding, est. " in header


def test_a_scan_without_account_ids_says_this_account_not_a_dash():
    header = printed(scan([finding("nb-a")], accounts=())).splitlines()[0]

    assert "(this account; region us-east-1;" in header
    assert "accounts -" not in header


def test_the_digest_counts_one_account_and_one_region_in_the_singular():
    digest = build_digest(scan([finding("nb-a")]), previous_savings_usd=None)

    text = str(digest.main.to_dict())
    assert "1 account × 1 region" in text
    assert "account(s)" not in text and "region(s)" not in text


def test_a_first_digest_shows_no_change_arrow():
    digest = build_digest(scan([finding("nb-a", savings_usd=100.0)]), previous_savings_usd=None)

    text = str(digest.main.to_dict())
    assert "first digest" in text
    assert "▲" not in text and "since the last digest" not in text


def test_the_slack_audit_trail_counts_one_entry_and_one_day():
    entry = AuditEntry(id=1, at=NOW, actor="U0ALICE", event="approve")

    text, _ = audit_blocks([entry], days=1)

    assert text == "Audit trail, last 1 day: 1 entry"
