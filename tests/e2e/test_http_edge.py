"""The HTTP edge and the database, attacked from outside a running `sm-cost-bot run --http`:
lying bodies, idle sockets, a second bot through another path, a database pulled from under it,
and debug logging with every secret set."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import time

import pytest
import requests

from tests.e2e.bot_process import CLI, free_port, proc_status, start_bot
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def _status_after(url: str, head: bytes, body: bytes) -> int:
    with socket.create_connection(_address(url), timeout=10) as sock:
        sock.sendall(head + b"\r\n\r\n")
        try:
            sock.sendall(body)
        except OSError:  # the server answered and closed before taking the whole body
            pass
        return int(sock.recv(1024).split(b" ", 2)[1])


def test_a_negative_content_length_with_a_big_body_is_refused_without_reading_it(running_bot):
    url, process = running_bot
    rss_before_kb = proc_status(process.pid, "VmRSS")

    status = _status_after(url, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: -1", b"x" * 30_000_000)

    assert status == 400
    assert proc_status(process.pid, "VmRSS") - rss_before_kb < 20_000  # kB: the body was not buffered
    assert requests.get(f"{url}/healthz", timeout=5).status_code == 200


def test_an_unsigned_deeply_nested_payload_is_a_400(running_bot):
    url, _ = running_bot

    response = requests.post(
        f"{url}/slack/events", data="payload=" + "[" * 100_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10,
    )

    assert response.status_code == 400


def test_idle_connections_cost_the_bot_no_threads_and_starve_nobody(running_bot, signed):
    url, process = running_bot
    threads_before = proc_status(process.pid, "Threads")
    idle = []
    try:
        for _ in range(300):
            sock = socket.create_connection(_address(url), timeout=5)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\n")
            idle.append(sock)

        response = signed.command("/sm-help").post(url)

        assert response.status_code == 200
        assert proc_status(process.pid, "Threads") < threads_before + 10
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize("link", [os.symlink, os.link], ids=["symlink", "hard link"])
def test_a_second_bot_on_the_same_file_through_another_path_stops_with_one_line(running_bot, bot_env, tmp_path, link):
    url, first = running_bot
    other = tmp_path / "elsewhere"
    other.mkdir()
    link(bot_env["SMBOT_DB_PATH"], other / "alias.db")
    bot_env["SMBOT_DB_PATH"] = str(other / "alias.db")

    second = subprocess.run(
        [CLI, "run", "--http", "--host", "127.0.0.1", "--port", str(free_port())],
        env=bot_env, capture_output=True, text=True, timeout=60,
    )

    assert second.returncode == 2
    assert second.stderr.strip().splitlines()[-1].startswith(f"sm-cost-bot: another sm-cost-bot (pid {first.pid}) is already running on")
    assert requests.get(f"{url}/healthz", timeout=5).status_code == 200


def test_the_database_file_is_private(running_bot, bot_env):
    assert os.stat(bot_env["SMBOT_DB_PATH"]).st_mode & 0o777 == 0o600


def test_a_database_deleted_under_the_bot_stops_it_and_is_not_recreated_on_restart(running_bot, bot_env):
    _, process = running_bot
    db = bot_env["SMBOT_DB_PATH"]

    os.unlink(db)
    process.wait(timeout=30)

    assert process.returncode == 1
    stderr = process.stderr.read()
    assert f"sm-cost-bot: the database {db} was deleted while the bot was running; stopping" in stderr.splitlines()
    assert "Traceback" not in stderr
    restart = subprocess.run([CLI, "run", "--http", "--port", str(free_port())], env=bot_env, capture_output=True, text=True, timeout=60)
    assert restart.returncode == 2
    assert restart.stderr.strip().splitlines() == [
        f"sm-cost-bot: the database {db} is missing, but a bot ran on it before ({db}.lock exists);"
        f" restore the database, or delete {db}.lock to start with an empty one"
    ]
    assert not os.path.exists(db)


def test_healthz_is_503_while_the_database_cannot_take_a_write(running_bot, bot_env):
    url, _ = running_bot
    holder = sqlite3.connect(bot_env["SMBOT_DB_PATH"])
    holder.execute("BEGIN IMMEDIATE")
    try:
        blocked = requests.get(f"{url}/healthz", timeout=10)
    finally:
        holder.rollback()
        holder.close()

    assert blocked.status_code == 503
    assert blocked.json()["problems"] == [f"the database {bot_env['SMBOT_DB_PATH']} is not writable: database is locked"]
    assert requests.get(f"{url}/healthz", timeout=10).status_code == 200


def test_debug_logging_prints_no_secret(bot_env, signed, slack_api):
    secret_key, session_token = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEXAMPLEsessiontoken0123456789"
    bot_env.update(
        SMBOT_LOG_LEVEL="DEBUG", AWS_SECRET_ACCESS_KEY=secret_key, AWS_SESSION_TOKEN=session_token,
        SMBOT_ACCOUNTS="arn:aws:iam::111111111111:role/sm-cost-bot-read",
    )
    url, process = start_bot(bot_env)
    try:
        assert signed.command("/sm-idle").post(url).status_code == 200
        slack_api.wait_for("response_url", timeout_seconds=60)
        time.sleep(0.5)  # the listener's last log lines
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)

    assert " DEBUG " in stderr, "debug logging was on"
    for secret in (BOT_TOKEN, SIGNING_SECRET, secret_key, session_token, "FQoGZXIvYXdz", "hooks.slack.com"):
        assert secret not in stderr
    assert not re.search(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b", stderr)
