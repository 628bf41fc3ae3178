"""`sm-cost-bot schedule list|add|remove`: same rules as /sm-schedule, usage and exit 2 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.demo.moto_fleet import MotoFleet
from bot.schedules.store import ScheduleStatus, list_schedules
from bot.storage.store import Store


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_server: str) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("SMBOT_DB_PATH", str(db))
    monkeypatch.setenv("SMBOT_REGIONS", "us-east-1")
    monkeypatch.setenv("SMBOT_TIMEZONE", "Europe/Berlin")
    return db


def saved(db: Path) -> list:
    store = Store(db)
    try:
        return list_schedules(store, tuple(ScheduleStatus))
    finally:
        store.close()


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        ([], "say what to do"),
        (["add", "nb-1", "1-5", "09:00-18:00"], "not numbers"),
        (["add", "nb-1", "weekdays", "18:00-09:00"], "not after start"),
        (["add", "nb-1", "weekdays", "09:00-18:00", "Mars/Olympus"], "unknown time zone"),
        (["remove", "x"], "not a schedule id"),
        (["list", "extra"], "cannot read"),
    ],
)
def test_bad_input_prints_one_line_pointing_at_the_usage_and_exits_2(
    cli_env: Path, capsys: pytest.CaptureFixture[str], words: list[str], fragment: str
) -> None:
    assert main(["schedule", *words]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err
    assert err.rstrip().endswith("(see: sm-cost-bot schedule help)")
    assert saved(cli_env) == []


def test_schedule_help_prints_the_usage(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "help"]) == 0
    assert "schedule add <notebook> <days> <HH:MM>-<HH:MM>" in capsys.readouterr().out


def test_add_for_an_unknown_notebook_exits_2_and_saves_nothing(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "add", "ghost", "weekdays", "09:00-18:00"]) == 2
    assert "no notebook instance named 'ghost'" in capsys.readouterr().err
    assert saved(cli_env) == []


def test_add_list_remove(cli_env: Path, fleet: MotoFleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet.notebook("nb-1")
    assert main(["schedule", "add", "nb-1", "weekdays", "09:00-18:00"]) == 0
    out = capsys.readouterr().out
    assert "Mon–Fri, starts 09:00, stops 18:00 Europe/Berlin" in out and "waiting for approval" in out
    [record] = saved(cli_env)
    assert record.status is ScheduleStatus.PENDING_APPROVAL
    assert main(["schedule", "list"]) == 0
    listed = capsys.readouterr().out
    assert "nb-1" in listed and "pending-approval" in listed
    assert main(["schedule", "remove", str(record.id)]) == 0
    assert saved(cli_env)[0].status is ScheduleStatus.REMOVED
    assert main(["schedule", "remove", str(record.id)]) == 2


def test_without_approval_a_new_schedule_is_active_at_once(
    cli_env: Path, fleet: MotoFleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMBOT_SCHEDULES_NEED_APPROVAL", "false")
    fleet.notebook("nb-1")
    assert main(["schedule", "add", "nb-1", "nightly"]) == 0
    assert "Every day, stops 20:00 Europe/Berlin — active" in capsys.readouterr().out
    assert [r.status for r in saved(cli_env)] == [ScheduleStatus.ACTIVE]


def test_the_list_fits_an_80_column_terminal(
    cli_env: Path, fleet: MotoFleet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "nb-" + "long-notebook-name-" * 3
    fleet.notebook(name)
    assert main(["schedule", "add", name, "weekdays", "09:00-18:00"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "80")

    assert main(["schedule", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any("…" in line for line in lines)
