"""The bot as a user starts it, for every end-to-end test: its environment and a running
`sm-cost-bot run --http` child against moto_server and the Slack stand-in."""

from __future__ import annotations

import json
import os

import pytest
import requests

from tests.e2e.bot_process import start_bot, stop
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET


@pytest.fixture
def bot_env(moto_server, slack_api, tmp_path):
    env = dict(os.environ)
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api.api_url,
        SMBOT_DB_PATH=str(tmp_path / "e2e.db"),
        SMBOT_REGIONS="us-east-1",
    )
    return env


@pytest.fixture
def running_bot(bot_env):
    url, process = start_bot(bot_env)
    yield url, process
    stop(process)


@pytest.fixture
def moto_recording(moto_server: str):
    """How many times moto received an operation (`"SageMaker.StopNotebookInstance"`: its
    X-Amz-Target), from this process and the bot processes it starts alike."""
    requests.post(f"{moto_server}/moto-api/recorder/reset-recording", timeout=10)
    requests.post(f"{moto_server}/moto-api/recorder/start-recording", timeout=10)

    def count(target: str) -> int:
        text = requests.get(f"{moto_server}/moto-api/recorder/download-recording", timeout=10).text
        targets = [json.loads(line)["headers"].get("X-Amz-Target", "") for line in text.splitlines() if line]
        return targets.count(target)

    yield count
    requests.post(f"{moto_server}/moto-api/recorder/stop-recording", timeout=10)
