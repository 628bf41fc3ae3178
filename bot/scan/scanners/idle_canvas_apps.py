"""Idle Canvas apps: a SageMaker Canvas workspace (`AppType=Canvas`) `InService` with no user
activity for SMBOT_CANVAS_IDLE_HOURS (default 2, the idle window AWS's own Canvas auto-shutdown
guidance uses).

Canvas bills a session-hour rate for as long as the user stays logged in, whether or not they
work ("you are billed for as long as the instance runs", AWS docs, "Logging out of Amazon SageMaker
Canvas"): a browser tab left open over a weekend is the well-known surprise bill. Deleting the app
is how an administrator logs the user out; their models and datasets are kept (same page), so the
finding offers Delete through the approval flow.

The judgement is the Studio apps' one (`idle_studio_apps.judge_app`): DescribeApp's
`LastUserActivityTimestamp` unless a health check wrote it, the owner's Studio sign-ins in
CloudTrail, the app's age, and a confidence in the evidence; low confidence is listed but not
counted in the headline. ListApps is shared with the Studio scanner; DescribeApp and CloudTrail are
read only for Canvas apps older than the threshold.
"""

from __future__ import annotations

from typing import Any

from bot.models import Finding, FindingKind
from bot.scan.scanners.base import (
    ScanContext,
    age_in_words,
)
from bot.scan.scanners.idle_notebooks import hours_between
from bot.scan.scanners.idle_studio_apps import (
    StudioOpened,
    app_finding,
    judged_apps,
    scan_apps,
)

KIND = FindingKind.IDLE_CANVAS_APP
PERMISSIONS = [
    "sagemaker:ListApps",
    "sagemaker:DescribeApp",
    "sagemaker:ListTags",
    "cloudtrail:LookupEvents",
]

APP_TYPE = "Canvas"
# Canvas is priced per session-hour, not per instance type: the Price List's `Canvas:Session-Hrs`
# row (bot.scan.price_parsing), $1.90/h in us-east-1 (aws.amazon.com/sagemaker/pricing, Canvas).
PRICE_COMPONENT, PRICE_KEY = "studio:Canvas", "session"


def find_candidates(
    apps: list[dict[str, Any]], now: Any, threshold_hours: float
) -> list[dict[str, Any]]:
    """Canvas apps InService for longer than the threshold (a younger one cannot be that idle)."""
    return [
        app for app in apps
        if app.get("AppType") == APP_TYPE and app.get("Status") == "InService"
        and hours_between(app["CreationTime"], now) >= threshold_hours
    ]


def find_idle_canvas_apps(
    ctx: ScanContext,
    apps: list[dict[str, Any]],
    opened: dict[str, StudioOpened],
    tags_by_arn: dict[str, dict[str, str]] | None,
) -> list[Finding]:
    """`apps` are DescribeApp answers. `tags_by_arn=None`: tags unreadable, never actionable."""
    threshold_hours = ctx.settings.canvas_idle_hours
    monthly_usd = ctx.prices.monthly_usd(ctx.region, PRICE_COMPONENT, PRICE_KEY)
    findings = []
    for app, verdict, evidence in judged_apps(ctx, apps, opened, threshold_hours):
        evidence["on_delete"] = "the user is logged out of Canvas; their models and datasets are kept"
        if monthly_usd is None:
            evidence["price_missing"] = f"no Canvas session price for {ctx.region}"
        if verdict.idle_hours is None:
            reason = (f"Canvas session possibly idle: its last activity is only a health check "
                      f"(confidence {verdict.confidence})")
        else:
            reason = (f"Logged in to Canvas with no activity for {age_in_words(verdict.idle_hours)}"
                      f" (confidence {verdict.confidence})")
        findings.append(app_finding(
            ctx, KIND, app, verdict, reason=reason, evidence=evidence, monthly_usd=monthly_usd,
            instance_type=None, tags_by_arn=tags_by_arn,  # logged out, the session-hours stop
        ))
    return findings


def scan(ctx: ScanContext) -> list[Finding]:
    return scan_apps(ctx, KIND, ctx.settings.canvas_idle_hours, find_candidates, find_idle_canvas_apps)
