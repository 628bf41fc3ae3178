"""An AWS endpoint that accepts connections and never answers: the scan gives up on that part
within the timeout × attempts and says so, and Ctrl-C stops the CLI at once (exit 130)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main

CLI = str(Path(sys.executable).with_name("sm-cost-bot"))


@pytest.fixture
def hung_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A listening socket nobody accepts from: the kernel completes the TCP handshake, the
    request goes into the backlog, and no answer ever comes (a hung VPC endpoint or proxy)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
        yield listener


def test_a_hung_endpoint_fails_its_part_and_names_the_timeout(hung_endpoint, monkeypatch, capsys):
    monkeypatch.setenv("SMBOT_AWS_READ_TIMEOUT_SECONDS", "0.3")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    code = main(["scan", "--format", "json", "--kind", "unused-endpoint"])

    assert code == 3
    out = capsys.readouterr().out
    assert "Read timeout" in out
    assert "SMBOT_AWS_READ_TIMEOUT_SECONDS" in out


def test_ctrl_c_stops_a_scan_stuck_on_a_hung_endpoint_with_exit_130(hung_endpoint, tmp_path):
    env = {**os.environ, "SMBOT_AWS_READ_TIMEOUT_SECONDS": "600", "AWS_MAX_ATTEMPTS": "5",
           "SMBOT_DB_PATH": str(tmp_path / "bot.db")}
    scan = subprocess.Popen([CLI, "scan"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        hung_endpoint.settimeout(60)
        hung_endpoint.accept()[0].close()  # the scan's first request has arrived: it is stuck now
    finally:
        scan.send_signal(signal.SIGINT)
    # Without the fix the process waits for its workers: 600 s × 5 attempts.
    out, err = scan.communicate(timeout=10)
    assert scan.returncode == 130
    assert err.strip().splitlines() == ["sm-cost-bot: interrupted"]
