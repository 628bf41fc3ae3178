"""`sm-cost-bot run --http` as a child process, for the end-to-end tests: start it, wait until it
serves, read its threads and memory from /proc."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

CLI = str(Path(sys.executable).with_name("sm-cost-bot"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_bot(env: dict[str, str], timeout_seconds: float = 30) -> tuple[str, subprocess.Popen]:
    """The bot in HTTP mode on a free port, once /healthz answers 200 (scheduler up, database
    writable); fails with the bot's stderr if it does not get there."""
    port = free_port()
    process = subprocess.Popen(
        [CLI, "run", "--http", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return url, process
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"bot did not start: {process.communicate()[1][-2000:]}")


def proc_status(pid: int, field: str) -> int:
    """A number from /proc/<pid>/status: "Threads", or "VmRSS" (kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate()
