"""`sm-cost-bot run` in Socket Mode, the default, end to end: a subprocess that gets its
websocket URL from `apps.connections.open` on the Web API stand-in, connects to the local
websocket stand-in, acks every envelope and answers, and comes back after a dropped socket."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from reports.ids import ActionId
from tests.fakes.slack_api import BOT_TOKEN, SignedRequests
from tests.fakes.socket_mode import SocketModeStandIn

CLI = str(Path(sys.executable).with_name("sm-cost-bot"))
# Slack's limit for acking an envelope. The waits below allow more, for a loaded test machine;
# the figure itself is printed by benchmarks/slack_bench.py.
ACK_WAIT_SECONDS = 10


@pytest.fixture
def socket_mode(slack_api) -> Iterator[SocketModeStandIn]:
    stand_in = SocketModeStandIn(slack_api)
    yield stand_in
    stand_in.stop()


@pytest.fixture
def socket_bot(moto_server, slack_api, socket_mode, tmp_path) -> Iterator[subprocess.Popen]:
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-test",
           "SLACK_API_URL": slack_api.api_url, "SMBOT_DB_PATH": str(tmp_path / "bot.db"),
           "SMBOT_REGIONS": "us-east-1"}
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(proxy, None)  # the websocket client tunnels through a proxy whatever NO_PROXY says
    bot = subprocess.Popen([CLI, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        socket_mode.wait_for_connection()
        yield bot
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.communicate()


def _command(signed: SignedRequests, command: str, text: str = "") -> dict[str, str]:
    """A slash command's payload as Socket Mode carries it: the HTTP form's fields as JSON."""
    return dict(parse_qsl(signed.command(command, text).body))


def _click(signed: SignedRequests, action_id: str, value: str) -> dict:
    return json.loads(dict(parse_qsl(signed.click(action_id, value).body))["payload"])


def test_the_app_token_opens_the_connection_and_hello_is_accepted(socket_bot, socket_mode, slack_api):
    opened = slack_api.calls_to("apps.connections.open")
    assert opened and {c.headers["authorization"] for c in opened} == {"Bearer xapp-test"}
    assert socket_mode.connections == 1
    assert socket_bot.poll() is None


def test_a_slash_command_envelope_is_acked_and_answered(socket_bot, socket_mode, signed):
    envelope_id = socket_mode.send("slash_commands", _command(signed, "/sm-help"), accepts_response_payload=True)
    ack = socket_mode.wait_for_ack(envelope_id, ACK_WAIT_SECONDS)
    assert "/sm-idle" in json.dumps(ack.payload)


def test_a_button_click_envelope_is_acked_and_answered(socket_bot, socket_mode, signed, slack_api):
    envelope_id = socket_mode.send("interactive", _click(signed, ActionId.RESTORE.value, "999999"))
    socket_mode.wait_for_ack(envelope_id, ACK_WAIT_SECONDS)
    [answer] = slack_api.wait_for("chat.postEphemeral")
    assert answer.params["user"] == "U0ALICE"
    assert "no deleted endpoint to restore" in answer.params["text"]


def test_a_dropped_socket_is_reconnected_and_serves_again(socket_bot, socket_mode, signed, slack_api):
    opened_before = len(slack_api.calls_to("apps.connections.open"))
    socket_mode.drop()  # no close frame: what a dead proxy or NAT entry looks like
    socket_mode.wait_for_connection(2, timeout_seconds=60)
    assert len(slack_api.calls_to("apps.connections.open")) > opened_before  # a fresh URL
    envelope_id = socket_mode.send("slash_commands", _command(signed, "/sm-help"), accepts_response_payload=True)
    assert "/sm-idle" in json.dumps(socket_mode.wait_for_ack(envelope_id, ACK_WAIT_SECONDS).payload)
