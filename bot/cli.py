"""`sm-cost-bot` subcommands: run, scan, digest, demo, audit, schedule, prices.

Exit codes: 0 fine, 2 bad usage or configuration (one line on stderr naming what to fix),
3 the scan finished but some account-region could not be read, 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import ConfigFileError, Settings, settings_error_lines
from bot.exit_codes import EXIT_OK, EXIT_SCAN_ERRORS, EXIT_UNEXPECTED, EXIT_USAGE, UsageError
from bot.models import FindingKind


def _kind(value: str) -> FindingKind:
    try:
        return FindingKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in FindingKind)
        raise argparse.ArgumentTypeError(f"unknown kind {value!r} (one of: {allowed})") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sm-cost-bot", description="Find and cut Amazon SageMaker waste, from Slack or here."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the Slack bot (Socket Mode, or --http)")
    run.add_argument("--http", action="store_true", help="serve HTTP mode on /slack/events")
    run.add_argument("--port", type=int, default=3000)
    run.add_argument("--host", default="127.0.0.1", help="HTTP bind address (0.0.0.0 in a container)")

    scan = sub.add_parser("scan", help="scan AWS now and print the findings")
    scan.add_argument("--region", action="append", dest="regions", metavar="R")
    scan.add_argument("--kind", action="append", dest="kinds", type=_kind, metavar="K")
    scan.add_argument("--format", choices=("table", "json"), default="table")

    digest = sub.add_parser("digest", help="build the daily digest now")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="print the Block Kit JSON")
    mode.add_argument("--post", action="store_true", help="post it to SMBOT_DIGEST_CHANNEL once")

    demo = sub.add_parser("demo", help="scan a built-in simulated fleet (no AWS, no Slack)")
    demo.add_argument("--format", choices=("text", "json"), default="text")
    demo.add_argument("--report", action="store_true", help="also print the weekly report and write its PNGs here")

    audit = sub.add_parser("audit", help="print the audit trail of actions")
    audit.add_argument("--days", type=int, default=7)
    audit.add_argument("--format", choices=("table", "csv", "json"), default="table")

    schedule = sub.add_parser("schedule", help="list, add or remove notebook schedules")
    schedule.add_argument("words", nargs="*", help="list | add <notebook> weekdays 09:00-18:00 [tz] | remove <id>")

    report = sub.add_parser("report", help="the weekly report: spend, realised savings, Savings Plans")
    report.add_argument("--weeks", type=int, default=4, help="full weeks of spend to show (1-52)")
    report.add_argument("--format", choices=("table", "json"), default="table")
    report.add_argument("--png", metavar="FILE", help="also write the charts as PNG (FILE, FILE-savings)")

    prices = sub.add_parser("prices", help="price table tools")
    prices.add_argument("action", choices=("refresh", "show"))
    prices.add_argument("--output", help="where to write the refreshed table (default: SMBOT_PRICES_PATH or the bundled file)")
    prices.add_argument("--region", action="append", dest="regions", metavar="R")
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from bot.demo.command import run_demo

        return run_demo(fmt=args.format, report=args.report)

    settings = Settings()
    if args.command == "prices":
        from bot.scan.price_refresh import prices_cli

        return prices_cli(settings, args.action, args.output, args.regions)

    from bot.services import build_services

    services = build_services(settings)
    if args.command == "scan":
        return _scan(services, args)
    if args.command == "run":
        from bot.runtime.runner import run_bot

        return run_bot(services, http=args.http, host=args.host, port=args.port)
    if args.command == "digest":
        from bot.digest.job import digest_cli

        return digest_cli(services, post=args.post)
    if args.command == "audit":
        from bot.actions.audit import audit_cli

        return audit_cli(services, days=args.days, fmt=args.format)
    if args.command == "schedule":
        from bot.schedules.cli import schedule_cli

        return schedule_cli(services, args.words)
    if args.command == "report":
        from bot.report.job import report_cli

        return report_cli(services, weeks=args.weeks, fmt=args.format, png=args.png)
    raise UsageError(f"unknown command {args.command}")


def _scan(services, args: argparse.Namespace) -> int:
    from reports.text import print_scan

    for region in args.regions or []:
        Settings(regions=[region])  # validates the name with the same rule as SMBOT_REGIONS
    result = services.scan(regions=args.regions, kinds=args.kinds)
    if args.format == "json":
        json.dump(result.to_json_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_scan(result, owner_tag_keys=services.settings.owner_tag_keys)
    return EXIT_SCAN_ERRORS if result.errors else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except ValidationError as exc:
        for line in settings_error_lines(exc):
            print(f"sm-cost-bot: {line}", file=sys.stderr)
        return EXIT_USAGE
    except (ConfigFileError, UsageError) as exc:
        print(f"sm-cost-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"sm-cost-bot: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
