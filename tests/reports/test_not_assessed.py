"""Endpoints the hosting advice could not judge are said, with why, in the CLI and the digest."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from bot.models import NotAssessed, ScanResult, totals_of
from reports.digest import build_digest
from reports.not_assessed import not_assessed_text
from reports.text import print_scan
from tests.fakes.findings import finding

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def skipped(name: str, reason: str) -> NotAssessed:
    return NotAssessed(account_id="123456789012", region="us-east-1", name=name, reason=reason)


NO_METRICS = "no utilisation metrics in 14 days"
UNJUDGED = [skipped("a", NO_METRICS), skipped("b", NO_METRICS), skipped("c", "serverless variant")]


def scan_with(not_assessed, findings=()):
    return ScanResult(generated_at=NOW, regions=["us-east-1"], accounts=["123456789012"],
                      findings=list(findings), not_assessed=list(not_assessed))


def test_the_line_counts_endpoints_per_reason_most_common_first():
    text = not_assessed_text(totals_of([], UNJUDGED))
    assert text == f"3 endpoints not assessed (2 {NO_METRICS}, 1 serverless variant)"


def test_one_endpoint_is_singular():
    assert not_assessed_text(totals_of([], UNJUDGED[:1])) == f"1 endpoint not assessed (1 {NO_METRICS})"


def test_nothing_is_said_when_every_endpoint_was_judged():
    assert not_assessed_text(totals_of([finding("nb")])) is None


def test_the_digest_footer_names_the_endpoints_not_assessed():
    digest = build_digest(scan_with(UNJUDGED, [finding("nb")]), previous_savings_usd=None)
    footer = digest.main.to_dict()["blocks"][-1]["elements"][0]["text"]
    assert "3 endpoints not assessed (2 no utilisation metrics in 14 days, 1 serverless variant)" in footer


def test_the_cli_table_says_which_endpoints_were_not_assessed():
    out = io.StringIO()
    print_scan(scan_with(UNJUDGED[2:]), console=Console(file=out, width=200))
    assert "Hosting advice: 1 endpoint not assessed (1 serverless variant)." in out.getvalue()
