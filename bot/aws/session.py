"""Clients per (account, region): one assumed-role session per account, adaptive retries everywhere.

Assumed-role credentials last an hour; a bot that runs for days must renew them. botocore's own
`RefreshableCredentials` does that: it asks for new credentials when fewer than 15 minutes are
left (and blocks for them under 10), so every client made from the session keeps working.

boto3 honours `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_<SERVICE>`) by itself, which is how the
CLI reaches moto_server in tests and how users reach VPC endpoints or proxies.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from bot.clock import Clock, utc_now
from bot.config import AccountTarget, Settings
from bot.exit_codes import UsageError

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_CONNECT_TIMEOUT_SECONDS = 5.0
DEFAULT_READ_TIMEOUT_SECONDS = 20.0
NO_CREDENTIALS = (
    "no AWS credentials found: set AWS_PROFILE (a profile in ~/.aws/config), or "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), "
    "or run where an instance, task or pod role is attached"
)


def _env_max_attempts() -> int:
    raw = os.environ.get("AWS_MAX_ATTEMPTS") or str(DEFAULT_MAX_ATTEMPTS)
    try:
        return max(int(raw), 1)
    except ValueError:
        raise UsageError(f"invalid setting AWS_MAX_ATTEMPTS: {raw!r} is not a whole number") from None


def retry_config(
    max_attempts: int | None = None,
    connect_timeout_seconds: float = DEFAULT_CONNECT_TIMEOUT_SECONDS,
    read_timeout_seconds: float = DEFAULT_READ_TIMEOUT_SECONDS,
) -> Config:
    """botocore's `adaptive` mode (client-side rate limiting on throttles) with 8 attempts;
    `AWS_MAX_ATTEMPTS` still overrides the count, as for any AWS SDK. botocore retries a timed
    out call too, so a hung endpoint costs at most attempts × (connect or read) timeout."""
    attempts = max_attempts if max_attempts is not None else _env_max_attempts()
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": max(attempts, 1)},
        connect_timeout=connect_timeout_seconds,
        read_timeout=read_timeout_seconds,
        max_pool_connections=20,
    )


def client_config(settings: Settings) -> Config:
    return retry_config(
        settings.aws_max_attempts,
        settings.aws_connect_timeout_seconds,
        settings.aws_read_timeout_seconds,
    )
SESSION_NAME = "sm-cost-bot"


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


def error_operation(exc: BaseException, default: str) -> str:
    return getattr(exc, "operation_name", None) or default


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'ClientError')}: {err.get('Message', '')}".rstrip(": ")
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        # Say which knob bounds the wait: botocore retried the call before giving up.
        return f"{exc} (no answer in time; SMBOT_AWS_READ_TIMEOUT_SECONDS × AWS_MAX_ATTEMPTS)"
    if isinstance(exc, BotoCoreError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def request_id(response: dict[str, Any] | None) -> str | None:
    if not response:
        return None
    return response.get("ResponseMetadata", {}).get("RequestId")


@dataclass
class ClientFactory:
    """Builds boto3 clients; one boto3 Session per account (sessions are not thread-safe to
    share while creating clients, so creation is serialised; clients themselves are)."""

    base_session: Any = None
    config: Config = field(default_factory=retry_config)
    clock: Clock = utc_now  # decides when assumed-role credentials are due for renewal
    _sessions: dict[str, Any] = field(default_factory=dict)
    _clients: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    _account_ids: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _base(self) -> Any:
        if self.base_session is None:
            self.base_session = boto3.session.Session()
        return self.base_session

    def _session_for(self, target: AccountTarget | None) -> Any:
        key = target.role_arn if target else ""
        if key not in self._sessions:
            self._sessions[key] = self._base() if target is None else self._assumed_session(target)
        return self._sessions[key]

    def _assumed_session(self, target: AccountTarget) -> Any:
        """A session whose credentials come from AssumeRole and are renewed before they expire."""
        sts = self._base().client("sts", config=self.config)
        params = {"RoleArn": target.role_arn, "RoleSessionName": SESSION_NAME}
        if target.external_id:
            params["ExternalId"] = target.external_id

        def assume_role() -> dict[str, str]:
            creds = sts.assume_role(**params)["Credentials"]
            return {
                "access_key": creds["AccessKeyId"],
                "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": creds["Expiration"].isoformat(),
            }

        # The first AssumeRole now, called directly: a role that cannot be assumed fails here,
        # once, as a plain ClientError the fan-out reports as that account's AssumeRole error
        # (a failed refresh inside botocore also logs a warning with a traceback).
        first = assume_role()
        credentials = RefreshableCredentials(
            access_key=first["access_key"],
            secret_key=first["secret_key"],
            token=first["token"],
            expiry_time=datetime.fromisoformat(first["expiry_time"]),
            refresh_using=assume_role,
            method="sts-assume-role",
            time_fetcher=self.clock,
        )
        core = botocore.session.get_session()
        # botocore's `set_credentials` only takes fixed keys; `get_credentials()` returns this
        # attribute when it is set, so every client of the session signs with renewed keys.
        core._credentials = credentials
        return boto3.session.Session(botocore_session=core)

    def has_credentials(self) -> bool:
        """Whether the base identity has credentials anywhere in boto3's chain (environment,
        profile, SSO, container or instance role). Without them every call fails, and a scan
        would look like "nothing could be read" instead of naming the fix."""
        return self._base().get_credentials() is not None

    def identity_key(self) -> str:
        """Who the base identity is, without a network call: the access key id (or "" without
        credentials). Part of a scan's scope key, so a scan made as someone else is not reused."""
        credentials = self._base().get_credentials()
        return credentials.access_key if credentials is not None else ""

    def require_credentials(self) -> None:
        if not self.has_credentials():
            raise UsageError(NO_CREDENTIALS)

    def client(self, service: str, region: str, target: AccountTarget | None = None) -> Any:
        key = (target.role_arn if target else "", region, service)
        with self._lock:
            if key not in self._clients:
                session = self._session_for(target)
                self._clients[key] = session.client(service, region_name=region, config=self.config)
            return self._clients[key]

    def account_id(self, target: AccountTarget | None, region: str) -> str:
        if target is not None:
            return target.account_id
        with self._lock:
            cached = self._account_ids.get("")
        if cached:
            return cached
        ident = self.client("sts", region).get_caller_identity()["Account"]
        with self._lock:
            self._account_ids[""] = ident
        return ident


@dataclass(frozen=True)
class RegionClients:
    """What a scanner receives: clients for one account-region, created on first use."""

    factory: ClientFactory
    region: str
    target: AccountTarget | None = None

    def __call__(self, service: str) -> Any:
        return self.factory.client(service, self.region, self.target)
