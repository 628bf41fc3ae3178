"""Shared fixtures, named for the state they give.

AWS is moto over real HTTP on 127.0.0.1 (ThreadedMotoServer in this process, so tests can still
age resources through `bot.moto_fleet`). Nothing here talks to anything but loopback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from moto.server import ThreadedMotoServer

from bot.aws.session import ClientFactory, RegionClients
from bot.config import Settings
from bot.moto_fleet import MotoFleet
from bot.services import Services, build_services
from bot.store import Store

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
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
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
