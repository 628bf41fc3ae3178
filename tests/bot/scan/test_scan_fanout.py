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


def _notebook_of_type(instance_type, monthly_usd=None):
    def scan(ctx):
        return [
            make_finding(
                ctx, kind=FindingKind.IDLE_NOTEBOOK, resource_type=ResourceType.NOTEBOOK_INSTANCE,
                name=f"nb-{ctx.region}", arn=f"arn:aws:sagemaker:{ctx.region}:1:notebook-instance/x",
                reason="test", instance_type=instance_type,
                est_monthly_cost_usd=monthly_usd, est_monthly_savings_usd=monthly_usd,
            )
        ]

    return scan


def test_a_priced_finding_names_the_source_of_its_price(client_factory, prices, only_scanner, now):
    only_scanner(_notebook_of_type("ml.t3.medium", 36.5))
    [finding] = run_scan(client_factory, Settings(regions=["ap-northeast-2"]), prices, now).findings
    assert finding.evidence["price_source"] == f"bundled {prices.generated_at}"


def test_an_unpriced_finding_says_why_and_the_totals_carry_it(client_factory, only_scanner, now):
    from bot.scan.pricing import NO_PRICES_REASON, PriceTable

    only_scanner(_notebook_of_type("ml.t3.medium"))
    result = run_scan(client_factory, Settings(regions=["eu-south-2"]), PriceTable(prices={}), now)
    assert result.findings[0].evidence["price_missing"] == NO_PRICES_REASON
    assert result.totals.unpriced_by_region == {"eu-south-2": 1}
    assert result.totals.unpriced_reasons == {"eu-south-2": NO_PRICES_REASON}


def test_without_smbot_regions_every_enabled_sagemaker_region_is_scanned(client_factory, prices, only_scanner, now):
    from bot.aws.regions import sagemaker_regions

    only_scanner(_notebook_of_type("ml.t3.medium", 36.5))
    result = run_scan(client_factory, Settings(regions=[]), prices, now)
    enabled = {r["RegionName"] for r in client_factory.client("ec2", "us-east-1").describe_regions()["Regions"]}
    assert set(result.regions) == set(sagemaker_regions()) & enabled
    assert "ap-northeast-2" in result.regions
    assert {f.region for f in result.findings} == set(result.regions)
    assert result.to_json_dict()["regions"] == result.regions


def test_smbot_regions_narrows_the_regions_scanned(client_factory, prices, only_scanner, now):
    only_scanner(_notebook_of_type("ml.t3.medium", 36.5))
    result = run_scan(client_factory, Settings(regions=["ap-northeast-2"]), prices, now)
    assert result.regions == ["ap-northeast-2"]


def test_a_region_list_that_cannot_be_read_is_an_error_and_the_home_region_is_scanned(
    moto_server, prices, only_scanner, now
):
    import boto3

    from bot.aws.session import ClientFactory

    session = boto3.session.Session()

    def deny(**_):
        raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}, "DescribeRegions")

    session.events.register("before-call.ec2.DescribeRegions", deny)
    only_scanner(_notebook_of_type("ml.t3.medium", 36.5))
    result = run_scan(ClientFactory(base_session=session), Settings(regions=[]), prices, now)
    assert result.regions == ["us-east-1"]
    assert [(e.operation, e.code) for e in result.errors] == [("DescribeRegions", "UnauthorizedOperation")]
