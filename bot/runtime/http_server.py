"""A threaded WSGI server for HTTP mode, bound to the host it is given.

Bolt's built-in `app.start()` binds 0.0.0.0 and serves one request at a time; Slack retries a
command that is not acked within 3 s, so one slow request must not hold up the others.
"""

from __future__ import annotations

import logging
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.1  # how soon stop() is noticed (the stdlib default is 0.5 s)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops bursts of concurrent commands


class _LoggingHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class HttpServer:
    """`start()` serves in a daemon thread (tests, benchmarks); `serve_forever()` blocks."""

    def __init__(self, wsgi_app: Any, host: str = "127.0.0.1", port: int = 3000) -> None:
        self._server = make_server(
            host, port, wsgi_app, server_class=_ThreadingWSGIServer, handler_class=_LoggingHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HttpServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, name="http", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=POLL_SECONDS)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
