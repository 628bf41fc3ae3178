"""`sm-cost-bot` subcommands: run, scan, digest, demo, audit, schedule, report, prices, config.

Exit codes: 0 fine, 2 bad usage or configuration (one line on stderr naming what to fix),
3 the scan finished but some account-region could not be read, 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from bot import __version__
from bot.config import ConfigFileError, Settings, settings_error_lines
from bot.exit_codes import EXIT_OK, EXIT_SCAN_ERRORS, EXIT_UNEXPECTED, EXIT_USAGE, UsageError
from bot.models import FindingKind
from bot.scan.pricing import PriceTableError

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
KINDS = ", ".join(k.value for k in FindingKind)
MAX_AUDIT_DAYS = 3650


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the argument (and where to get help)
    instead of the whole usage block: the same shape as every other error of the CLI."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _kind(value: str) -> FindingKind:
    try:
        return FindingKind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown kind {value!r} (one of: {KINDS})") from None


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({low} to {high})")
        return number

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="sm-cost-bot", description="Find and cut Amazon SageMaker waste, from Slack or here."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # --debug is accepted before or after the subcommand; SUPPRESS keeps a subcommand's
    # default from overwriting a --debug given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS,
        help="show tracebacks on failure",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[common])

    run = command("run", "run the Slack bot (Socket Mode, or --http)")
    run.add_argument("--http", action="store_true", help="serve HTTP mode on /slack/events")
    run.add_argument("--port", type=_int_between(1, 65535), default=3000, help="HTTP port (default 3000)")
    run.add_argument("--host", default="127.0.0.1", help="HTTP bind address (0.0.0.0 in a container)")

    scan = command("scan", "scan AWS now and print the findings")
    scan.add_argument("--region", action="append", dest="regions", metavar="R",
                      help="scan this region instead of SMBOT_REGIONS (repeatable)")
    scan.add_argument("--kind", action="append", dest="kinds", type=_kind, metavar="K",
                      help=f"only this kind of finding (repeatable): {KINDS}")
    scan.add_argument("--format", choices=("table", "json"), default="table",
                      help="a table for people (default) or JSON for scripts")

    digest = command("digest", "build the daily digest now")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="print the Block Kit JSON")
    mode.add_argument("--post", action="store_true", help="post it to SMBOT_DIGEST_CHANNEL once")
    digest.add_argument("--fresh", action="store_true",
                        help="scan now even if a recent scan of the same scope is stored")

    demo = command("demo", "scan a built-in simulated fleet (no AWS, no Slack)")
    demo.add_argument("--format", choices=("text", "json"), default="text",
                      help="the digest as text (default) or the findings as JSON")
    demo.add_argument("--report", action="store_true", help="also print the weekly report and write its PNGs here")

    audit = command("audit", "print the audit trail of actions")
    audit.add_argument("--days", type=_int_between(1, MAX_AUDIT_DAYS), default=7,
                       help=f"how far back (1 to {MAX_AUDIT_DAYS}, default 7)")
    audit.add_argument("--format", choices=("table", "csv", "json"), default="table",
                       help="a table (default), CSV or JSON")

    schedule = command("schedule", "list, add or remove notebook schedules")
    schedule.add_argument("words", nargs="*", help="list | add <notebook> weekdays 09:00-18:00 [tz] | remove <id> | help (the full usage)")

    report = command("report", "the weekly report: spend, realised savings, Savings Plans")
    report.add_argument("--weeks", type=int, default=4, help="full weeks of spend to show (1-52)")
    report.add_argument("--format", choices=("table", "json"), default="table",
                        help="a table for people (default) or JSON for scripts")
    report.add_argument("--png", metavar="FILE", help="also write the charts as PNG (FILE, FILE-savings)")

    prices = command("prices", "price table tools")
    prices.add_argument("action", choices=("refresh", "show"),
                        help="refresh: rebuild from the AWS Price List API; show: print the table's source")
    prices.add_argument("--output", help="where to write the refreshed table (default: SMBOT_PRICES_PATH or the bundled file)")
    prices.add_argument("--region", action="append", dest="regions", metavar="R",
                        help="refresh only this region (repeatable)")

    config = command("config", "show the effective settings and where each came from")
    config.add_argument("action", choices=("show",),
                        help="show: every setting, its value and source (env, file, default); secrets masked")
    config.add_argument("--format", choices=("table", "json"), default="table",
                        help="a table for people (default) or JSON for scripts")
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        import importlib.util

        if importlib.util.find_spec("moto") is None:  # production installs leave the emulator out
            raise UsageError("the demo needs its AWS emulator: pip install 'sm-cost-bot[demo]'"
                             " (from a checkout: pip install '.[demo]')")
        from bot.demo.command import run_demo

        return run_demo(fmt=args.format, report=args.report)

    settings = Settings()
    if args.command == "config":
        from bot.config_show import config_cli

        return config_cli(settings, args.format, os.environ)
    if args.command == "prices":
        from bot.scan.price_refresh import prices_cli

        return prices_cli(settings, args.action, args.output, args.regions)

    if args.command == "run":
        from bot.runtime.single_instance import missing_database

        problem = missing_database(settings.db_path)
        if problem:  # checked before the Store would create a new, empty database
            raise UsageError(problem)

    from bot.services import build_services

    services = build_services(settings)
    if _needs_aws(args):
        services.clients.require_credentials()
    if args.command == "scan":
        return _scan(services, args)
    if args.command == "run":
        from bot.runtime.runner import run_bot

        return run_bot(services, http=args.http, host=args.host, port=args.port)
    if args.command == "digest":
        from bot.digest.job import digest_cli

        return digest_cli(services, post=args.post, fresh=args.fresh)
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


def _needs_aws(args: argparse.Namespace) -> bool:
    """Commands that read or change AWS: without credentials they stop at once with how to
    provide them, instead of a scan where every part failed."""
    if args.command == "schedule":
        return bool(args.words) and args.words[0].lower() == "add"
    return args.command in ("scan", "digest", "run", "report")


def _scan(services, args: argparse.Namespace) -> int:
    from reports.text import print_scan

    for region in args.regions or []:
        Settings(regions=[region])  # validates the name with the same rule as SMBOT_REGIONS
    from bot.scan.progress import scan_progress

    with scan_progress(sys.stderr) as on_progress:
        result = services.scan(regions=args.regions, kinds=args.kinds, on_progress=on_progress)
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
        code = _dispatch(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except ValidationError as exc:
        for line in settings_error_lines(exc):
            print(f"sm-cost-bot: {line}", file=sys.stderr)
        return EXIT_USAGE
    except (ConfigFileError, UsageError) as exc:
        print(f"sm-cost-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PriceTableError as exc:
        print(f"sm-cost-bot: SMBOT_PRICES_PATH: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("sm-cost-bot: interrupted", file=sys.stderr)
        # Exit now: scan workers blocked on a hung endpoint would hold a normal exit (which joins
        # every pool thread) for timeout × attempts. Nothing is half-written: scans are saved in
        # one transaction after they finish, and SQLite rolls back an open one.
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader (`| head`) stopped reading: not an error. Point stdout at /dev/null so the
        # interpreter's final flush does not raise again on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(f"sm-cost-bot: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
