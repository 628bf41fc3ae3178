"""Weekly report benchmark: Cost Explorer requests (AWS charges USD 0.01 each) and wall time of the
first report of a day and of the ones after it, on the demo fleet (in-process moto for spend, the
Savings Plans stand-in for the rest). Counts every `ce` call as it leaves botocore. A script, not a
test: it asserts nothing.

    .venv/bin/python benchmarks/report_bench.py --reports 3
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3, help="reports built the same day")
    args = parser.parse_args()
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    from moto import mock_aws

    from bot.aws.session import ClientFactory
    from bot.config import Settings
    from bot.demo.command import DEMO_ACCOUNTS, DEMO_REGIONS, seed_demo_fleet
    from bot.demo.report_demo import DEMO_WEEKS, seed_demo_costs, seed_demo_savings
    from bot.report.build import build_report
    from bot.services import build_services

    with tempfile.TemporaryDirectory() as tmp, mock_aws():
        settings = Settings(regions=list(DEMO_REGIONS), accounts=list(DEMO_ACCOUNTS), db_path=Path(tmp) / "bench.db")
        factory = ClientFactory()
        now = datetime.now(UTC)
        seed_demo_fleet(factory, now)
        services = build_services(settings, clients=factory)
        scan = services.scan()
        calls: Counter[str] = Counter()
        ce = factory.client("ce", "us-east-1", DEMO_ACCOUNTS[0])
        ce.meta.events.register("before-parameter-build.ce", lambda model, **_: calls.update([model.name]))
        seed_demo_costs(services, DEMO_ACCOUNTS[0].account_id, now)
        seed_demo_savings(services, DEMO_ACCOUNTS[0].account_id, now)
        for n in range(1, args.reports + 1):
            before = sum(calls.values())
            started = time.perf_counter()
            report = build_report(services, weeks=DEMO_WEEKS, scan=scan)
            elapsed = time.perf_counter() - started
            print(f"report {n}: {sum(calls.values()) - before} Cost Explorer requests"
                  f" (report says {report.ce_calls}), {elapsed:.2f} s")
        print("requests by operation:")
        for operation, count in sorted(calls.items()):
            print(f"  {operation:45} {count}")


if __name__ == "__main__":
    main()
