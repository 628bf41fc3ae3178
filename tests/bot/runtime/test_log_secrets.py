"""No secret in any log at any level: real boto3 calls (AssumeRole included) and Slack-shaped text
logged at DEBUG, the captured output grepped for every secret the process saw."""

from __future__ import annotations

import io
import logging
import re

import pytest

from bot.aws.session import ClientFactory
from bot.config import AccountTarget
from bot.runtime.log_secrets import CREDENTIAL_LOGGERS, SecretMask, configure_logging

SLACK_TOKEN = "xoxb-1111-2222-abcdefghijkl"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessiontokenvalue0123456789"


class _Settings:
    slack_bot_token = SLACK_TOKEN
    slack_app_token = None
    slack_signing_secret = SIGNING_SECRET


@pytest.fixture
def debug_log(monkeypatch):
    """The root logger at DEBUG as `run` configures it, writing into a buffer; restored after."""
    from bot.runtime.log_secrets import known_secrets

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    root = logging.getLogger()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    saved_levels = {name: logging.getLogger(name).level for name in ("", *CREDENTIAL_LOGGERS)}
    root.addHandler(handler)
    configure_logging("DEBUG", known_secrets(_Settings()))
    yield buffer
    root.removeHandler(handler)
    for h in root.handlers:
        for f in [f for f in h.filters if isinstance(f, SecretMask)]:
            h.removeFilter(f)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)


def test_boto3_at_debug_logs_no_credentials_not_even_assumed_ones(debug_log, moto_server):
    factory = ClientFactory()
    target = AccountTarget(role_arn="arn:aws:iam::111111111111:role/sm-cost-bot-read")
    sts = factory._base().client("sts", region_name="us-east-1")
    issued = sts.assume_role(RoleArn=target.role_arn, RoleSessionName="probe")["Credentials"]

    factory.client("sagemaker", "us-east-1", target).list_notebook_instances()
    logging.getLogger("bot").debug("issued %s", issued)  # the bot's own logger printing a secret

    text = debug_log.getvalue()
    assert "issued" in text, "the bot's own DEBUG records are kept"
    for secret in (AWS_SECRET, SESSION_TOKEN, issued["SecretAccessKey"], issued["SessionToken"]):
        assert secret not in text
    assert not re.search(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b", text)


def test_slack_secrets_logged_at_debug_are_masked(debug_log):
    log = logging.getLogger("slack_bolt.App")

    log.debug("headers: {'Authorization': 'Bearer %s'}", SLACK_TOKEN)
    log.debug("verifying with %s", SIGNING_SECRET)
    log.debug("body: token=abc123verification&response_url=https://hooks.slack.com/commands/T1/2/x")
    log.debug("app token xapp-1-A0-123-abcdef")

    text = debug_log.getvalue()
    for secret in (SLACK_TOKEN, SIGNING_SECRET, "abc123verification", "hooks.slack.com/commands", "xapp-1-A0"):
        assert secret not in text
    assert text.count("[redacted]") == 5


def test_credential_loggers_stay_at_info_when_the_bot_logs_at_debug(debug_log):
    assert logging.getLogger().isEnabledFor(logging.DEBUG)
    for name in CREDENTIAL_LOGGERS:
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name


@pytest.mark.parametrize(
    "line",
    [
        '{"SecretAccessKey": "abc/def+ghi", "SessionToken": "FwoGabc"}',
        "<SecretAccessKey>abc/def</SecretAccessKey>",
        "{'X-Amz-Security-Token': b'FwoGZXIv'}",
        "Credential=ASIAABCDEFGHIJKLMNOP/20260101",
        "Signature=deadbeefcafe",
    ],
)
def test_aws_secret_shapes_are_masked(line):
    masked = SecretMask().mask(line)

    assert "[redacted]" in masked
    assert not any(value in masked for value in ("abc/def", "FwoG", "ASIAABCDEFGHIJKLMNOP", "deadbeefcafe"))
