"""HTTP mode's server: waitress, a maintained production WSGI server, bound to the host it is given.

Why waitress and not a hand-written threaded server: one asynchronous I/O thread reads every
connection and hands a request to a worker thread only once it is complete, so workers are bounded
(`WORKER_THREADS`) and a slow or idle client costs a socket, not a thread. Idle connections are
closed after `IDLE_TIMEOUT_SECONDS`; at most `CONNECTION_LIMIT` are open at once. The body cap is
enforced while reading: a `Content-Length` above it is answered 413 before a byte of the body is
read, a negative or non-numeric one 400, and a chunked body is counted as it arrives; a body
shorter than its `Content-Length` waits for the idle timeout and is dropped, never dispatched.
(Bolt's built-in `app.start()` binds 0.0.0.0 and serves one request at a time.)
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from waitress.server import create_server

logger = logging.getLogger(__name__)

# Slack's payloads are a few kB (a modal submission with its state is the largest); a bigger body
# is not from Slack.
MAX_BODY_BYTES = 1_000_000
# Requests are acked in the worker (signature check, ack, hand-off to Bolt's listener pool), so a
# few threads carry hundreds of requests a second; slow work runs in Bolt's own pool.
WORKER_THREADS = 16
# Slack sends a request in one go; a connection quiet this long is a stuck or hostile client.
IDLE_TIMEOUT_SECONDS = 15
CONNECTION_LIMIT = 1000  # beyond it, new connections wait in the listen backlog
MAX_HEADER_BYTES = 16_384


class HttpServer:
    """`start()` serves in a daemon thread (tests, benchmarks); `serve_forever()` blocks."""

    def __init__(
        self,
        wsgi_app: Any,
        host: str = "127.0.0.1",
        port: int = 3000,
        *,
        idle_timeout_seconds: int = IDLE_TIMEOUT_SECONDS,
    ) -> None:
        self._server = create_server(
            wsgi_app,
            host=host,
            port=port,
            threads=WORKER_THREADS,
            connection_limit=CONNECTION_LIMIT,
            channel_timeout=idle_timeout_seconds,
            cleanup_interval=max(1, idle_timeout_seconds // 3),
            # waitress refuses a body whose length is >= this, so the cap itself is still accepted
            max_request_body_size=MAX_BODY_BYTES + 1,
            max_request_header_size=MAX_HEADER_BYTES,
            asyncore_use_poll=True,  # select() cannot watch file descriptors above 1023
            expose_tracebacks=False,
            ident="sm-cost-bot",
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.run()

    def stop(self) -> None:
        """Close every channel (the loop ends when its map is empty), then the worker threads."""
        server = self._server
        while server._map:
            for channel in list(server._map.values()):
                channel.handle_close()
        server.task_dispatcher.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
