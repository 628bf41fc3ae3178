"""The bot as a user starts it, for every end-to-end test: its environment and a running
`sm-cost-bot run --http` child against moto_server and the Slack stand-in."""

from __future__ import annotations

import os

import pytest

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
