"""`sm-cost-bot run` as a user starts it: a subprocess, HTTP mode, the Slack stand-in, moto."""

from __future__ import annotations

import signal
import subprocess

import requests

from tests.e2e.bot_process import CLI, free_port, start_bot


def run(args, env, timeout=30):
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_http_mode_answers_a_signed_command_and_stops_cleanly_on_sigterm(running_bot, signed, slack_api):
    url, process = running_bot

    response = signed.command("/sm-idle").post(url)

    assert response.status_code == 200
    answer = slack_api.wait_for("response_url", timeout_seconds=60)[0].params
    assert answer["response_type"] == "ephemeral"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert slack_api.calls_to("auth.test"), "the token is verified at start-up"


def test_missing_tokens_name_what_to_set_and_exit_2(bot_env):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        bot_env.pop(name, None)

    socket_mode = run(["run"], bot_env)
    http_mode = run(["run", "--http"], bot_env)

    assert socket_mode.returncode == 2
    assert socket_mode.stderr.strip().splitlines() == [
        "sm-cost-bot: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN for Socket Mode (or use --http with SLACK_SIGNING_SECRET)"
    ]
    assert http_mode.returncode == 2
    assert http_mode.stderr.strip() == "sm-cost-bot: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for HTTP mode (--http)"


def test_a_token_slack_rejects_exits_2_with_one_line(bot_env, slack_api):
    slack_api.respond_with("auth.test", {"ok": False, "error": "invalid_auth"})

    result = run(["run", "--http", "--port", str(free_port())], bot_env)

    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN was not accepted by Slack" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_slack_api_ends_in_one_line_not_a_trace(bot_env):
    bot_env["SLACK_API_URL"] = f"http://127.0.0.1:{free_port()}/api/"

    result = run(["run", "--http", "--port", str(free_port())], bot_env)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("sm-cost-bot: cannot reach the Slack API at http://127.0.0.1:")
    assert "Traceback" not in result.stderr


def test_socket_mode_with_an_app_token_slack_rejects_exits_2_with_one_line(bot_env, slack_api):
    bot_env["SLACK_APP_TOKEN"] = "xapp-rejected"
    slack_api.respond_with("apps.connections.open", {"ok": False, "error": "invalid_auth"})

    result = run(["run"], bot_env)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == "sm-cost-bot: SLACK_APP_TOKEN was not accepted by Slack: invalid_auth"
    assert "Traceback" not in result.stderr
    assert slack_api.calls_to("apps.connections.open")[0].headers["authorization"] == "Bearer xapp-rejected"


def test_a_second_bot_on_the_same_database_stops_with_one_line(running_bot, bot_env):
    url, first = running_bot
    second = run(["run", "--http", "--host", "127.0.0.1", "--port", str(free_port())], bot_env)
    assert second.returncode == 2
    [line] = second.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"sm-cost-bot: another sm-cost-bot (pid {first.pid}) is already running on")
    assert "Traceback" not in second.stderr
    assert requests.get(f"{url}/healthz", timeout=5).status_code == 200  # the first one keeps serving


def test_the_lock_dies_with_the_bot(bot_env, tmp_path):
    from bot.runtime.single_instance import DatabaseLock

    _, process = start_bot(bot_env)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    DatabaseLock(bot_env["SMBOT_DB_PATH"]).acquire().release()  # a killed bot leaves no stale lock
