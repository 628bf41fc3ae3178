"""stale-stopped-notebook: notebooks stopped for longer than SMBOT_STOPPED_NOTEBOOK_DAYS, priced
at their ML storage volume, never offered a one-click delete."""

from __future__ import annotations

from datetime import timedelta

from bot.models import FindingKind
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import stale_stopped_notebooks as ss
from reports.findings import buttons
from reports.ids import ActionId
from tests.bot.scan.scanners.conftest import NOW

ARN = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{}"


def summary(name: str, stopped_days_ago: float, status: str = "Stopped") -> dict:
    """A ListNotebookInstances summary (botocore's NotebookInstanceSummary)."""
    return {
        "NotebookInstanceName": name,
        "NotebookInstanceArn": ARN.format(name),
        "NotebookInstanceStatus": status,
        "InstanceType": "ml.t3.medium",
        "CreationTime": NOW - timedelta(days=400),
        "LastModifiedTime": NOW - timedelta(days=stopped_days_ago),
    }


def judge(ctx, *summaries, volumes=None, tags=None):
    return ss.find_stale_stopped_notebooks(ctx, list(summaries), volumes or {}, tags if tags is not None else {})


def test_stopped_longer_than_the_threshold_is_stale(ctx):
    [finding] = judge(ctx, summary("nb", 45), volumes={"nb": 100})
    assert finding.kind == FindingKind.STALE_STOPPED_NOTEBOOK
    assert finding.est_monthly_cost_usd == round(100 * 0.14, 2)
    assert finding.evidence["stopped_for"] == "45 d"


def test_stopped_more_recently_is_not(ctx):
    assert judge(ctx, summary("nb", 29)) == []


def test_a_running_notebook_is_not_this_kind(ctx):
    assert judge(ctx, summary("nb", 90, status="InService")) == []


def test_the_threshold_comes_from_settings(ctx):
    ctx.settings = ctx.settings.model_copy(update={"stopped_notebook_days": 60})
    assert judge(ctx, summary("nb", 45)) == []


def test_an_unknown_volume_size_is_priced_at_the_api_default_and_says_so(ctx):
    [finding] = judge(ctx, summary("nb", 45))
    assert (finding.evidence["volume_size_gb"], finding.evidence["volume_size_known"]) == (5, False)


def test_unreadable_tags_mark_it_protected(ctx):
    [finding] = ss.find_stale_stopped_notebooks(ctx, [summary("nb", 45)], {}, None)
    assert finding.protected is True


def test_no_delete_is_offered_and_the_reason_says_how_to_keep_the_work(ctx):
    [finding] = judge(ctx, summary("nb", 45))
    assert [b.action_id for b in buttons(finding)] == [ActionId.SNOOZE.value]
    assert "S3" in finding.reason


def test_the_scan_finds_old_stopped_notebooks_on_moto(fleet, client_factory, settings, now):
    fleet.notebook("nb-forgotten", stopped=True, last_modified=now - timedelta(days=90))
    fleet.notebook("nb-stopped-last-week", stopped=True, last_modified=now - timedelta(days=7))
    fleet.notebook("nb-running", last_modified=now - timedelta(days=90))
    result = run_scan(client_factory, settings, load_prices(), now, kinds=[FindingKind.STALE_STOPPED_NOTEBOOK])
    assert result.errors == []
    [finding] = result.findings
    assert finding.name == "nb-forgotten"
    assert finding.evidence["volume_size_known"] is True
