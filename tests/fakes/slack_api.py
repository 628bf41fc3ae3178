"""A recording stand-in for the Slack Web API, plus signed requests as Slack would send them.

`SlackApiStandIn` is a threaded stdlib HTTP server on 127.0.0.1 (port 0). The bot's WebClient
reaches it through `base_url` (= `SLACK_API_URL`); slash commands and clicks carry a
`response_url` that points back at it, so `respond()` lands here too. Every request is recorded
with its parsed parameters; `wait_for` blocks until the lazy listeners have called.

`SignedRequests` builds slash-command, block_actions and view_submission requests signed with
`slack_sdk.signature.SignatureVerifier`, the way Slack signs them.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_faults import SlackFaults

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
TEAM_ID = "T0TEST"
BOT_USER_ID = "UBOT"
APP_ID = "A0TEST"


@dataclass
class Call:
    """One request that reached the stand-in."""

    method: str  # Web API method, "response_url" or "upload"
    params: dict[str, Any]
    path: str
    headers: dict[str, str]
    body: bytes = b""
    at: float = field(default_factory=time.monotonic)


def _default_users(user_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {
        "id": user_id,
        "name": name,
        "real_name": name.title(),
        "tz": "UTC",
        "profile": {"display_name": name, "real_name": name.title(), "email": f"{name}@example.com"},
    }


class SlackApiStandIn:
    """Answers the Web API methods the bot calls; configurable per method."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._rate_limits: dict[str, list[int]] = {}
        self.faults = SlackFaults()
        self._overrides: dict[str, dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]] = {}
        self.usergroup_members: dict[str, list[str]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL / WebClient(base_url=…) should be."""
        return f"{self.url}/api/"

    def start(self) -> SlackApiStandIn:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- configuration ----------------------------------------------------------------------

    def new_response_url(self) -> str:
        return f"{self.url}/response/{uuid.uuid4().hex}"

    def rate_limit(self, method: str, retry_after_seconds: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and Retry-After."""
        self._rate_limits[method] = [retry_after_seconds] * times

    def fail(self, method: str, kind: str, times: int = 1, skip: int = 0, **options: Any) -> None:
        """Fault `times` calls of `method` after `skip` normal ones (tests/fakes/slack_faults.py)."""
        self.faults.add(method, kind, times, skip, **options)

    def respond_with(
        self, method: str, payload: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
    ) -> None:
        """Replace the default answer of a method (a dict, or a function of the params)."""
        self._overrides[method] = payload

    # --- inspection -------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout_seconds: float = 15) -> list[Call]:
        """Block until `count` calls of `method` arrived; AssertionError on timeout."""
        deadline = time.monotonic() + timeout_seconds
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.method for c in self.calls})
                    raise AssertionError(
                        f"expected {count} call(s) to {method}, got {len(found)}; saw {seen}"
                    )
                self._cond.wait(left)

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()

    # --- answers ----------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_700_000_000 + n}.{n:06d}"

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        override = self._overrides.get(method)
        if override is not None:
            return override(params) if callable(override) else dict(override)
        channel = params.get("channel") or params.get("channel_id") or "C0TEST"
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": "test",
                "user": "sm-cost-bot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "B0TEST",
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            message = {"ts": ts, "text": params.get("text", ""), "blocks": params.get("blocks", [])}
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": params.get("ts"), "text": params.get("text", "")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method in ("views.open", "views.update", "views.push"):
            view = params.get("view") or {}
            return {"ok": True, "view": {**view, "id": f"V{uuid.uuid4().hex[:10].upper()}"}}
        if method == "users.info":
            return {"ok": True, "user": _default_users(params.get("user", "U0NONE"))}
        if method == "users.lookupByEmail":
            email = params.get("email", "")
            return {"ok": True, "user": _default_users("U" + email.split("@")[0].upper()[:10])}
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.usergroup_members.get(params.get("usergroup", ""), [])}
        if method == "files.getUploadURLExternal":
            file_id = f"F{uuid.uuid4().hex[:10].upper()}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                if path.startswith("/upload/"):
                    stand_in._record(Call("upload", {"file_id": path.rsplit("/", 1)[1]}, path, headers, raw))
                    self._send(200, b"OK - uploaded")
                    return
                params = _parse(raw, headers.get("content-type", ""), query)
                if path.startswith("/response/"):
                    stand_in._record(Call("response_url", params, path, headers, raw))
                    self._send(200, {"ok": True})
                    return
                if not path.startswith("/api/"):
                    self._send(404, {"ok": False, "error": "not_found"})
                    return
                method = path.removeprefix("/api/")
                stand_in._record(Call(method, params, path, headers, raw))
                fault = stand_in.faults.next(method)
                if fault is not None and fault.apply(self):
                    return
                pending = stand_in._rate_limits.get(method)
                if pending:
                    retry_after = pending.pop(0)
                    self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
                    return
                self._send(200, stand_in._answer(method, params))

        return Handler


def _parse(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query))
    text = raw.decode("utf-8", "replace")
    if "json" in content_type and text:
        params.update(json.loads(text))
    elif text:
        params.update(dict(parse_qsl(text, keep_blank_values=True)))
    for key in ("blocks", "attachments", "view", "files"):
        value = params.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            params[key] = json.loads(value)
    return params


# --- signed requests -------------------------------------------------------------------------


@dataclass
class SignedRequest:
    body: str
    headers: dict[str, str]

    def post(self, base_url: str, path: str = "/slack/events", timeout: float = 10) -> requests.Response:
        return requests.post(
            base_url + path, data=self.body.encode(), headers=self.headers, timeout=timeout
        )

    def bolt_request(self) -> Any:
        """The same request for `app.dispatch(...)`, without HTTP."""
        from slack_bolt.request import BoltRequest

        return BoltRequest(body=self.body, headers=self.headers)


class SignedRequests:
    """Builds requests the way Slack sends them, signed with the app's signing secret.

    `secret=` signs with another secret and `timestamp=` backdates (for 401 tests).
    """

    def __init__(self, stand_in: SlackApiStandIn, secret: str = SIGNING_SECRET) -> None:
        self.stand_in = stand_in
        self.secret = secret

    def sign(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        *,
        timestamp: float | None = None,
        secret: str | None = None,
    ) -> SignedRequest:
        ts = str(int(timestamp if timestamp is not None else time.time()))
        verifier = SignatureVerifier(secret or self.secret)
        return SignedRequest(
            body=body,
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body),
            },
        )

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "U0ALICE",
        channel: str = "C0TEST",
        response_url: str | None = None,
        **sign: Any,
    ) -> SignedRequest:
        form = {
            "token": "legacy-unused",
            "team_id": TEAM_ID,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "ml-costs",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or self.stand_in.new_response_url(),
            "trigger_id": f"trigger-{uuid.uuid4().hex[:12]}",
        }
        return self.sign(urlencode(form), **sign)

    def _envelope(self, kind: str, user: str) -> dict[str, Any]:
        return {
            "type": kind,
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "legacy-unused",
            "trigger_id": f"trigger-{uuid.uuid4().hex[:12]}",
            "is_enterprise_install": False,
        }

    def payload(self, payload: dict[str, Any], **sign: Any) -> SignedRequest:
        return self.sign(urlencode({"payload": json.dumps(payload)}), **sign)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U0ALICE",
        message: dict[str, Any] | None = None,
        channel: str = "C0TEST",
        block_id: str = "block",
        response_url: str | None = None,
        ephemeral: bool = False,
        **sign: Any,
    ) -> SignedRequest:
        """A button click on a channel message (`message` = the clicked message, e.g. as posted),
        or with `ephemeral` on an answer only the clicker sees (a slash command's)."""
        message = message or {"type": "message", "ts": "1700000001.000001", "text": "", "blocks": []}
        payload = self._envelope("block_actions", user) | {
            "container": {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "channel": {"id": channel, "name": "ml-costs"},
            "message": message,
            "response_url": response_url or self.stand_in.new_response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "text": {"type": "plain_text", "text": action_id},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.payload(payload, **sign)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        *,
        user: str = "U0ALICE",
        private_metadata: str = "",
        **sign: Any,
    ) -> SignedRequest:
        """`values` is `view.state.values`: {block_id: {action_id: {"type": …, "value": …}}}."""
        payload = self._envelope("view_submission", user) | {
            "view": {
                "id": f"V{uuid.uuid4().hex[:10].upper()}",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": "hash",
                "title": {"type": "plain_text", "text": "sm-cost-bot"},
                "blocks": [],
            },
            "response_urls": [],
        }
        return self.payload(payload, **sign)
