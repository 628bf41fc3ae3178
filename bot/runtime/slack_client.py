"""The one way the bot builds its Slack WebClient: `SLACK_API_URL` honoured, 429s retried.

slack_sdk's default client retries only connection errors; `RateLimitErrorRetryHandler` waits
for Slack's Retry-After (chat.postMessage allows ~1 message/second/channel, and a digest with
thread replies can hit that).
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.config import Settings

DEFAULT_API_URL = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 3


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
