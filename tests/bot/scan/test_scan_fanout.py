"""The account × region × kind fan-out: errors are values, accounts are reached by AssumeRole."""

from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from bot.config import AccountTarget, Settings
from bot.models import FindingKind, ResourceType
from bot.scan import fanout as scan_module
from bot.scan.fanout import run_scan
from bot.scan.scanners.base import make_finding


def _caller_account_scanner(ctx):
    """Reports which account its clients really reach (through the assumed role)."""
    account = ctx.clients("sts").get_caller_identity()["Account"]
    return [
        make_finding(
            ctx,
            kind=FindingKind.IDLE_NOTEBOOK,
            resource_type=ResourceType.NOTEBOOK_INSTANCE,
            name=f"seen-from-{account}",
            arn=f"arn:aws:sagemaker:{ctx.region}:{account}:notebook-instance/x",
            reason="test",
        )
    ]


def _denied_in_eu(ctx):
    if ctx.region == "eu-west-1":
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "ListNotebookInstances")
    return _caller_account_scanner(ctx)


@pytest.fixture
def only_scanner(monkeypatch):
    def install(fn):
        monkeypatch.setattr(scan_module, "SCANNERS", {FindingKind.IDLE_NOTEBOOK: SimpleNamespace(scan=fn)})

    return install


def test_each_account_is_scanned_through_its_assumed_role(client_factory, prices, only_scanner, now):
    only_scanner(_caller_account_scanner)
    settings = Settings(
        regions=["us-east-1"],
        accounts=[
            AccountTarget(role_arn="arn:aws:iam::111111111111:role/read"),
            AccountTarget(role_arn="arn:aws:iam::222222222222:role/read"),
        ],
    )
    result = run_scan(client_factory, settings, prices, now)
    assert sorted(f.name for f in result.findings) == ["seen-from-111111111111", "seen-from-222222222222"]
    assert sorted(f.account_id for f in result.findings) == ["111111111111", "222222222222"]
    assert result.errors == []


def test_access_denied_in_one_region_is_an_error_not_a_clean_region(client_factory, prices, only_scanner, now):
    only_scanner(_denied_in_eu)
    settings = Settings(regions=["us-east-1", "eu-west-1"])
    result = run_scan(client_factory, settings, prices, now)
    assert [f.region for f in result.findings] == ["us-east-1"]
    [error] = result.errors
    assert (error.account_id, error.region, error.operation, error.code) == (
        "123456789012", "eu-west-1", "ListNotebookInstances", "AccessDenied",
    )
    assert "not allowed" in error.message


def test_an_unexpected_exception_in_a_scanner_is_reported_too(client_factory, prices, only_scanner, now):
    only_scanner(lambda ctx: 1 / 0)
    result = run_scan(client_factory, Settings(regions=["us-east-1"]), prices, now)
    assert result.findings == []
    assert result.errors[0].code == "ZeroDivisionError"


@pytest.fixture
def prices():
    from bot.scan.pricing import load_prices

    return load_prices()


def test_an_account_whose_role_cannot_be_assumed_is_an_error_per_region(moto_server, prices, only_scanner, now):
    import boto3

    from bot.aws.session import ClientFactory

    session = boto3.session.Session()

    def deny_second_account(params, **_):
        if "222222222222" in params["RoleArn"]:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "trust policy"}}, "AssumeRole")

    session.events.register("before-parameter-build.sts.AssumeRole", deny_second_account)
    only_scanner(_caller_account_scanner)
    settings = Settings(
        regions=["us-east-1", "us-west-2"],
        accounts=[
            AccountTarget(role_arn="arn:aws:iam::111111111111:role/read"),
            AccountTarget(role_arn="arn:aws:iam::222222222222:role/read"),
        ],
    )
    result = run_scan(ClientFactory(base_session=session), settings, prices, now)
    assert {f.account_id for f in result.findings} == {"111111111111"}, result.errors
    assert sorted((e.account_id, e.region, e.operation) for e in result.errors) == [
        ("222222222222", "us-east-1", "AssumeRole"),
        ("222222222222", "us-west-2", "AssumeRole"),
    ]
