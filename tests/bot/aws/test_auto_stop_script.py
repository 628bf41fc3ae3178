"""The auto-stop script's idle decision, run as the notebook runs it (a subprocess) against a
stand-in of the Jupyter server's REST API on 127.0.0.1 (`/api/sessions`, `/api/status`)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

import pytest

SCRIPT = resources.files("bot.aws").joinpath("auto_stop", "autostop.py")
NOW = datetime.now(UTC)


def jupyter_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # how Jupyter writes it


def session(path: str, *, idle_for: timedelta, state: str = "idle", connections: int = 0) -> dict:
    return {
        "id": f"s-{path}", "path": path, "name": path, "type": "notebook",
        "kernel": {"id": f"k-{path}", "name": "python3", "execution_state": state,
                   "connections": connections, "last_activity": jupyter_time(NOW - idle_for)},
    }


class JupyterApi:
    def __init__(self) -> None:
        self.sessions: list[dict] = []
        self.started = NOW - timedelta(days=1)


@pytest.fixture
def jupyter() -> Iterator[tuple[JupyterApi, int]]:
    api = JupyterApi()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answers = {"/api/sessions": api.sessions,
                       "/api/status": {"started": jupyter_time(api.started), "kernels": 1}}
            body = json.dumps(answers.get(self.path, {"message": "Not found"})).encode()
            self.send_response(200 if self.path in answers else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield api, server.server_address[1]
    server.shutdown()
    server.server_close()


def verdict(port: int, *extra: str, idle_minutes: int = 60) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--time", str(idle_minutes * 60), "--scheme", "http",
         "--host", "127.0.0.1", "--port", str(port), "--dry-run", *extra],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_sessions_all_idle_for_longer_than_the_limit_mean_idle(jupyter) -> None:
    api, port = jupyter
    api.sessions = [session("a.ipynb", idle_for=timedelta(hours=2)),
                    session("b.ipynb", idle_for=timedelta(hours=3))]
    assert verdict(port).startswith("idle: 2 session(s)")


def test_one_recently_active_session_keeps_the_notebook_running(jupyter) -> None:
    api, port = jupyter
    api.sessions = [session("old.ipynb", idle_for=timedelta(hours=5)),
                    session("new.ipynb", idle_for=timedelta(minutes=10))]
    assert verdict(port).startswith("not idle: new.ipynb was active at")


def test_a_busy_kernel_keeps_the_notebook_running(jupyter) -> None:
    api, port = jupyter
    api.sessions = [session("train.ipynb", idle_for=timedelta(hours=5), state="busy")]
    assert verdict(port) == "not idle: kernel of train.ipynb is busy"


def test_an_open_browser_tab_counts_unless_connections_are_ignored(jupyter) -> None:
    api, port = jupyter
    api.sessions = [session("a.ipynb", idle_for=timedelta(hours=5), connections=1)]
    assert verdict(port) == "not idle: a.ipynb has 1 open connection(s)"
    assert verdict(port, "--ignore-connections").startswith("idle:")


def test_without_sessions_the_server_uptime_decides(jupyter) -> None:
    api, port = jupyter
    api.started = NOW - timedelta(minutes=20)
    assert verdict(port).startswith("not idle: no sessions")
    api.started = NOW - timedelta(hours=2)
    assert verdict(port).startswith("idle: no sessions")
