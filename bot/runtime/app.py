"""The Bolt app and its two transports; the only module in `bot/` that imports slack_bolt.

`build_app(services, client)` registers every surface's listeners (`handlers.*.register`), which
close over `services` (never Bolt's context: it is deep-copied for lazy listeners). `wsgi_app`
serves it over HTTP with `/healthz` and turns malformed bodies into 400 before Bolt sees them
(Bolt's own body parser raises on a bad `payload=` and the WSGI server would answer 500).
`socket_mode_handler` connects it over Socket Mode.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.runtime.http_server import MAX_BODY_BYTES
from bot.services import Services

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

# Errors that mean "this payload is not shaped like Slack's": the client's fault, a 4xx.
# RecursionError: json.loads of `payload=` + 100,000 `[` overflows the parser's stack.
PAYLOAD_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)
# Bolt runs every ack and lazy listener on this pool (default 10 threads). Slow work in lazy
# listeners (AWS actions, scans) must not leave no thread for the next request's ack.
LISTENER_THREADS = 32
APOLOGY = "Sorry, that did not work (ref {ref}). The bot's logs have the details."


class _TokenFromEnvironmentNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that the client's token wins: it is the same
    token, so the warning is noise at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    bolt_logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _TokenFromEnvironmentNotice) for f in bolt_logger.filters):
        bolt_logger.addFilter(_TokenFromEnvironmentNotice())
    return bolt_logger


def build_app(
    services: Services,
    client: WebClient,
    *,
    signing_secret: str | None = None,
    token_verification_enabled: bool = True,
) -> App:
    """A Bolt app over `client`. With `token_verification_enabled`, App() calls auth.test now.

    `signing_secret` defaults to SLACK_SIGNING_SECRET from the settings; Socket Mode requests
    are not signed and skip verification, so it may be empty there.
    """
    from handlers import actions, commands, views

    secret = signing_secret if signing_secret is not None else services.settings.slack_signing_secret
    app = App(
        client=client,
        signing_secret=secret or "",
        token_verification_enabled=token_verification_enabled,
        # Ack functions run in the request's own thread, so a listener that fails after ack()
        # still answers at once through `_on_error` (without it Bolt loses an ack that raced an
        # exception and answers 404 after 3 s). Slow work lives in lazy listeners either way.
        process_before_response=True,
        # No OAuth flow: one workspace, one bot token.
        logger=_bolt_logger(),
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt"),
    )
    app.error(_on_error)
    commands.register(app, services)
    actions.register(app, services)
    views.register(app, services)
    return app


def _on_error(error: Exception, logger: logging.Logger, response: BoltResponse | None) -> BoltResponse | None:
    """Log the trace with a reference; answer Slack without it.

    A failure in Bolt's middleware (Bolt prepared a 500) on a payload missing what Slack always
    sends is the sender's fault: 400. Anything else answers 200 with an ephemeral apology, which a
    slash command shows to the user only and interactions ignore.
    """
    ref = uuid.uuid4().hex[:8]
    logger.exception("request failed (ref %s): %s", ref, error)
    if response is None:  # a lazy listener failed: Slack already has its 200
        return None
    if response.status >= 500 and isinstance(error, PAYLOAD_SHAPE_ERRORS):
        return BoltResponse(status=400, body="malformed request")
    return BoltResponse(
        status=200,
        body=json.dumps({"response_type": "ephemeral", "text": APOLOGY.format(ref=ref)}),
        headers={"content-type": "application/json;charset=utf-8"},
    )


# --- HTTP mode -------------------------------------------------------------------------------

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _reply(start_response: Callable[..., Any], status: int, body: str | bytes, content_type: str = "text/plain;charset=utf-8", headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    data = body.encode() if isinstance(body, str) else body
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", content_type), ("Content-Length", str(len(data))), *(headers or [])],
    )
    return [data]


def is_parseable_slack_body(body: str, content_type: str | None) -> bool:
    """What Bolt's parser would choke on: JSON that is not an object, a `payload=` that is not."""
    try:
        if (content_type or "").startswith("application/json") or body.startswith("{"):
            return isinstance(json.loads(body), dict)
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" in fields:
            return isinstance(json.loads(fields["payload"]), dict)
        return bool(fields) or not body
    except (ValueError, RecursionError):  # deeply nested JSON overflows json's recursion limit
        return False


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def wsgi_app(
    app: App,
    path: str = EVENTS_PATH,
    *,
    on_rejected: Callable[[str, dict[str, str]], None] | None = None,
    health: Callable[[], list[str]] | None = None,
) -> WsgiApp:
    """POST `path` → Bolt; GET /healthz → 200, or 503 with what is wrong; malformed → 400; never
    a trace in a response.

    `on_rejected(body, headers)` is told about every request Bolt refused with 401 (bad or stale
    signature): Bolt's verification runs before any listener, so this is the only place to audit it.
    `health()` lists what stops the bot from working (dead scheduler, unwritable database).
    """

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        route = environ.get("PATH_INFO", "")
        if route == HEALTH_PATH and method in ("GET", "HEAD"):
            problems = health() if health is not None else []
            if problems:
                return _reply(start_response, 503, json.dumps({"ok": False, "problems": problems}), "application/json")
            return _reply(start_response, 200, '{"ok": true}', "application/json")
        if route != path:
            return _reply(start_response, 404, "not found")
        if method != "POST":
            return _reply(start_response, 405, "method not allowed", headers=[("Allow", "POST")])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length < 0:
                raise ValueError(length)  # read(-1) would read to the end of the stream
        except ValueError:
            return _reply(start_response, 400, "bad content length")
        if length > MAX_BODY_BYTES:
            return _reply(start_response, 413, "request too large")
        try:
            body = environ["wsgi.input"].read(length).decode("utf-8") if length else ""
        except UnicodeDecodeError:
            return _reply(start_response, 400, "body is not UTF-8")
        if not is_parseable_slack_body(body, environ.get("CONTENT_TYPE")):
            return _reply(start_response, 400, "malformed request")
        try:
            headers = _request_headers(environ)
            response = app.dispatch(BoltRequest(body=body, query=environ.get("QUERY_STRING"), headers=headers))
        except PAYLOAD_SHAPE_ERRORS as exc:
            logger.warning("malformed Slack request: %s", exc)
            return _reply(start_response, 400, "malformed request")
        if response.status == 401 and on_rejected is not None:
            try:
                on_rejected(body, headers)
            except Exception:  # auditing must never turn a 401 into a 500
                logger.exception("could not audit a rejected request")
        headers = [(k, v) for k, values in response.headers.items() for v in values if k.lower() != "content-length"]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "text/plain;charset=utf-8")
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        return _reply(start_response, response.status, response.body or "", content_type, headers)

    return application


# --- Socket Mode -----------------------------------------------------------------------------


def socket_mode_handler(app: App, app_token: str) -> Any:
    """Bolt's Socket Mode handler on the `websocket-client` package (`.connect()` to run in the
    background, `.close()` to stop). slack_sdk's built-in client notices a connection dropped
    without a close frame only after ~60 s (spinning a core meanwhile) and acks the first
    envelope after a refresh at ~3 s, Slack's limit; this one reconnects in under a second."""
    from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler

    return SocketModeHandler(app, app_token)
