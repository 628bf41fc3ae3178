"""studio-idle-shutdown-off: table tests of the settings judgement, and the real scan path with
domains in moto and user profiles/spaces from the product's Studio stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from bot.aws.session import ClientFactory
from bot.demo.studio_standin import install_studio_standin
from bot.models import FindingKind, ResourceType
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import studio_idle_shutdown as shutdown
from tests.fakes.studio import (
    StudioStub,
    domain_record,
    idle_settings,
    space_idle_timeout,
    space_record,
    user_profile_record,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=90)
DOMAIN = "d-research"
DOMAIN_TYPE, PROFILE_TYPE, SPACE_TYPE = (
    ResourceType.STUDIO_DOMAIN, ResourceType.STUDIO_USER_PROFILE, ResourceType.STUDIO_SPACE
)



def domain(user_defaults=None, space_defaults=None, **kw):
    return domain_record(domain_id=DOMAIN, name="research", created=CREATED,
                         default_user_settings=user_defaults,
                         default_space_settings=space_defaults, **kw)


def profile(name="alice", settings=None):
    return user_profile_record(domain_id=DOMAIN, name=name, created=CREATED, user_settings=settings)


def space(name="shared", settings=None):
    return space_record(domain_id=DOMAIN, name=name, created=CREATED, space_settings=settings)


def find(ctx, *records, tags=None):
    return shutdown.find_idle_shutdown_off(ctx, list(records), {} if tags is None else tags)


# --- domains ---------------------------------------------------------------------------------


def test_domain_without_idle_settings_is_flagged_for_both_app_types(ctx):
    [finding] = find(ctx, (DOMAIN_TYPE, domain()))
    assert sorted(finding.evidence["settings"]) == [
        "DefaultUserSettings.CodeEditorAppSettings",
        "DefaultUserSettings.JupyterLabAppSettings",
    ]
    assert finding.reason.startswith("Idle shutdown is off for CodeEditor and JupyterLab: enable")


def test_domain_with_idle_shutdown_disabled_is_flagged(ctx):
    [finding] = find(ctx, (DOMAIN_TYPE, domain(idle_settings(60, enabled=False))))
    problem = finding.evidence["settings"]["DefaultUserSettings.JupyterLabAppSettings"]
    assert (problem["problem"], problem["lifecycle_management"]) == ("disabled", "DISABLED")


def test_domain_with_a_timeout_above_the_maximum_is_flagged(ctx):
    [finding] = find(ctx, (DOMAIN_TYPE, domain(idle_settings(720))))
    assert finding.reason == (
        "Idle shutdown waits 720 min for CodeEditor and JupyterLab: "
        "lower IdleTimeoutInMinutes to 120 or less"
    )


def test_domain_with_a_timeout_at_the_maximum_is_clean(ctx):
    assert find(ctx, (DOMAIN_TYPE, domain(idle_settings(120)))) == []


def test_domain_with_only_jupyterlab_covered_is_flagged_for_code_editor(ctx):
    only_lab = {"JupyterLabAppSettings": idle_settings(60)["JupyterLabAppSettings"]}
    [finding] = find(ctx, (DOMAIN_TYPE, domain(only_lab)))
    assert list(finding.evidence["settings"]) == ["DefaultUserSettings.CodeEditorAppSettings"]


def test_explicitly_disabled_shared_space_defaults_are_flagged(ctx):
    disabled = idle_settings(60, enabled=False)
    space_defaults = {"JupyterLabAppSettings": disabled["JupyterLabAppSettings"]}
    [finding] = find(ctx, (DOMAIN_TYPE, domain(idle_settings(60), space_defaults)))
    assert list(finding.evidence["settings"]) == ["DefaultSpaceSettings.JupyterLabAppSettings"]


def test_domain_being_deleted_is_not_flagged(ctx):
    record = domain() | {"Status": "Deleting"}
    assert find(ctx, (DOMAIN_TYPE, record)) == []


def test_setting_findings_carry_no_cost(ctx):
    [finding] = find(ctx, (DOMAIN_TYPE, domain()))
    assert (finding.est_monthly_cost_usd, finding.est_monthly_savings_usd) == (None, None)
    assert (finding.kind, finding.name) == (FindingKind.STUDIO_IDLE_SHUTDOWN_OFF, DOMAIN)


# --- user profiles and spaces ----------------------------------------------------------------


def test_user_profile_without_an_override_inherits_the_domain_and_is_not_flagged(ctx):
    assert find(ctx, (PROFILE_TYPE, profile())) == []


def test_user_profile_overriding_with_disabled_is_flagged(ctx):
    [finding] = find(ctx, (PROFILE_TYPE, profile("bob", idle_settings(None, enabled=False))))
    assert (finding.resource_type, finding.name) == (PROFILE_TYPE, "d-research/bob")
    assert "UserSettings.JupyterLabAppSettings" in finding.evidence["settings"]


def test_space_with_a_long_timeout_is_flagged(ctx):
    [finding] = find(ctx, (SPACE_TYPE, space("gpu-box", space_idle_timeout(1440))))
    problem = finding.evidence["settings"]["SpaceSettings.JupyterLabAppSettings"]
    assert problem["problem"] == "timeout 1440 min > 120 min"


def test_space_without_its_own_timeout_is_not_flagged(ctx):
    assert find(ctx, (SPACE_TYPE, space())) == []


def test_max_idle_minutes_comes_from_settings(ctx):
    ctx.settings = ctx.settings.model_copy(update={"studio_max_idle_minutes": 1440})
    assert find(ctx, (SPACE_TYPE, space("gpu-box", space_idle_timeout(1440)))) == []


def test_protected_tag_marks_a_setting_finding_protected(ctx):
    record = domain()
    [finding] = find(ctx, (DOMAIN_TYPE, record),
                     tags={record["DomainArn"]: {"sm-cost-bot:protect": "1"}})
    assert finding.protected is True


# --- readers ---------------------------------------------------------------------------------


def test_user_profile_deleted_since_the_list_is_skipped():
    gone, kept = profile("gone"), profile("kept")
    stub = StudioStub().list_user_profiles([gone, kept])
    stub.error("describe_user_profile", "ResourceNotFound", "gone").describe_user_profile(kept)
    with stub:
        described = shutdown.get_user_profiles(stub.client)
    stub.verify()
    assert [p["UserProfileName"] for p in described] == ["kept"]


def test_denied_describe_raises_rather_than_looking_compliant():
    stub = StudioStub().list_spaces([space()]).error("describe_space", "AccessDeniedException")
    with stub, pytest.raises(Exception) as raised:
        shutdown.get_spaces(stub.client)
    assert "AccessDeniedException" in str(raised.value)


# --- the real scan path ----------------------------------------------------------------------


def test_scan_flags_domains_profiles_and_spaces_through_the_standin(moto_server, settings, now):
    session = boto3.session.Session()
    install_studio_standin(
        session,
        # Domains from the stand-in too: moto fails ListTags on a domain created without tags.
        domains=[domain(idle_settings(None, enabled=False)),
                 domain_record(domain_id="d-tidy", name="tidy", created=CREATED,
                               default_user_settings=idle_settings(60))],
        user_profiles=[profile("inherits"),
                       profile("opted-out", idle_settings(None, enabled=False))],
        spaces=[space("quick", space_idle_timeout(60)),
                space("forever", space_idle_timeout(10080))],
        tags={f"arn:aws:sagemaker:us-east-1:123456789012:space/{DOMAIN}/forever":
              {"sm-cost-bot:protect": "yes"}},
    )
    factory = ClientFactory(base_session=session)

    result = run_scan(factory, settings, load_prices(), now,
                      kinds=[FindingKind.STUDIO_IDLE_SHUTDOWN_OFF])

    assert result.errors == []
    found = {(f.resource_type, f.name): f.protected for f in result.findings}
    assert found == {
        (DOMAIN_TYPE, DOMAIN): False,
        (PROFILE_TYPE, f"{DOMAIN}/opted-out"): False,
        (SPACE_TYPE, f"{DOMAIN}/forever"): True,
    }


def test_access_denied_on_list_domains_is_a_scan_error(moto_server, settings, now):
    factory = ClientFactory()
    stub = StudioStub(factory.client("sagemaker", "us-east-1")).error(
        "list_domains", "AccessDeniedException"
    )
    with stub:
        result = run_scan(factory, settings, load_prices(), now,
                          kinds=[FindingKind.STUDIO_IDLE_SHUTDOWN_OFF])
    [error] = result.errors
    assert (error.operation, error.code) == ("ListDomains", "AccessDeniedException")
    assert result.findings == []
