"""Shared fixtures, named for the state they give.

AWS is moto over real HTTP on 127.0.0.1 (ThreadedMotoServer in this process, so tests can still
age resources through `bot.demo.moto_fleet`). Nothing here talks to anything but loopback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from moto.server import ThreadedMotoServer

from bot.aws.session import ClientFactory, RegionClients
from bot.config import Settings
from bot.demo.moto_fleet import MotoFleet
from bot.services import Services, build_services
from bot.storage.store import Store

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from tests.fakes.slack_api import SignedRequests, SlackApiStandIn

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real credentials, no user config, no stray SMBOT_/SLACK_ settings."""
    for name in list(os.environ):
        if name.startswith(("SMBOT_", "SLACK_", "AWS_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # moto answers the APIs it lacks (CloudTrail LookupEvents, Studio apps) with HTTP 500, which
    # botocore retries with back-off: two attempts keep that honest without the wait.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    # moto has no Price List API (its server prints to stdout and answers 500): scans in tests
    # price from the bundled table; the fetch path is tested with Stubber (test_price_catalog).
    monkeypatch.setenv("SMBOT_PRICES_FETCH", "false")
    # moto has one identity: tests act with it unless they test the action roles themselves.
    monkeypatch.setenv("SMBOT_ACT_WITH_SCAN_IDENTITY", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # pytest-xdist workers set COLUMNS to the controller's width: CLI tables in tests are laid
    # out as when piped (no terminal) unless a test sets COLUMNS itself.
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_server(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean moto over HTTP; boto3 reaches it through AWS_ENDPOINT_URL like a user's CLI would."""
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    return moto_endpoint


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def client_factory(moto_server: str) -> ClientFactory:
    return ClientFactory()


@pytest.fixture
def region_clients(client_factory: ClientFactory) -> RegionClients:
    return RegionClients(client_factory, REGION)


@pytest.fixture
def fleet(region_clients: RegionClients) -> MotoFleet:
    return MotoFleet(clients=region_clients, account_id=ACCOUNT_ID, region=REGION)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "bot.db", regions=[REGION])


@pytest.fixture
def fresh_store(settings: Settings) -> Iterator[Store]:
    store = Store(settings.db_path)
    yield store
    store.close()


@pytest.fixture
def services(settings: Settings, client_factory: ClientFactory, fresh_store: Store) -> Services:
    return build_services(settings, clients=client_factory, store=fresh_store)


# --- Slack: the Web API stand-in, signed requests, the Bolt app and its HTTP mode ----------------


@pytest.fixture
def slack_api() -> Iterator[SlackApiStandIn]:
    """The recording Slack Web API stand-in on 127.0.0.1 (see tests/fakes/slack_api.py)."""
    from tests.fakes.slack_api import SlackApiStandIn

    stand_in = SlackApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def signed(slack_api: SlackApiStandIn) -> SignedRequests:
    """Builds signed Slack requests: signed.command("/sm-idle", "us-east-1", user="U1"),
    signed.click(ActionId.STOP, finding.key, user=…, message=…), signed.view_submission(…);
    then `.post(http_app)` sends one over HTTP, `.bolt_request()` gives it for app.dispatch."""
    from tests.fakes.slack_api import SignedRequests

    return SignedRequests(slack_api)


@pytest.fixture
def slack_client(slack_api: SlackApiStandIn) -> WebClient:
    """The production WebClient (429 retries included) pointed at the stand-in."""
    from bot.runtime.slack_client import web_client
    from tests.fakes.slack_api import BOT_TOKEN

    return web_client(BOT_TOKEN, slack_api.api_url)


@pytest.fixture
def bolt_app(services: Services, slack_client: WebClient) -> App:
    """build_app over `services`, verifying its token with auth.test against the stand-in."""
    from bot.runtime.app import build_app
    from tests.fakes.slack_api import SIGNING_SECRET

    return build_app(services, slack_client, signing_secret=SIGNING_SECRET)


@pytest.fixture
def http_app(bolt_app: App, services: Services) -> Iterator[str]:
    """The real HTTP-mode server (threaded, 127.0.0.1, port 0) serving `bolt_app`: its base URL.
    Post with `signed.command(...).post(http_app)`; GET f"{http_app}/healthz"."""
    from bot.actions.audit import record_rejected_request
    from bot.runtime.app import wsgi_app
    from bot.runtime.http_server import HttpServer

    def on_rejected(body: str, headers: dict[str, str]) -> None:
        record_rejected_request(services, body, headers)

    server = HttpServer(wsgi_app(bolt_app, on_rejected=on_rejected), "127.0.0.1", 0).start()
    yield server.url
    server.stop()
