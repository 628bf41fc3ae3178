"""50 concurrent signed /sm-idle requests while a scan runs: how fast does the bot ack?

Everything real except Slack and AWS: the HTTP-mode app on the bot's own server, Bolt's signature
check, the recording Slack stand-in, moto over HTTP seeded with a fleet. Then the resource side:
the peak thread count during the burst, and the threads and RSS with 500 idle connections held
open (and whether a signed command is still answered meanwhile). Prints figures; asserts nothing
(timings belong here, not in tests).

    .venv/bin/python benchmarks/slack_bench.py [--requests 50] [--notebooks 40] [--idle 500]
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def rss_mib() -> float:
    """Current resident set size of this process (Linux /proc), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class ThreadSampler:
    """Samples this process's thread count every few ms; `.peak` is the highest seen."""

    def __init__(self) -> None:
        self.peak = threading.active_count()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, threading.active_count())

    def __enter__(self) -> ThreadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def idle_connections(url: str, count: int) -> list[socket.socket]:
    """`count` sockets that connect and send half a request line, then say nothing."""
    host, port = url.removeprefix("http://").split(":")
    held = []
    for _ in range(count):
        try:
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\n")
            held.append(sock)
        except OSError:
            break
    return held


def seed(fleet, notebooks: int, endpoints: int, jobs: int) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=4)
    for i in range(notebooks):
        fleet.notebook(f"nb-{i:03d}", last_modified=long_ago, tags={"owner": f"team-{i % 5}"})
    for i in range(endpoints):
        fleet.endpoint(f"ep-{i:03d}", created=long_ago)
    for i in range(jobs):
        fleet.training_job(f"train-{i:03d}", training_seconds=4 * 3600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--notebooks", type=int, default=40)
    parser.add_argument("--endpoints", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=15)
    parser.add_argument("--idle", type=int, default=500, help="idle connections to hold open")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # moto logs a trace per unimplemented Studio call; figures only

    for name in list(os.environ):
        if name.startswith(("SMBOT_", "SLACK_", "AWS_")):
            del os.environ[name]
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")

    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"

    from bot.aws.session import ClientFactory, RegionClients
    from bot.config import Settings
    from bot.demo.moto_fleet import MotoFleet
    from bot.runtime.app import build_app, wsgi_app
    from bot.runtime.http_server import HttpServer
    from bot.runtime.slack_client import web_client
    from bot.services import build_services
    from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, SignedRequests, SlackApiStandIn

    clients = ClientFactory()
    seed(MotoFleet(RegionClients(clients, "us-east-1")), args.notebooks, args.endpoints, args.jobs)
    slack = SlackApiStandIn().start()
    workdir = tempfile.mkdtemp(prefix="slack-bench-")
    settings = Settings(db_path=Path(workdir) / "bench.db", regions=["us-east-1"], prices_fetch=False)  # no Price List API here
    services = build_services(settings, clients=clients)
    app = build_app(services, web_client(BOT_TOKEN, slack.api_url), signing_secret=SIGNING_SECRET)
    server = HttpServer(wsgi_app(app), "127.0.0.1", 0).start()
    signed = SignedRequests(slack)
    requests_to_send = [signed.command("/sm-idle", user=f"U{i:04d}") for i in range(args.requests)]

    scan_seconds: list[float] = []

    def background_scan() -> None:
        started = time.perf_counter()
        services.recent_scan()
        scan_seconds.append(time.perf_counter() - started)

    scanner = threading.Thread(target=background_scan)
    scanner.start()
    time.sleep(0.05)  # the scan is under way (it holds the single-flight lock)

    def send(request) -> tuple[float, int]:
        started = time.perf_counter()
        response = request.post(server.url)
        return time.perf_counter() - started, response.status_code

    threads_before = threading.active_count()
    burst_started = time.perf_counter()
    with ThreadSampler() as sampler, ThreadPoolExecutor(max_workers=args.requests) as pool:
        results = list(pool.map(send, requests_to_send))
    acks_done = time.perf_counter()
    scan_running_during_acks = scanner.is_alive()
    slack.wait_for("response_url", count=args.requests, timeout_seconds=300)
    answers_done = time.perf_counter()
    scanner.join()

    latencies_ms = [seconds * 1000 for seconds, _ in results]
    statuses = sorted({status for _, status in results})
    print(f"fleet: {args.notebooks} notebooks, {args.endpoints} endpoints, {args.jobs} training jobs (moto over HTTP)")
    print(f"requests: {args.requests} concurrent signed /sm-idle, statuses {statuses}")
    print(f"scan: {scan_seconds[0]:.2f} s; still running when the last ack arrived: {'yes' if scan_running_during_acks else 'no'}")
    print(
        f"ack latency ms: p50 {statistics.median(latencies_ms):.1f}  p99 {percentile(latencies_ms, 99):.1f}"
        f"  max {max(latencies_ms):.1f}  (Slack's limit: 3000)"
    )
    print(f"all acks in {1000 * (acks_done - burst_started):.0f} ms; all {args.requests} answers via response_url in {answers_done - burst_started:.2f} s")
    print(f"scans run: {services.store.db['scans'].count} (single-flight: concurrent askers share one scan)")
    print(
        f"threads: {threads_before} before the burst, peak {sampler.peak} during it"
        f" (this process: server, Bolt listeners, the {args.requests} client threads, moto, stand-in)"
    )

    rss_before = rss_mib()
    threads_idle_before = threading.active_count()
    held = idle_connections(server.url, args.idle)
    time.sleep(1.0)  # let the server accept them all
    with ThreadSampler() as idle_sampler:
        started = time.perf_counter()
        probe = signed.command("/sm-idle", user="UPROBE")
        try:
            status = probe.post(server.url, timeout=10).status_code
        except Exception as exc:  # a starved server times out: that is the figure
            status = type(exc).__name__
        probe_ms = 1000 * (time.perf_counter() - started)
        time.sleep(0.5)
    print(
        f"{len(held)} idle connections open: threads {threads_idle_before} -> {idle_sampler.peak},"
        f" RSS {rss_before:.0f} -> {rss_mib():.0f} MiB; a signed command meanwhile: {status} in {probe_ms:.0f} ms"
    )
    for sock in held:
        sock.close()
    server.stop()
    slack.stop()
    moto.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
