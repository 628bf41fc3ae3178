"""No secret in any log, at any level: AWS keys and session tokens, Slack tokens, the signing secret.

Two layers. botocore logs request headers (the `X-Amz-Security-Token`), and AssumeRole answers
with their new keys, at DEBUG, and urllib3 logs URLs at DEBUG (a response_url is a capability):
their loggers are held at INFO whatever the bot's level (FACTS.md). Then every record that reaches
a handler is masked: the exact values of the secrets this process knows (settings, the AWS
environment) and anything shaped like a Slack token, an AWS key id or a `…token=`/`secret:` pair.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable

# Loggers that print credentials or capability URLs at DEBUG.
CREDENTIAL_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "slack_sdk.web", "slack_sdk.http_retry")
MASK = "[redacted]"
AWS_SECRET_ENVIRONMENT = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")

# Values that are secrets by their shape alone.
SECRET_SHAPES = re.compile(
    r"xox[a-z]-[A-Za-z0-9-]+"  # Slack bot/user tokens
    r"|xapp-[A-Za-z0-9-]+"  # Slack app-level tokens
    r"|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"  # AWS access key ids (long-term and temporary)
    r"|hooks\.slack\.com/[^\s'\"]+"  # response_url and webhooks: anyone holding one can post
)
# Values that are secrets by the name next to them: JSON, headers, query strings, reprs, XML.
SECRET_PAIRS = re.compile(
    r"(?i)(?P<key>(?:secret[_a-z]*|session[_-]?token|security[_-]?token|authorization|\btoken|password"
    r"|signature)[\"']?\s*[:=]\s*b?[\"']?(?:bearer\s+)?)[^\s\"',&}<]+"
)
SECRET_ELEMENTS = re.compile(r"(?P<key><(?:SecretAccessKey|SessionToken)>)[^<]*")


class SecretMask(logging.Filter):
    """Rewrites a record's message with every secret masked (a handler filter: it sees every
    record the handler emits, whichever logger made it)."""

    def __init__(self, known_secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Short values would mask ordinary words; real secrets are long.
        self._known = sorted({s for s in known_secrets if s and len(s) >= 8}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self._known:
            text = text.replace(secret, MASK)
        text = SECRET_SHAPES.sub(MASK, text)
        text = SECRET_PAIRS.sub(rf"\g<key>{MASK}", text)
        return SECRET_ELEMENTS.sub(rf"\g<key>{MASK}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        masked = self.mask(message)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        record.msg, record.args = masked, None
        return True


def known_secrets(settings: object) -> list[str | None]:
    """The secret values this process holds: Slack's from the settings, AWS's from the environment."""
    slack = [getattr(settings, name, None) for name in ("slack_bot_token", "slack_app_token", "slack_signing_secret")]
    return [*slack, *(os.environ.get(name) for name in AWS_SECRET_ENVIRONMENT)]


def configure_logging(level: str, secrets: Iterable[str | None]) -> None:
    """The process's logging for `run`: `level` for the bot, credential loggers held at INFO,
    every handler on the root logger masking secrets."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name in CREDENTIAL_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    mask = SecretMask(secrets)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, SecretMask) for f in handler.filters):
            handler.addFilter(mask)
