"""The weekly report end to end: Cost Explorer in moto (spend) and the stand-in (Savings Plans),
posted to the Slack stand-in with its charts in the thread, scheduled, and `sm-cost-bot report`."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.aws import cost
from bot.cli import main
from bot.config import Settings
from bot.models import ScanResult
from bot.report.build import build_report
from bot.report.job import REPORT_JOB_ID, ReportNotConfigured, install_report_job, post_report
from bot.report.spend import Window
from bot.services import build_services
from bot.storage.store import Store
from tests.fakes.cost_explorer import (
    install_savings_plans_standin,
    recommendation_record,
    seed_spend,
)
from tests.fakes.findings import finding

CHANNEL = "C0REPORT"


def _spend_lines(window: Window) -> list:
    lines, day = [], window.query_start
    while day < window.query_end:
        lines.append((day, "USE1-Host:ml.m5.xlarge", "us-east-1", 24 * 0.23))
        lines.append((day, "USE1-Notebk:ml.t3.medium", "us-east-1", 24 * 0.05))
        day += timedelta(days=1)
    return lines


@pytest.fixture
def sp_calls(services, moto_server) -> list[str]:
    """A 1-year SageMaker Savings Plans recommendation; the list of Savings Plans calls made."""
    return install_savings_plans_standin(
        services.clients.client("ce", cost.CE_REGION),
        {"ONE_YEAR": recommendation_record("ONE_YEAR", hourly_commitment_usd=0.2, monthly_savings_usd=40.0,
                                           savings_percentage=22.0, on_demand_30_days_usd=200.0)},
    )


@pytest.fixture
def reporting(services, moto_server, sp_calls):
    """Services with a report channel, a fresh stored scan (open waste $36.50/month), a month of
    seeded spend and a Savings Plans recommendation."""
    settings = services.settings.model_copy(update={"report_channel": CHANNEL})
    services = dataclasses.replace(services, settings=settings)
    services.store.save_scan(ScanResult(generated_at=datetime.now(UTC), regions=["us-east-1"],
                                        findings=[finding("nb-alice")]), scope_key=services.scope_key())
    window = Window(today=services.clock().date(), weeks=4)
    seed_spend(moto_server, _spend_lines(window), window.query_start, window.query_end)
    return services


def test_the_report_adds_spend_waste_and_advice(reporting):
    report = build_report(reporting)
    assert [w.by_component["hosting"] for w in report.spend.weeks] == [pytest.approx(7 * 24 * 0.23)] * 4
    assert report.open_waste_monthly_usd == 36.5
    assert report.waste_share == pytest.approx(36.5 * 720 / 730 / (30 * 24 * 0.28), rel=1e-3)
    assert report.plans.advice[0].hourly_commitment_usd == 0.2


def test_the_first_report_of_the_day_makes_four_cost_explorer_calls_and_the_next_none(reporting, sp_calls):
    first = build_report(reporting)
    second = build_report(reporting)
    assert (first.ce_calls, second.ce_calls) == (4, 0)
    assert len(sp_calls) == 3


def test_the_report_is_posted_with_its_charts_in_the_thread(reporting, slack_client, slack_api):
    posted = post_report(reporting, slack_client)
    [message] = slack_api.calls_to("chat.postMessage")
    assert message.params["channel"] == CHANNEL
    assert "SageMaker weekly report" in json.dumps(message.params["blocks"])
    assert message.params["text"].startswith("$")
    assert len(slack_api.calls_to("upload")) == 2
    [complete] = slack_api.calls_to("files.completeUploadExternal")
    assert complete.params["thread_ts"] == posted.ts
    assert len(posted.chart_file_ids) == 2


def test_each_uploaded_chart_carries_its_text_alternative(reporting, slack_client, slack_api):
    post_report(reporting, slack_client)
    alt = [c.params.get("alt_txt") for c in slack_api.calls_to("files.getUploadURLExternal")]
    assert alt[0].startswith("SageMaker spend by week.")
    assert alt[1].startswith("Realised savings since install.")
    comment = slack_api.calls_to("files.completeUploadExternal")[0].params["initial_comment"]
    assert "SageMaker spend by week." in comment


def test_a_failed_chart_upload_leaves_the_report_posted(reporting, slack_client, slack_api):
    slack_api.respond_with("files.getUploadURLExternal", {"ok": False, "error": "not_allowed_token_type"})
    posted = post_report(reporting, slack_client)
    assert posted.ts
    assert posted.problems == ["charts upload failed: not_allowed_token_type"]


def test_without_a_channel_the_report_says_which_setting_to_set(services, slack_client):
    with pytest.raises(ReportNotConfigured, match="SMBOT_REPORT_CHANNEL"):
        post_report(services, slack_client)


def test_the_report_job_fires_on_monday_mornings_in_the_bots_zone(reporting):
    settings = reporting.settings.model_copy(update={"timezone": "Asia/Seoul"})
    services = dataclasses.replace(reporting, settings=settings)
    scheduler = BackgroundScheduler(timezone=settings.tz)
    install_report_job(scheduler, services, client=None)
    job = scheduler.get_job(REPORT_JOB_ID)
    fire = job.trigger.get_next_fire_time(None, datetime(2026, 11, 25, tzinfo=UTC))
    assert (fire.weekday(), fire.hour, str(fire.tzinfo)) == (0, 9, "Asia/Seoul")


# --- the CLI ----------------------------------------------------------------------------------


@pytest.fixture
def cli_db(moto_server, monkeypatch, tmp_path):
    monkeypatch.setenv("SMBOT_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # moto has no Savings Plans calls: HTTP 500
    store = Store(tmp_path / "cli.db")
    store.save_scan(ScanResult(generated_at=datetime.now(UTC), regions=["us-east-1"], findings=[finding()]),
                    scope_key=build_services(Settings(), store=store).scope_key())  # what the CLI will ask for
    window = Window(today=datetime.now(UTC).date(), weeks=2)
    seed_spend(moto_server, _spend_lines(window), window.query_start, window.query_end)
    store.close()
    return tmp_path


def test_report_json_prints_the_figures_and_says_what_it_could_not_read(cli_db, capsys):
    assert main(["report", "--weeks", "2", "--format", "json"]) == 3
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert len(document["spend"]["weeks"]) == 2
    assert document["open_waste_monthly_usd"] == 36.5
    assert err.count("\n") == 1 and err.startswith("sm-cost-bot: Savings Plans:")


def test_report_png_writes_both_charts(cli_db, capsys):
    main(["report", "--png", str(cli_db / "spend.png")])
    assert (cli_db / "spend.png").read_bytes().startswith(b"\x89PNG")
    assert (cli_db / "spend-savings.png").read_bytes().startswith(b"\x89PNG")
    assert "SageMaker spend by week" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["report", "--weeks", "0"], ["report", "--png", "/no/such/dir/x.png"]])
def test_bad_report_arguments_are_one_line_and_exit_2(cli_db, capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sm-cost-bot: --")


def test_the_cost_window_is_computed_from_utc_today():
    assert Window(today=date(2026, 11, 30), weeks=2).week_starts == [date(2026, 11, 16), date(2026, 11, 23)]
