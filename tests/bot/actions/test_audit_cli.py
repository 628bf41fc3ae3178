"""`sm-cost-bot audit`: the append-only trail in three formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.actions.audit import audit_cli
from bot.actions.store import RequestStore
from bot.cli import main
from bot.services import build_services
from bot.storage.store import Store
from tests.fakes.action_world import ManualClock, action_settings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def audited(tmp_path: Path):
    settings = action_settings(tmp_path / "bot.db")
    services = build_services(settings, store=Store(settings.db_path), clock=ManualClock(NOW))
    trail = RequestStore(services.store)
    trail.audit(now=NOW - timedelta(days=10), actor="UOLD", event="approve")
    trail.audit(
        now=NOW - timedelta(hours=1), actor="UAPPROVER1", event="aws-call",
        action="stop-notebook", resource_key="123456789012:us-east-1:notebook-instance:nb-1",
        from_state="executing", to_state="executing", outcome="StopNotebookInstance",
        aws_request_id="req-1",
    )
    return services


def test_json_lists_only_the_requested_days(audited) -> None:
    out = io.StringIO()
    assert audit_cli(audited, days=7, fmt="json", out=out) == 0
    rows = json.loads(out.getvalue())
    assert [(r["actor"], r["aws_request_id"]) for r in rows] == [("UAPPROVER1", "req-1")]


def test_csv_has_a_header_and_one_row_per_entry(audited) -> None:
    out = io.StringIO()
    audit_cli(audited, days=30, fmt="csv", out=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["actor"] for r in rows] == ["UOLD", "UAPPROVER1"]
    assert rows[1]["outcome"] == "StopNotebookInstance"


def test_table_shows_the_aws_request_id(audited) -> None:
    out = io.StringIO()
    audit_cli(audited, days=7, fmt="table", out=out)
    assert "req-1" in out.getvalue() and "UOLD" not in out.getvalue()


def test_the_cli_reads_the_configured_database(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "cli.db"
    RequestStore(Store(db)).audit(now=datetime.now(UTC), actor="UCLI", event="reject")
    monkeypatch.setenv("SMBOT_DB_PATH", str(db))
    assert main(["audit", "--days", "1", "--format", "json"]) == 0
    assert [r["actor"] for r in json.loads(capsys.readouterr().out)] == ["UCLI"]


def test_days_below_one_is_a_usage_error(audited, capsys) -> None:
    assert audit_cli(audited, days=0, fmt="json") == 2
    assert "--days" in capsys.readouterr().err


def test_the_table_fits_an_80_column_terminal_cutting_long_cells(audited, monkeypatch) -> None:
    RequestStore(audited.store).audit(
        now=NOW - timedelta(minutes=5), actor="UAPPROVER1", event="aws-call", action="stop-notebook",
        resource_key="123456789012:us-east-1:notebook-instance:" + "a-very-long-notebook-name" * 4,
        outcome="failed", detail="ValidationException: " + "the reason is long " * 10,
    )
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()

    audit_cli(audited, days=7, fmt="table", out=out)

    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any("…" in line for line in lines), "long cells end in an ellipsis"
