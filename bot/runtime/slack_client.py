"""The one way the bot builds its Slack WebClient: `SLACK_API_URL` honoured, 429s retried.

slack_sdk's default client retries only connection errors; `RateLimitErrorRetryHandler` waits
for Slack's Retry-After (chat.postMessage allows ~1 message/second/channel, and a digest with
thread replies can hit that).
"""

from __future__ import annotations

from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.config import Settings

# A Slack call fails with an error answer (SlackApiError, also for a 429 once the retries are
# spent), or below it: a timeout, a refused or dropped connection (urllib raises OSError
# subclasses), a truncated reply (http.client). Callers that must not lose work catch all three.
SLACK_FAILURES: tuple[type[BaseException], ...] = (SlackClientError, OSError, HTTPException)

DEFAULT_API_URL = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 3
# Work owed to Slack (message updates, digest steps) is retried with this back-off.
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 600


def web_client(token: str | None, api_url: str | None = None, timeout_seconds: int = 30) -> WebClient:
    base_url = api_url or DEFAULT_API_URL
    if not base_url.endswith("/"):
        base_url += "/"  # WebClient appends the method name as is
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout_seconds,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


def build_web_client(settings: Settings) -> WebClient:
    return web_client(settings.slack_bot_token, settings.slack_api_url)


def describe_failure(exc: BaseException) -> tuple[str, float | None]:
    """(one line saying what went wrong, Slack's Retry-After in seconds if it sent one)."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        retry_after = None
        if response.status_code == 429:
            headers = {k.lower(): v for k, v in (response.headers or {}).items()}
            value = headers.get("retry-after")
            retry_after = float(value[0] if isinstance(value, list) else value) if value else None
        error = response.get("error") if isinstance(response.data, dict) else None
        return f"{error or f'HTTP {response.status_code}'}", retry_after
    return f"{type(exc).__name__}: {exc}", None


def retry_delay_seconds(attempts: int, retry_after_seconds: float | None = None) -> float:
    """Exponential back-off from FIRST_RETRY_SECONDS, capped; Slack's Retry-After wins if longer."""
    backoff = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return max(backoff, retry_after_seconds or 0)
