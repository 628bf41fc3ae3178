"""Stop this SageMaker notebook instance once Jupyter has been idle for --time seconds.

Installed by sm-cost-bot's auto-stop lifecycle configuration and run by cron every 5 minutes, as
AWS's published sample does (aws-samples/amazon-sagemaker-notebook-instance-lifecycle-config-
samples, scripts/auto-stop-idle): the local Jupyter server's API lists the sessions with their
kernel's execution state, open connections and last activity.

Idle means every kernel is `idle`, none was active within --time seconds and, unless
--ignore-connections, no browser tab is connected. With no session at all, the time since the
Jupyter server started counts. Standard library only, except boto3 for the stop itself (the
notebook's JupyterSystemEnv python has it). `--dry-run` prints the verdict and stops nothing.
"""

import argparse
import json
import ssl
import sys
import urllib.request
from datetime import datetime, timezone

METADATA = "/opt/ml/metadata/resource-metadata.json"


def parse_time(text):
    """Jupyter writes `2026-01-01T12:00:00.123456Z`; Python 3.10's fromisoformat wants +00:00."""
    text = text.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = datetime.strptime(text.split(".")[0].split("+")[0], "%Y-%m-%dT%H:%M:%S")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # noqa: UP017 - runs on 3.10


def idle_verdict(sessions, started, now, idle_seconds, ignore_connections):
    """(idle, why) from the Jupyter API's sessions and server start time. Pure."""
    if not sessions:
        up = (now - parse_time(started)).total_seconds()
        return up > idle_seconds, f"no sessions; server up {up:.0f}s"
    for session in sessions:
        kernel = session.get("kernel") or {}
        name = session.get("path") or session.get("name") or kernel.get("id", "?")
        state = kernel.get("execution_state")
        if state != "idle":
            return False, f"kernel of {name} is {state}"
        if not ignore_connections and kernel.get("connections", 0) > 0:
            return False, f"{name} has {kernel['connections']} open connection(s)"
        last = kernel.get("last_activity")
        if last and (now - parse_time(last)).total_seconds() <= idle_seconds:
            return False, f"{name} was active at {last}"
    return True, f"{len(sessions)} session(s), all idle for over {idle_seconds}s"


def get_json(base_url, path):
    # The notebook's Jupyter serves a self-signed certificate on localhost:8443.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    # The local server is never reached through a proxy (an instance may set one for egress).
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    with opener.open(base_url + path, timeout=10) as answer:
        return json.loads(answer.read().decode())


def notebook_name():
    with open(METADATA) as handle:
        return json.load(handle)["ResourceName"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", type=int, default=3600, help="idle seconds before stopping")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--scheme", default="https")
    parser.add_argument("--ignore-connections", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    base_url = f"{args.scheme}://{args.host}:{args.port}"
    sessions = get_json(base_url, "/api/sessions")
    started = get_json(base_url, "/api/status").get("started")
    now = datetime.now(timezone.utc)  # noqa: UP017 - runs on the notebook's Python 3.10
    idle, why = idle_verdict(sessions, started, now, args.time, args.ignore_connections)
    print(f"{'idle' if idle else 'not idle'}: {why}")
    if idle and not args.dry_run:
        import boto3

        name = notebook_name()
        print(f"stopping notebook instance {name}")
        boto3.client("sagemaker").stop_notebook_instance(NotebookInstanceName=name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
