"""`sm-cost-bot run`: the Bolt app over Socket Mode (default) or HTTP, plus the scheduler.

Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN (no public URL); `--http` needs
SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET and serves POST /slack/events and GET /healthz on a
threaded server bound to `--host`/`--port`. SIGTERM/SIGINT stop both cleanly.
"""

from __future__ import annotations

import functools
import logging
import signal
import sys
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime.slack_client import build_web_client
from bot.services import Services

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE = 0, 1, 2
EXIT_DATABASE_GONE = 1
# How often the running bot checks that its database file is still the one it opened.
DATABASE_WATCH_SECONDS = 2.0


def missing_settings(services: Services, *, http: bool) -> list[str]:
    settings = services.settings
    needed = [("SLACK_BOT_TOKEN", settings.slack_bot_token)]
    if http:
        needed.append(("SLACK_SIGNING_SECRET", settings.slack_signing_secret))
    else:
        needed.append(("SLACK_APP_TOKEN", settings.slack_app_token))
    return [name for name, value in needed if not value]


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: object) -> None:
        logger.info("signal %d: stopping", signum)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def run_bot(services: Services, *, http: bool = False, host: str = "127.0.0.1", port: int = 3000) -> int:
    missing = missing_settings(services, http=http)
    if missing:
        mode = "HTTP mode (--http)" if http else "Socket Mode (or use --http with SLACK_SIGNING_SECRET)"
        print(f"sm-cost-bot: set {' and '.join(missing)} for {mode}", file=sys.stderr)
        return EXIT_USAGE
    from bot.runtime.log_secrets import configure_logging, known_secrets

    configure_logging(services.settings.log_level, known_secrets(services.settings))

    from bot.runtime.app import build_app

    client = build_web_client(services.settings)
    try:
        client.auth_test()  # a bad token or an unreachable Slack stops here, in one line
    except SlackApiError as exc:
        print(f"sm-cost-bot: SLACK_BOT_TOKEN was not accepted by Slack: {exc.response.get('error')}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"sm-cost-bot: cannot reach the Slack API at {client.base_url}: {exc}"
              " (check the network, the proxy variables or SLACK_API_URL)", file=sys.stderr)
        return EXIT_USAGE
    app = build_app(services, client, token_verification_enabled=False)  # verified just above

    from bot.runtime.single_instance import AlreadyRunning, DatabaseLock

    try:
        db_lock = DatabaseLock(services.settings.db_path).acquire()
    except AlreadyRunning as exc:
        print(f"sm-cost-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _serve(services, client, app, http=http, host=host, port=port)
    finally:
        db_lock.release()


def _serve(services: Services, client: WebClient, app: Any, *, http: bool, host: str, port: int) -> int:
    """Recovery, transport and scheduler, with this process holding the database's lock."""
    from bot.actions.messages import recover_on_start
    from bot.runtime.app import socket_mode_handler, wsgi_app
    from bot.runtime.health import Health
    from bot.runtime.scheduler import build_scheduler, log_next_runs

    health = Health(services.store)
    stop = threading.Event()
    _stop_on_signals(stop)  # from here on, SIGTERM ends in a clean shutdown
    recover_on_start(services, client)  # action requests a crash left approved or executing: before serving
    # Then the transport: a port in use or a rejected app token fails before anything is scheduled.
    if http:
        from bot.actions.audit import record_rejected_request
        from bot.runtime.http_server import HttpServer

        on_rejected = functools.partial(record_rejected_request, services)
        try:
            server = HttpServer(wsgi_app(app, on_rejected=on_rejected, health=health.problems), host, port).start()
        except OSError as exc:  # port in use, a host this machine does not have, a privileged port
            print(f"sm-cost-bot: cannot listen on {host}:{port} ({exc.strerror or exc}):"
                  " choose another --host or --port", file=sys.stderr)
            return EXIT_USAGE
        logger.info("HTTP mode: POST %s/slack/events, GET %s/healthz", server.url, server.url)
        stop_transport = server.stop
    else:
        handler = socket_mode_handler(app, services.settings.slack_app_token)
        try:
            handler.connect()
        except SlackApiError as exc:
            print(f"sm-cost-bot: SLACK_APP_TOKEN was not accepted by Slack: {exc.response.get('error')}", file=sys.stderr)
            return EXIT_USAGE
        logger.info("Socket Mode: connected")
        stop_transport = handler.close

    scheduler = build_scheduler(services, client)
    try:
        scheduler.start()
        log_next_runs(scheduler, services.settings.tz)
        health.scheduler = scheduler
        return _watch_database(services, stop)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        stop_transport()


def _watch_database(services: Services, stop: threading.Event) -> int:
    """Wait for a stop signal; stop at once, with one line, if the database file goes away or is
    replaced (SQLite would go on writing to the unlinked file, and nobody would see the rows)."""
    while not stop.wait(DATABASE_WATCH_SECONDS):
        problem = services.store.file_gone()
        if problem:
            print(f"sm-cost-bot: {problem}; stopping", file=sys.stderr)
            return EXIT_DATABASE_GONE
    return EXIT_OK
