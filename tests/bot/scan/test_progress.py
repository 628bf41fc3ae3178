"""The scan progress bar: drawn on a terminal's stderr, never into output meant for programs."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from bot.scan.progress import scan_progress

CLI = str(Path(sys.executable).with_name("sm-cost-bot"))


def test_no_bar_when_stderr_is_not_a_terminal():
    with scan_progress(io.StringIO()) as on_progress:
        assert on_progress is None


def test_the_bar_counts_parts_done_of_the_total():
    stream = io.StringIO()
    with scan_progress(stream, force=True) as on_progress:
        on_progress(0, 10)
        on_progress(7, 10)
    assert "7/10" in stream.getvalue()


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side of the pty is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def test_scan_json_on_a_terminal_draws_on_stderr_and_keeps_stdout_json(moto_server, tmp_path):
    env = {**os.environ, "SMBOT_DB_PATH": str(tmp_path / "bot.db"), "COLUMNS": "120"}
    controller, terminal = pty.openpty()
    scan = subprocess.Popen(
        [CLI, "scan", "--format", "json", "--kind", "unused-endpoint"],
        env=env, stdout=subprocess.PIPE, stderr=terminal, text=True,
    )
    os.close(terminal)
    out, _ = scan.communicate(timeout=120)
    err = _read_all(controller)
    os.close(controller)
    assert scan.returncode == 0, err
    assert json.loads(out)["findings"] == []
    assert "scanning account × region × kind" in err
