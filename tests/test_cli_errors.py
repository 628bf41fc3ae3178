"""Every error a user can cause ends in one line on stderr naming what to fix, and exit 2.

A table of bad inputs (settings, files, arguments) walked through the real entry point, plus a
sweep that gives every setting a value of the wrong type or out of its range, so settings added
later are covered without touching this file.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import annotated_types
import pytest

from bot.cli import main
from bot.config import Settings, env_name
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET

CLI = str(Path(sys.executable).with_name("sm-cost-bot"))


def _files(tmp: Path) -> dict[str, str]:
    (tmp / "a-directory").mkdir()
    (tmp / "not-json.json").write_text("prices, but not JSON")
    (tmp / "empty.json").write_text("{}")
    (tmp / "string-price.json").write_text(
        json.dumps({"prices": {"us-east-1": {"notebook": {"ml.t3.medium": "0.05"}}}})
    )
    (tmp / "broken.toml").write_text("regions = [\n")
    (tmp / "misspelt.toml").write_text('regoins = ["eu-west-1"]\n')
    return {"dir": str(tmp / "a-directory"), "tmp": str(tmp)}


# (environment, argv, what the one line must contain)
BAD_INPUTS = [
    ({"SMBOT_DB_PATH": "{dir}"}, ["audit"], "SMBOT_DB_PATH"),
    ({"SMBOT_DB_PATH": "{tmp}/no-such-dir/bot.db"}, ["audit"], "SMBOT_DB_PATH"),
    ({"SMBOT_DB_PATH": ""}, ["audit"], "SMBOT_DB_PATH"),
    ({"SMBOT_PRICES_PATH": "{tmp}/missing.json"}, ["audit"], "SMBOT_PRICES_PATH"),
    ({"SMBOT_PRICES_PATH": "{tmp}/not-json.json"}, ["audit"], "SMBOT_PRICES_PATH"),
    ({"SMBOT_PRICES_PATH": "{tmp}/empty.json"}, ["audit"], "SMBOT_PRICES_PATH"),
    ({"SMBOT_PRICES_PATH": "{tmp}/string-price.json"}, ["audit"], "SMBOT_PRICES_PATH"),
    ({"AWS_MAX_ATTEMPTS": "abc"}, ["audit"], "AWS_MAX_ATTEMPTS"),
    ({"SMBOT_CONFIG": "{tmp}/broken.toml"}, ["audit"], "broken.toml"),
    ({"SMBOT_CONFIG": "{tmp}/misspelt.toml"}, ["audit"], "regoins"),
    ({"SMBOT_CONFIG": "{tmp}/missing.toml"}, ["audit"], "SMBOT_CONFIG"),
    ({"SLACK_API_URL": "notaurl"}, ["audit"], "SLACK_API_URL"),
    ({"SMBOT_NOTEBOOK_IDLE_HOURS": "inf"}, ["audit"], "SMBOT_NOTEBOOK_IDLE_HOURS"),
    ({"SMBOT_STUDIO_IDLE_HOURS": "nan"}, ["audit"], "SMBOT_STUDIO_IDLE_HOURS"),
    ({"SMBOT_DIGEST_CRON": "0 9 31 2 *"}, ["audit"], "never fires"),
    ({"SMBOT_REGIONS": "[\"us-east-1\""}, ["audit"], "SMBOT_REGIONS"),
    ({"SMBOT_ACCOUNTS": "123456789012"}, ["audit"], "SMBOT_ACCOUNTS"),
    ({}, ["run", "--http", "--port", "99999"], "--port"),
    ({}, ["audit", "--days", "1000000"], "--days"),
    ({}, ["audit", "--days", "soon"], "--days"),
    ({}, ["schedule", "remove", "99999999999999999999999"], "no schedule #99999999999999999999999"),
    ({}, ["schedule"], "say what to do"),
    ({}, ["schedule", "remove", "x"], "not a schedule id"),
    ({}, ["schedule", "add", "nb-1", "1-5", "09:00-18:00"], "not numbers"),
    ({}, ["schedule", "add", "nb-1", "weekdays", "09:00-18:00", "Mars/Olympus"], "unknown time zone"),
    ({}, ["schedule", "list", "extra"], "cannot read"),
    ({}, ["scan", "--kind", "idle-gpu"], "idle-notebook"),
    ({}, ["scan", "--region", "moon-1"], "SMBOT_REGIONS"),
    ({}, ["frobnicate"], "frobnicate"),
]


def _run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's own exit
        code = exited.code
    return code, capsys.readouterr().err


def _assert_one_line(code: int, err: str, needle: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("sm-cost-bot"), err
    assert needle in err, err


@pytest.mark.parametrize(("env", "argv", "needle"), BAD_INPUTS, ids=[" ".join([*e, *a]) for e, a, _ in BAD_INPUTS])
def test_a_bad_input_is_one_line_and_exit_2(env, argv, needle, monkeypatch, tmp_path, capsys):
    names = _files(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(**names))
    code, err = _run_main(argv, capsys)
    _assert_one_line(code, err, needle)


def _wrong_values(name: str) -> list[str]:
    """Values of the wrong type or outside the declared range for one setting."""
    info = Settings.model_fields[name]
    annotation = str(info.annotation)
    values = []
    if "bool" in annotation:
        values.append("maybe")
    elif "int" in annotation or "float" in annotation:
        values.append("lots")
        for bound in info.metadata:
            if isinstance(bound, annotated_types.Ge | annotated_types.Gt):
                low = bound.ge if isinstance(bound, annotated_types.Ge) else bound.gt
                values.append(str(low - 1 if isinstance(bound, annotated_types.Ge) else low))
            if isinstance(bound, annotated_types.Le | annotated_types.Lt):
                high = bound.le if isinstance(bound, annotated_types.Le) else bound.lt
                values.append(str(high + 1 if isinstance(bound, annotated_types.Le) else high))
    return values


SWEEP = [(env_name(name), value) for name in Settings.model_fields for value in _wrong_values(name)]


@pytest.mark.parametrize(("variable", "value"), SWEEP, ids=[f"{n}={v}" for n, v in SWEEP])
def test_every_setting_rejects_a_wrong_type_or_range_in_one_line(variable, value, monkeypatch, capsys):
    monkeypatch.setenv(variable, value)
    code, err = _run_main(["audit"], capsys)
    _assert_one_line(code, err, variable)


def test_the_sweep_covers_numbers_and_switches():
    swept = {name for name, _ in SWEEP}
    assert {"SMBOT_NOTEBOOK_IDLE_HOURS", "SMBOT_DRY_RUN", "AWS_MAX_ATTEMPTS"} <= swept


def test_no_aws_credentials_is_exit_2_saying_how_to_provide_them(monkeypatch, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role lookup off loopback
    code, err = _run_main(["scan"], capsys)
    _assert_one_line(code, err, "no AWS credentials found")
    assert "AWS_PROFILE" in err and "AWS_ACCESS_KEY_ID" in err and "role" in err


def _cli(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=60, **kwargs)


@pytest.fixture
def http_env(slack_api, tmp_path):
    import os

    env = dict(os.environ)
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
               SLACK_API_URL=slack_api.api_url, SMBOT_DB_PATH=str(tmp_path / "bot.db"))
    return env


def test_a_port_in_use_is_one_line(http_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _cli(["run", "--http", "--host", "127.0.0.1", "--port", str(port)], http_env)
    _assert_one_line(result.returncode, result.stderr.splitlines()[-1], f"127.0.0.1:{port}")
    assert "Traceback" not in result.stderr


def test_a_host_this_machine_does_not_have_is_one_line(http_env):
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address, so bind() fails; nothing is sent.
    result = _cli(["run", "--http", "--host", "192.0.2.1", "--port", "3999"], http_env)
    _assert_one_line(result.returncode, result.stderr.splitlines()[-1], "192.0.2.1:3999")
    assert "Traceback" not in result.stderr


def test_digest_post_with_slack_unreachable_is_one_line(http_env, moto_server):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {**http_env, "SLACK_API_URL": f"http://127.0.0.1:{port}/api/",
           "SMBOT_DIGEST_CHANNEL": "C0DIGEST", "SMBOT_DIGEST_WHEN_EMPTY": "true"}
    result = _cli(["digest", "--post"], env)
    _assert_one_line(result.returncode, result.stderr.splitlines()[-1], "cannot reach the Slack API")
    assert "Traceback" not in result.stderr


def test_output_piped_into_a_reader_that_stopped_is_not_an_error(tmp_path):
    """`sm-cost-bot audit --format json | head -c0`: the reader is gone before the first write."""
    import os

    env = {**os.environ, "SMBOT_DB_PATH": str(tmp_path / "bot.db")}
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([CLI, "audit", "--format", "json"], env=env, stdout=write_end,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.returncode == 0
