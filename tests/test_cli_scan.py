"""`sm-cost-bot scan` against moto over real HTTP, reached through AWS_ENDPOINT_URL as a user's
CLI would reach any endpoint."""

import json
from datetime import timedelta

import pytest

from bot.cli import main


@pytest.fixture
def seeded_fleet(fleet, now, monkeypatch, tmp_path):
    # moto answers CloudTrail and Studio with HTTP 500: one attempt keeps the test quick.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("SMBOT_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("SMBOT_REGIONS", "us-east-1")  # the fleet's region (unset would scan them all)
    fleet.notebook("idle-nb", instance_type="ml.m5.xlarge", last_modified=now - timedelta(days=3), tags={"owner": "ana"})
    fleet.notebook("busy-nb", instance_type="ml.m5.xlarge")
    fleet.endpoint("quiet-ep", created=now - timedelta(days=5))
    fleet.endpoint("busy-ep", created=now - timedelta(days=5))
    fleet.invocations("busy-ep", now - timedelta(hours=3), count=40)
    fleet.training_job("on-demand-job", ended=now - timedelta(days=2))
    return fleet


KINDS = ["--kind", "idle-notebook", "--kind", "unused-endpoint", "--kind", "spot-eligible-training-job"]


def test_scan_json_lists_the_waste_and_nothing_busy(seeded_fleet, capsys):
    assert main(["scan", "--format", "json", *KINDS]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted((f["kind"], f["name"]) for f in doc["findings"]) == [
        ("idle-notebook", "idle-nb"),
        ("spot-eligible-training-job", "on-demand-job"),
        ("unused-endpoint", "quiet-ep"),
    ]
    assert set(doc) == {"generated_at", "regions", "findings", "errors", "totals", "not_assessed"}
    assert doc["regions"] == ["us-east-1"]
    notebook = next(f for f in doc["findings"] if f["name"] == "idle-nb")
    assert notebook["est_monthly_cost_usd"] == pytest.approx(0.23 * 730)
    assert notebook["tags"] == {"owner": "ana"}


def test_scan_is_saved_for_later(seeded_fleet, capsys, tmp_path):
    from bot.storage.store import Store

    main(["scan", "--format", "json", *KINDS])
    saved = Store(tmp_path / "cli.db").latest_scan(complete_only=False)
    assert (saved.totals.findings, saved.complete) == (3, False)


def test_scan_table_is_for_people(seeded_fleet, capsys):
    assert main(["scan", *KINDS]) == 0
    out = capsys.readouterr().out
    assert "idle-nb" in out and "quiet-ep" in out and "busy-ep" not in out


def test_scan_exits_3_and_names_what_it_could_not_read(seeded_fleet, capsys):
    # moto has no Studio apps: the Studio scanner's ListApps fails, like an AccessDenied would.
    assert main(["scan", "--format", "json", "--kind", "idle-studio-app"]) == 3
    doc = json.loads(capsys.readouterr().out)
    [error] = doc["errors"]
    assert (error["account_id"], error["region"], error["operation"]) == ("123456789012", "us-east-1", "ListApps")


def test_scan_region_flag_overrides_the_setting(seeded_fleet, capsys):
    assert main(["scan", "--format", "json", "--region", "eu-west-1", *KINDS]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["findings"] == []  # the fleet lives in us-east-1


def test_an_unknown_kind_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["scan", "--kind", "idle-gpu"])
    assert exited.value.code == 2
    assert "unknown kind 'idle-gpu'" in capsys.readouterr().err


def test_a_bad_region_flag_is_one_line(capsys):
    assert main(["scan", "--region", "moon-1"]) == 2
    assert capsys.readouterr().err.startswith("sm-cost-bot: invalid setting SMBOT_REGIONS")
