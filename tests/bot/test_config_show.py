"""`sm-cost-bot config show`: each setting's effective value and where it came from; secrets never
printed, through the real entry point."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.config import Settings
from bot.config_show import describe_settings

BOT_TOKEN = "xoxb-1111-2222-topsecretvalue"
APP_TOKEN = "xapp-1-A0-3333-alsosecret"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
EXTERNAL_ID = "shared-external-id-42"


def show(capsys, *args: str) -> str:
    assert main(["config", "show", *args]) == 0
    return capsys.readouterr().out


def rows_by_name(capsys) -> dict[str, dict]:
    return {row["name"]: row for row in json.loads(show(capsys, "--format", "json"))}


@pytest.fixture
def secrets_in_env(monkeypatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SMBOT_EXTERNAL_ID", EXTERNAL_ID)
    monkeypatch.setenv(
        "SMBOT_ACCOUNTS",
        json.dumps([{"role_arn": "arn:aws:iam::111111111111:role/read", "external_id": EXTERNAL_ID}]),
    )


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_secrets_set_in_the_environment_never_appear_in_the_output(secrets_in_env, capsys, fmt):
    out = show(capsys, "--format", fmt)

    assert "SLACK_BOT_TOKEN" in out
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, EXTERNAL_ID, "topsecret", "alsosecret"):
        assert secret not in out


def test_slack_tokens_show_their_kind_and_that_they_are_set(secrets_in_env, capsys):
    rows = rows_by_name(capsys)

    assert rows["SLACK_BOT_TOKEN"]["value"] == "xoxb-…(set)"
    assert rows["SLACK_APP_TOKEN"]["value"] == "xapp-…(set)"
    assert rows["SLACK_SIGNING_SECRET"]["value"] == "****(set)"
    assert rows["SMBOT_ACCOUNTS"]["value"][0]["external_id"] == "****(set)"


def test_an_unset_secret_shows_as_not_set(capsys):
    assert rows_by_name(capsys)["SLACK_BOT_TOKEN"]["value"] is None


def test_sources_name_the_environment_the_config_file_and_the_default(monkeypatch, tmp_path, capsys):
    config = tmp_path / "bot.toml"
    config.write_text('digest_channel = "C0FILE"\nnotebook_idle_hours = 12\n')
    monkeypatch.setenv("SMBOT_CONFIG", str(config))
    monkeypatch.setenv("SMBOT_NOTEBOOK_IDLE_HOURS", "6")  # the environment wins over the file

    rows = rows_by_name(capsys)

    assert rows["SMBOT_DIGEST_CHANNEL"] == {"name": "SMBOT_DIGEST_CHANNEL", "value": "C0FILE", "source": f"file {config}"}
    assert rows["SMBOT_NOTEBOOK_IDLE_HOURS"] == {"name": "SMBOT_NOTEBOOK_IDLE_HOURS", "value": 6.0, "source": "env"}
    assert rows["SMBOT_TIMEZONE"] == {"name": "SMBOT_TIMEZONE", "value": "UTC", "source": "default"}


def test_an_aliased_setting_is_named_and_sourced_by_its_own_variable(capsys):
    # isolated_env sets AWS_MAX_ATTEMPTS=2 for every test
    assert rows_by_name(capsys)["AWS_MAX_ATTEMPTS"] == {"name": "AWS_MAX_ATTEMPTS", "value": 2, "source": "env"}


def test_every_setting_is_listed_once():
    rows = describe_settings(Settings(), environ={})

    assert len(rows) == len(Settings.model_fields) == len({row.name for row in rows})


def test_the_table_names_each_setting_with_its_source(monkeypatch, capsys):
    monkeypatch.setenv("SMBOT_DIGEST_CHANNEL", "C0ENV")

    line = next(line for line in show(capsys).splitlines() if "SMBOT_DIGEST_CHANNEL" in line)

    assert "C0ENV" in line and "env" in line


def test_the_table_fits_an_80_column_terminal(monkeypatch, capsys):
    monkeypatch.setenv("SMBOT_ACCOUNTS", ",".join(f"arn:aws:iam::{n:012d}:role/sm-cost-bot-read" for n in range(1, 6)))
    monkeypatch.setenv("COLUMNS", "80")

    lines = show(capsys).splitlines()

    assert max(len(line) for line in lines) <= 80
    assert any("…" in line for line in lines)
