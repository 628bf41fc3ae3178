"""Post the weekly report, schedule it, and print it: `sm-cost-bot report`.

The post is one message (spend, realised savings, Savings Plans advice) with its charts uploaded
in its thread by one `files_upload_v2` (both PNGs in one upload, each with its alt text; the
thread's comment carries the same text alternative for readers who do not open images).
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cron import parse_cron
from bot.models import ScanResult
from bot.owners.directory import directory_for
from bot.report.build import DEFAULT_WEEKS, build_report
from bot.report.models import WeeklyReport
from bot.services import Services
from reports.charts import ChartData, alt_text, charts, png_bytes
from reports.weekly_report import report_blocks, report_json, summary_blocks

logger = logging.getLogger(__name__)

REPORT_JOB_ID = "weekly-report"
# A report missed by a few hours (bot restarted on Monday morning) is still worth posting; the
# next one is a week away.
REPORT_MISFIRE_GRACE_SECONDS = 6 * 3600


class ReportNotConfigured(ValueError):
    """No channel to post the report to: one line naming the settings."""


@dataclass
class PostedReport:
    channel: str
    ts: str
    chart_file_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def report_channel(services: Services) -> str | None:
    return services.settings.report_channel or services.settings.digest_channel


def chart_uploads(report: WeeklyReport) -> list[dict[str, Any]]:
    day = report.generated_at.date().isoformat()
    return [
        {"content": png_bytes(chart), "filename": f"{chart.name}-{day}.png", "title": chart.title,
         "alt_txt": alt_text(chart)[:1000]}  # Slack caps alt text at 1000 characters
        for chart in charts(report)
    ]


def post_report(services: Services, client: WebClient, report: WeeklyReport | None = None,
                *, channel: str | None = None) -> PostedReport:
    """Post the report, then its charts in the thread (a failed upload is a problem, not a
    failure: the report is already visible)."""
    channel = channel or report_channel(services)
    if not channel:
        raise ReportNotConfigured("set SMBOT_REPORT_CHANNEL (or SMBOT_DIGEST_CHANNEL) to post the report")
    report = report or build_report(services, owners=directory_for(services.settings, client))
    text, blocks = report_blocks(report)
    response = client.chat_postMessage(
        channel=channel, text=text, blocks=[b.to_dict() for b in blocks], unfurl_links=False
    )
    posted = PostedReport(channel=response["channel"], ts=response["ts"])
    uploads = chart_uploads(report)
    if uploads:
        try:
            upload = client.files_upload_v2(
                file_uploads=uploads, channel=posted.channel, thread_ts=posted.ts,
                initial_comment="\n".join(u["alt_txt"] for u in uploads),
            )
            posted.chart_file_ids = [f.get("id") for f in upload.get("files") or []]
        except SlackApiError as exc:
            logger.error("report charts upload failed: %s", exc.response.get("error"))
            posted.problems.append(f"charts upload failed: {exc.response.get('error')}")
    return posted


def savings_summary(services: Services, scan: ScanResult) -> list[Any]:
    """The report's summary for `/sm-savings` (realised savings, spend, advice), or nothing when
    it cannot be built: the command still answers with its own totals."""
    try:
        return summary_blocks(build_report(services, scan=scan, check_running=False))[1]
    except Exception:
        logger.exception("/sm-savings: no report summary")
        return []


def run_report_job(services: Services, client: WebClient) -> None:
    """The scheduler's entry point: never raises into APScheduler."""
    try:
        posted = post_report(services, client)
    except Exception:
        logger.exception("weekly report job failed")
        return
    logger.info("weekly report posted to %s at %s", posted.channel, posted.ts)


def install_report_job(scheduler: Any, services: Services, client: Any) -> None:
    if not report_channel(services):
        logger.warning("neither SMBOT_REPORT_CHANNEL nor SMBOT_DIGEST_CHANNEL is set: no weekly report")
        return
    scheduler.add_job(
        run_report_job,
        parse_cron(services.settings.report_cron, services.settings.tz),
        args=(services, client),
        id=REPORT_JOB_ID,
        name="weekly report",
        replace_existing=True,
        misfire_grace_time=REPORT_MISFIRE_GRACE_SECONDS,
        coalesce=True,
        max_instances=1,
    )


def write_pngs(report: WeeklyReport, path: Path) -> list[Path]:
    """The spend chart to `path`, the savings chart beside it (`<stem>-savings.png`)."""
    written = []
    for i, chart in enumerate(charts(report)):
        target = path if i == 0 else path.with_name(f"{path.stem}-{_suffix(chart)}{path.suffix or '.png'}")
        target.write_bytes(png_bytes(chart))
        written.append(target)
    return written


def _suffix(chart: ChartData) -> str:
    return "savings" if chart.name == "realised-savings" else chart.name


def report_cli(services: Services, *, weeks: int = DEFAULT_WEEKS, fmt: str = "table",
               png: str | None = None) -> int:
    from bot.exit_codes import EXIT_OK, EXIT_SCAN_ERRORS, UsageError
    from reports.report_text import print_report

    if not 1 <= weeks <= 52:
        raise UsageError(f"--weeks must be between 1 and 52, not {weeks}")
    if png is not None and not Path(png).parent.is_dir():
        raise UsageError(f"--png: no such directory: {Path(png).parent}")
    report = build_report(services, weeks=weeks, owners=directory_for(services.settings, None))
    if fmt == "json":
        json.dump(report_json(report), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_report(report)
    if png is not None:
        for path in write_pngs(report, Path(png)):
            print(f"wrote {path}", file=sys.stderr)
    for problem in (report.spend_error, report.plans_error):
        if problem:
            print(f"sm-cost-bot: {problem}", file=sys.stderr)
    incomplete = report.spend_error or report.plans_error or report.scan_errors
    return EXIT_SCAN_ERRORS if incomplete else EXIT_OK
