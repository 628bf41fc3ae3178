"""Kill the bot (SIGKILL) between each pair of transitions and at every instant of the approve →
claim → re-read → AWS call → record path, restart it, and count what reached AWS: no request is
lost, no action runs twice. AWS calls are counted by moto's own recorder (every request that
arrived over HTTP, whichever process sent it).

The suite kills at a fixed sample of instants; SMBOT_FULL_CRASH_SWEEP=1 kills at every one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.actions import executor, recovery
from bot.actions.models import ActionKind, RequestState, Vote
from bot.aws.session import ClientFactory, RegionClients
from bot.config import Settings
from bot.demo.moto_fleet import MotoFleet
from bot.services import build_services
from bot.storage.store import Store
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET

S = RequestState
REPO = Path(__file__).parents[2]
CHILD = str(Path(__file__).with_name("crash_child.py"))
CLI = str(Path(sys.executable).with_name("sm-cost-bot"))
APPROVER, REQUESTER = "UAPPROVER1", "UREQUESTER"
KEY = "123456789012:us-east-1:notebook-instance:nb-1"
ENDPOINT_KEY = "123456789012:us-east-1:endpoint:ep-1"
FULL_SWEEP = os.environ.get("SMBOT_FULL_CRASH_SWEEP") == "1"
MAX_INSTANTS = 40  # more than a stop or a delete has (the full sweep asserts it reached the end)
# The stop path's instants: 1 vote committed, 2 claim committed, 3-6 re-read sent/answered
# (describe, tags), 7 re-read audited, 8 StopNotebookInstance sent, 9 its answer, 10 audited, 11
# success recorded (then what follows a success, e.g. the savings ledger). The delete path adds
# the invocation re-check and the saved configuration: 20 configuration saved, 22 DeleteEndpoint
# sent, 23 its answer (of 26). The sample kills on each side of the boundaries that matter.
STOP_SAMPLE = (1, 2, 8, 9, 11)
DELETE_SAMPLE = (20, 22, 23)


@pytest.fixture
def env(moto_server: str, tmp_path: Path) -> dict[str, str]:
    values = dict(os.environ)
    values.update(
        SMBOT_DB_PATH=str(tmp_path / "crash.db"), SMBOT_REGIONS="us-east-1",
        SMBOT_APPROVERS=APPROVER, PYTHONPATH=str(REPO),
    )
    return values


@pytest.fixture
def recorder(moto_recording):
    """Count SageMaker operations as moto received them, from this process and its children."""
    return lambda operation: moto_recording(f"SageMaker.{operation}")


def services_for(env: dict[str, str]):
    settings = Settings(db_path=env["SMBOT_DB_PATH"], regions=["us-east-1"], approvers=[APPROVER])
    return build_services(settings, clients=ClientFactory(), store=Store(settings.db_path))


def open_request(env: dict[str, str], action: ActionKind = ActionKind.STOP_NOTEBOOK) -> int:
    services = services_for(env)
    fleet = MotoFleet(clients=RegionClients(services.clients, "us-east-1"))
    if action is ActionKind.STOP_NOTEBOOK:
        fleet.notebook("nb-1")
        key = KEY
    else:
        fleet.endpoint("ep-1")
        key = ENDPOINT_KEY
    opened = executor.request_action(services, action, key, REQUESTER)
    return opened.request.id


def run_child(point: str, request_id: int, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, CHILD, point, str(request_id), APPROVER],
        env=env, capture_output=True, text=True, timeout=60,
    )


def kill_at(point: str, request_id: int, env: dict[str, str]) -> None:
    child = run_child(point, request_id, env)
    assert child.returncode == -signal.SIGKILL, child.stderr


def crash_at_step_then_restart(env: dict[str, str], action: ActionKind, step: int) -> tuple[bool, int]:
    """Kill the approving process at instant `step`, restart twice; (killed, request id).
    A vote that died uncommitted is clicked again, as the approver would (nothing happened)."""
    request_id = open_request(env, action)
    child = run_child(f"step:{step}", request_id, env)
    assert child.returncode in (0, -signal.SIGKILL), child.stderr
    for _ in range(2):  # restarting twice changes nothing more
        recovery.recover(services_for(env))
    services = services_for(env)
    if executor.requests_of(services).get(request_id).state is S.REQUESTED:
        executor.vote_and_run(services, request_id, APPROVER, Vote.APPROVE, [APPROVER])
    return child.returncode == -signal.SIGKILL, request_id


def assert_done_once(env: dict[str, str], recorder, request_id: int, operation: str, step: int) -> None:
    after = executor.requests_of(services_for(env)).get(request_id)
    assert (after.state, recorder(operation)) == (S.SUCCEEDED, 1), f"killed at instant {step}: {after.reason}"


@pytest.mark.parametrize("step", range(1, MAX_INSTANTS) if FULL_SWEEP else STOP_SAMPLE)
def test_a_stop_killed_at_any_instant_is_done_exactly_once(env, recorder, step) -> None:
    killed, request_id = crash_at_step_then_restart(env, ActionKind.STOP_NOTEBOOK, step)
    if FULL_SWEEP and not killed:
        assert step > max(STOP_SAMPLE), "the path has fewer instants than the sample assumes"
    assert_done_once(env, recorder, request_id, "StopNotebookInstance", step)


@pytest.mark.parametrize("step", range(1, MAX_INSTANTS) if FULL_SWEEP else DELETE_SAMPLE)
def test_an_endpoint_delete_killed_at_any_instant_is_done_once_and_restorable(env, recorder, step) -> None:
    _, request_id = crash_at_step_then_restart(env, ActionKind.DELETE_ENDPOINT, step)
    assert_done_once(env, recorder, request_id, "DeleteEndpoint", step)
    assert executor.requests_of(services_for(env)).deleted_endpoint(request_id) is not None


def test_the_stop_path_has_the_instants_the_sample_names(env) -> None:
    """Guards the sample: if the path changes, the numbers above must be looked at again."""
    request_id = open_request(env)
    child = run_child(f"step:{MAX_INSTANTS}", request_id, env)
    seen = int(child.stdout.strip() or 0)
    assert child.returncode == 0 and max(STOP_SAMPLE) <= seen < MAX_INSTANTS, child.stderr


@pytest.mark.parametrize(
    "point, final_state, stops",
    [("approved", S.SUCCEEDED, 1), ("claimed", S.SUCCEEDED, 1), ("called", S.SUCCEEDED, 1)],
)
def test_a_killed_bot_recovers_without_losing_or_repeating_the_action(
    env, recorder, point, final_state, stops
) -> None:
    request_id = open_request(env)
    kill_at(point, request_id, env)
    left = executor.requests_of(services_for(env)).get(request_id).state
    assert left is (S.APPROVED if point == "approved" else S.EXECUTING)

    for _ in range(2):  # restarting twice changes nothing more
        recovery.recover(services_for(env))
    after = executor.requests_of(services_for(env)).get(request_id)
    assert after.state is final_state
    assert recorder("StopNotebookInstance") == stops


def test_sm_cost_bot_run_recovers_at_start_up(env, recorder, slack_api) -> None:
    request_id = open_request(env)
    kill_at("called", request_id, env)
    port = _free_port()
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
               SLACK_API_URL=slack_api.api_url)
    bot = subprocess.Popen(
        [CLI, "run", "--http", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", bot)  # recovery runs before serving
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.communicate(timeout=30)
    after = executor.requests_of(services_for(env)).get(request_id)
    assert (after.state, recorder("StopNotebookInstance")) == (S.SUCCEEDED, 1)
    assert "not re-run" in after.reason


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, limit_seconds: float = 30) -> None:
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the bot exited: {process.stderr.read()}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("the bot never became healthy")
