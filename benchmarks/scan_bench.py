"""Scan benchmark: N endpoints, N notebooks and N training jobs (half of each idle or on demand)
on moto over real HTTP, scanned by the real `bot.scan.fanout.run_scan`. Prints requests by operation
(from moto's recorder), total requests, wall time and peak RSS. A script, not a test: it asserts
nothing about time.

    .venv/bin/python benchmarks/scan_bench.py --n 1000
    .venv/bin/python benchmarks/scan_bench.py --n 300 --compare-read-paths
    .venv/bin/python benchmarks/scan_bench.py --n 1000 --busy

`--busy` makes every endpoint one that serves traffic (30 days old, CPU, memory and invocations
in CloudWatch): the hosting advice then reads every endpoint's config, model and 14 days of hourly
metrics. Its datapoints are sparse (a few hours a series): request counts do not depend on them,
and moto's GetMetricData is indexed by series for the run (`index_moto_metric_data`: moto's own
answer, without comparing every datapoint with every query). GetMetricData is printed split by
period: hourly (3600 s) is the hosting advice, the rest the idle-endpoint kinds.

moto's Search ignores MaxResults and answers everything in one page; AWS pages at 100, so the
`Search` line is printed with the page count AWS would need next to it. Peak RSS is the whole
process, moto's server and its stored fleet included.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGION = "us-east-1"


def start_moto() -> tuple[object, str]:
    # The recorder reads its file path once, when moto is imported.
    os.environ.setdefault(
        "MOTO_RECORDER_FILEPATH", os.path.join(tempfile.mkdtemp(prefix="scan-bench-"), "recording")
    )
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION=REGION,
    )
    return server, endpoint


def seed(fleet, n: int, now: datetime, workers: int) -> None:
    """Endpoints 7 days old (even ones busy an hour ago), notebooks (even ones touched an hour
    ago, odd ones 3 days ago), training jobs ended 2 days ago (even ones on demand)."""
    old = now - timedelta(days=7)

    def endpoint(i: int) -> None:
        fleet.endpoint(f"ep-{i:05d}", created=old)

    def notebook(i: int) -> None:
        age = timedelta(hours=1) if i % 2 == 0 else timedelta(days=3)
        fleet.notebook(f"nb-{i:05d}", last_modified=now - age)

    def training_job(i: int) -> None:
        spot = i % 2 == 1
        fleet.training_job(
            f"tj-{i:05d}", spot=spot, billable_seconds=1500 if spot else None,
            ended=now - timedelta(days=2),
        )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for make in (endpoint, notebook, training_job):
            list(pool.map(make, range(n)))
    fleet.invocations_batch(
        [(f"ep-{i:05d}", "AllTraffic", now - timedelta(hours=1), 25.0) for i in range(0, n, 2)]
    )


def index_moto_metric_data() -> None:
    """moto's GetMetricData compares every stored datapoint with every period of every query
    (queries × periods × datapoints), and its ListMetrics every datapoint with every series kept:
    at N=1000 busy endpoints one call takes longer than the bot's read timeout. Here each query is
    answered by moto's own code over only the datapoints of its series (moto matches the dimension
    set exactly, as this index does), and ListMetrics dedupes with a set: the same answers, in
    seconds. The bot's requests are unchanged, and the recorder still counts them all."""
    import threading

    from moto.cloudwatch.models import CloudWatchBackend

    original = CloudWatchBackend.get_metric_data
    lock = threading.Lock()

    def series(name: str, dimensions) -> tuple:
        return name, tuple(sorted(dimensions))

    def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
        with lock:
            everything = CloudWatchBackend.get_all_metrics(self)
            by_series: dict[tuple, list] = {}
            for md in everything:
                by_series.setdefault(series(md.name, ((d.name, d.value) for d in md.dimensions)), []).append(md)
            results = []
            try:
                for query in queries:
                    metric = query.get("MetricStat", {}).get("Metric", {})
                    if metric.get("Dimensions"):
                        key = series(metric["MetricName"], ((d["Name"], d["Value"]) for d in metric["Dimensions"]))
                        self.get_all_metrics = lambda key=key: by_series.get(key, [])
                    else:
                        self.get_all_metrics = lambda: everything
                    results += original(self, [query], start_time, end_time, scan_by)
            finally:
                self.__dict__.pop("get_all_metrics", None)
            return results

    def get_filtered_metrics(self, metric_name, namespace, dimensions):
        # moto checks each datapoint against every metric already kept (quadratic in
        # datapoints); a set of series keeps the same first datapoint of each series.
        seen, kept = set(), []
        for md in CloudWatchBackend.get_all_metrics(self):
            if md.filter(namespace=namespace, name=metric_name, dimensions=dimensions, already_present_metrics=[]):
                key = (md.namespace, series(md.name, ((d.name, d.value) for d in md.dimensions)))
                if not md.dimensions or key not in seen:  # moto keeps every dimensionless one
                    seen.add(key)
                    kept.append(md)
        return kept

    CloudWatchBackend.get_metric_data = get_metric_data
    CloudWatchBackend.get_filtered_metrics = get_filtered_metrics


def seed_busy(fleet, n: int, now: datetime, workers: int) -> None:
    """N endpoints that serve traffic, unchanged for 30 days, each with its own config and model
    (the worst case for per-config reads), at 30 % CPU: the hosting advice judges every one."""
    from bot.aws.hosting_metrics import hourly_window
    from bot.demo.moto_fleet import IMAGE

    start, _ = hourly_window(now, 14)
    hours = [start + timedelta(hours=h) for h in (3, 100, 200, 14 * 24 - 1)]

    def endpoint(i: int) -> None:
        name = f"ep-{i:05d}"
        fleet.endpoint(name, instance_count=2, created=now - timedelta(days=30))
        fleet.deployed_images(name, IMAGE)  # as AWS's Search records carry them (moto omits them)
        fleet.hourly_metrics(name, hours, {"CPUUtilization": 120.0, "MemoryUtilization": 20.0, "Invocations": 500.0})

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(endpoint, range(n)))


def operation_label(request) -> str:
    if request.operation == "Search":
        return f"Search({request.params.get('Resource', '?')})"
    if request.operation == "GetMetricData":
        periods = {q.get("MetricStat", {}).get("Period") for q in request.params.get("MetricDataQueries", [])}
        return f"GetMetricData(period {'/'.join(str(p) for p in sorted(periods, key=str))})"
    return request.operation


def print_requests(calls: Counter, n: int) -> None:
    width = max((len(op) for op in calls), default=10)
    for operation, count in sorted(calls.items(), key=lambda item: (-item[1], item[0])):
        note = ""
        if operation.startswith("Search("):
            note = f"   (moto answers in one page; AWS pages at 100: {-(-n // 100)} for {n} records)"
        print(f"  {operation:<{width}}  {count:>6}{note}")
    print(f"  {'total':<{width}}  {sum(calls.values()):>6}")


def compare_read_paths(clients, recorder, idle_names: list[str], n: int) -> None:
    """The scanners' choices, replayed: what reading the same records costs per strategy (the
    ListMetrics/GetMetricData reads are the same for every endpoint strategy and left out)."""
    sm, tagging = clients("sagemaker"), clients("resourcegroupstaggingapi")

    def measured(label: str, run) -> None:
        recorder.start()
        run()
        calls = Counter(r.operation for r in recorder.stop())
        print(f"  {label:<64} {sum(calls.values()):>5}  {dict(calls)}")

    def list_pages() -> None:
        for _ in sm.get_paginator("list_endpoints").paginate(MaxResults=100):
            pass

    def describe_and_list_tags() -> None:
        list_pages()
        for name in idle_names:
            arn = sm.describe_endpoint(EndpointName=name)["EndpointArn"]
            sm.describe_endpoint_config(EndpointConfigName=f"{name}-config")
            sm.list_tags(ResourceArn=arn)

    def describe_and_get_resources() -> None:
        list_pages()
        for _ in tagging.get_paginator("get_resources").paginate(
            ResourceTypeFilters=["sagemaker:endpoint"], ResourcesPerPage=100
        ):
            pass
        for name in idle_names:
            sm.describe_endpoint(EndpointName=name)
            sm.describe_endpoint_config(EndpointConfigName=f"{name}-config")

    def search() -> None:
        for _ in sm.get_paginator("search").paginate(Resource="Endpoint", MaxResults=100):
            pass
        for name in idle_names:
            sm.describe_endpoint_config(EndpointConfigName=f"{name}-config")

    def list_and_describe_training_jobs() -> None:
        for page in sm.get_paginator("list_training_jobs").paginate(MaxResults=100):
            for summary in page["TrainingJobSummaries"]:
                sm.describe_training_job(TrainingJobName=summary["TrainingJobName"])

    def search_training_jobs() -> None:
        for _ in sm.get_paginator("search").paginate(Resource="TrainingJob", MaxResults=100):
            pass

    print(f"\nendpoint read paths for {n} endpoints, {len(idle_names)} idle (ListMetrics/GetMetricData "
          "excluded: the same for all):")
    measured("ListEndpoints + DescribeEndpoint/Config + ListTags per idle", describe_and_list_tags)
    measured("ListEndpoints + GetResources + DescribeEndpoint/Config per idle", describe_and_get_resources)
    measured(f"Search + DescribeEndpointConfig per idle (AWS: {-(-n // 100)} Search pages)", search)
    print(f"training job read paths for {n} jobs (the Spot flag is in no List):")
    measured("ListTrainingJobs + DescribeTrainingJob per job", list_and_describe_training_jobs)
    measured(f"Search (AWS: {-(-n // 100)} pages)", search_training_jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="resources of each kind (default 1000)")
    parser.add_argument("--seed-workers", type=int, default=16)
    parser.add_argument("--compare-read-paths", action="store_true")
    parser.add_argument("--busy", action="store_true",
                        help="every endpoint serves traffic: measure the hosting advice's reads")
    args = parser.parse_args()
    # moto's server logs every request, and a traceback for each API it lacks (Studio apps,
    # CloudTrail): the scan reports those as errors, which are printed below.
    logging.disable(logging.CRITICAL)

    server, endpoint = start_moto()
    if args.busy:
        index_moto_metric_data()
    from bot.aws.session import ClientFactory, RegionClients
    from bot.config import Settings
    from bot.demo.moto_fleet import MotoFleet, MotoRecorder
    from bot.scan.fanout import run_scan
    from bot.scan.pricing import load_prices

    factory = ClientFactory()
    clients = RegionClients(factory, REGION)
    fleet = MotoFleet(clients=clients, region=REGION)
    now = datetime.now(UTC).replace(microsecond=0)

    started = time.perf_counter()
    seed(fleet, args.n, now, args.seed_workers) if not args.busy else seed_busy(fleet, args.n, now, args.seed_workers)
    seeding_seconds = time.perf_counter() - started

    recorder = MotoRecorder(endpoint)
    settings = Settings(regions=[REGION], db_path=Path(tempfile.mkdtemp()) / "bench.db")
    recorder.start()
    started = time.perf_counter()
    result = run_scan(factory, settings, load_prices(), now)
    scan_seconds = time.perf_counter() - started
    calls = Counter(operation_label(r) for r in recorder.stop())

    if args.busy:
        print(f"scan_bench: n={args.n} busy endpoints (2 instances each, 30 days unchanged)")
    else:
        print(f"scan_bench: n={args.n} endpoints, notebooks and training jobs (half idle / on demand)")
    print(f"seeding: {seeding_seconds:.1f} s (not part of the scan)")
    print("requests by operation:")
    print_requests(calls, args.n)
    print(f"wall time (scan): {scan_seconds:.2f} s")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"peak RSS (process incl. moto): {peak_kib / 1024:.0f} MiB")
    by_kind = Counter(str(f.kind) for f in result.findings)
    print("findings by kind: " + (", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())) or "none"))
    errors = Counter(f"{e.kind or '-'} {e.operation} {e.code}" for e in result.errors)
    print("errors: " + (", ".join(f"{k} ×{v}" for k, v in sorted(errors.items())) or "none"))

    if args.compare_read_paths:
        idle = [f.name for f in result.findings if str(f.kind) == "unused-endpoint"]
        compare_read_paths(clients, recorder, idle, args.n)
    server.stop()


if __name__ == "__main__":
    main()
