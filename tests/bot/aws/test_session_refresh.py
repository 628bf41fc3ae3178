"""Assumed-role credentials are renewed: a bot that runs past the hour AssumeRole grants keeps
working. The clock is injected into the factory and shared with moto's STS, so "an hour later"
is an hour later for both sides; AssumeRole calls are counted in moto's STS backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from moto.backends import get_backend

from bot.aws.session import ClientFactory
from bot.config import AccountTarget

REGION = "us-east-1"
ROLE = AccountTarget(role_arn="arn:aws:iam::111111111111:role/sm-cost-bot-read")


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> MovableClock:
    """One clock for the bot and moto's STS (moto stamps Expiration with its naive-UTC `utcnow`)."""
    shared = MovableClock()
    monkeypatch.setattr("moto.sts.models.utcnow", lambda: shared.now.replace(tzinfo=None))
    return shared


def assume_role_calls() -> int:
    """moto files an assumed role under the role's own account and partition."""
    return len(get_backend("sts")[ROLE.account_id]["aws"].assumed_roles)


def test_assumed_role_credentials_are_renewed_after_they_expire(moto_server, clock):
    factory = ClientFactory(clock=clock)
    sagemaker = factory.client("sagemaker", REGION, ROLE)
    sagemaker.list_notebook_instances()
    sagemaker.list_notebook_instances()
    assert assume_role_calls() == 1, "fresh credentials are reused"

    clock.now += timedelta(hours=2)
    sagemaker.list_notebook_instances()

    assert assume_role_calls() == 2
    assert factory.client("sagemaker", REGION, ROLE) is sagemaker, "the same client keeps working"


def test_credentials_are_renewed_before_they_expire_not_only_after(moto_server, clock):
    factory = ClientFactory(clock=clock)
    sagemaker = factory.client("sagemaker", REGION, ROLE)
    sagemaker.list_notebook_instances()

    clock.now += timedelta(minutes=55)  # five minutes left: inside botocore's mandatory window
    sagemaker.list_notebook_instances()

    assert assume_role_calls() == 2


def test_a_role_that_cannot_be_assumed_fails_when_its_client_is_made(moto_server, clock):
    """moto assumes any role; the refusal is injected the way botocore lets a handler answer a
    call (a before-call handler's response short-circuits the request)."""
    from botocore.awsrequest import AWSResponse
    from botocore.exceptions import ClientError

    def denied(**_: object):
        return AWSResponse("https://sts.amazonaws.com/", 403, {}, None), {"Error": {"Code": "AccessDenied", "Message": "not allowed"},
                      "ResponseMetadata": {"HTTPStatusCode": 403}}

    factory = ClientFactory(clock=clock)
    factory._base().events.register("before-call.sts.AssumeRole", denied)

    with pytest.raises(ClientError) as raised:
        factory.client("sagemaker", REGION, ROLE)
    assert (raised.value.operation_name, assume_role_calls()) == ("AssumeRole", 0)
