"""`sm-cost-bot demo`: the embedded default.

Starts moto in this process, seeds a realistic fleet in two accounts and three regions (busy and
idle notebooks, endpoints with and without traffic, spot and on-demand training, a protected
resource, and a Seoul team's GPU endpoints in ap-northeast-2), runs the real scan code path
against it and prints the digest in the terminal. Seoul's prices come through the same fetch
path as a real scan's, from a local Price List stand-in (bot.demo.price_list_standin); the US
regions fall back to the bundled table, as they would without pricing:GetProducts.
Needs no AWS account, no Slack and no network: every AWS call stays inside this process.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import AccountTarget, Settings

DEMO_ACCOUNTS = (
    AccountTarget(role_arn="arn:aws:iam::111111111111:role/sm-cost-bot-read", name="ml-research"),
    AccountTarget(role_arn="arn:aws:iam::222222222222:role/sm-cost-bot-read", name="ml-prod"),
)
DEMO_REGIONS = ("us-east-1", "us-west-2", "ap-northeast-2")
PRICE_LIST_REGIONS = ("ap-northeast-2",)  # answered by the local Price List stand-in


def seed_demo_fleet(factory, now: datetime) -> None:
    """What a mid-size ML platform looks like on a Tuesday morning."""
    from bot.aws.session import RegionClients
    from bot.demo.hosting_demo import seed_demo_hosting
    from bot.demo.moto_fleet import MotoFleet

    research, prod = DEMO_ACCOUNTS

    def fleet(target: AccountTarget, region: str) -> MotoFleet:
        return MotoFleet(RegionClients(factory, region, target), target.account_id, region)

    f = fleet(research, "us-east-1")
    f.notebook("alice-exploration", instance_type="ml.t3.medium", tags={"owner": "alice"})
    f.jupyter_log("alice-exploration", now - timedelta(minutes=20))
    f.notebook(
        "bob-gpu-experiments",
        instance_type="ml.p3.2xlarge",
        last_modified=now - timedelta(days=6, hours=3),
        tags={"owner": "bob", "team": "vision"},
    )
    f.jupyter_log("bob-gpu-experiments", now - timedelta(days=5, hours=22))
    f.notebook(
        "feature-eng-large",
        instance_type="ml.m5.4xlarge",
        last_modified=now - timedelta(days=2, hours=4),
        tags={"team": "forecasting"},
    )
    f.notebook(
        "compliance-audit-notebook",
        instance_type="ml.m5.xlarge",
        last_modified=now - timedelta(days=30),
        tags={"sm-cost-bot:protect": "true", "owner": "risk"},
    )
    f.notebook("old-stopped", instance_type="ml.m5.xlarge", stopped=True)
    f.endpoint("churn-model-v1", instance_type="ml.m5.xlarge", instance_count=2,
               created=now - timedelta(days=40), tags={"team": "growth"})
    f.endpoint("churn-model-v2", instance_type="ml.m5.xlarge", created=now - timedelta(days=10),
               tags={"team": "growth"})
    f.invocations("churn-model-v2", now - timedelta(hours=2), count=1250)
    f.endpoint("sentiment-staging", instance_type="ml.g4dn.xlarge",
               created=now - timedelta(days=9), tags={"owner": "carol"})
    f.invocations("sentiment-staging", now - timedelta(days=4), count=3)
    f.endpoint("fraud-serverless", serverless=True, created=now - timedelta(days=20))
    f.training_job("resnet-finetune-0412", instance_type="ml.p3.2xlarge", instance_count=2,
                   training_seconds=5 * 3600, ended=now - timedelta(days=3), tags={"team": "vision"})
    f.training_job("resnet-finetune-0405", instance_type="ml.p3.2xlarge", spot=True,
                   checkpoint=True, training_seconds=4 * 3600, billable_seconds=int(4 * 3600 * 0.32),
                   ended=now - timedelta(days=10))

    f = fleet(prod, "us-west-2")
    f.endpoint("recsys-ab-test", instance_type="ml.m5.2xlarge", variants=["control", "candidate"],
               created=now - timedelta(days=15), tags={"team": "recsys"})
    f.invocations("recsys-ab-test", now - timedelta(hours=1), count=900, variant="control")
    f.endpoint("legacy-xgboost", instance_type="ml.c5.xlarge", created=now - timedelta(days=200),
               tags={"team": "recsys"})
    f.endpoint("llm-eval", instance_type="ml.p3.2xlarge", created=now - timedelta(days=5),
               tags={"owner": "dave"})
    f.endpoint("payments-scoring", instance_type="ml.m5.xlarge", created=now - timedelta(days=90),
               tags={"sm-cost-bot:protect": "true", "team": "payments"})
    f.training_job("xgb-daily-retrain-1125", instance_type="ml.m5.4xlarge", training_seconds=2 * 3600,
                   ended=now - timedelta(days=1), tags={"team": "recsys"})
    f.training_job("bert-pretrain-1101", instance_type="ml.p3.8xlarge", training_seconds=20 * 3600,
                   ended=now - timedelta(days=25), checkpoint=True)
    f.training_job("warm-pool-sweep", instance_type="ml.m5.xlarge", training_seconds=1800,
                   keep_alive_seconds=1800, ended=now - timedelta(days=2))
    fleet(prod, "us-east-1").notebook(
        "prod-debug", instance_type="ml.c5.2xlarge", last_modified=now - timedelta(days=1, hours=6)
    )
    seed_demo_seoul(fleet(prod, "ap-northeast-2"), now)
    seed_demo_studio(factory, now)
    seed_demo_hosting(fleet(prod, "us-east-1"), now)


def seed_demo_seoul(f, now: datetime) -> None:
    """The Seoul team: GPU endpoints left running after a launch, a nightly retrain that recurs
    and a fine-tune that ran once (priced through the Price List stand-in)."""
    for suffix in ("a", "b", "c"):
        f.endpoint(f"kr-llm-chat-{suffix}", instance_type="ml.g4dn.12xlarge", instance_count=4,
                   created=now - timedelta(days=30), tags={"team": "kr-genai"})
    f.endpoint("kr-search-ranker", instance_type="ml.m5.xlarge", created=now - timedelta(days=60),
               tags={"team": "kr-search"})
    f.invocations("kr-search-ranker", now - timedelta(minutes=30), count=5400)
    f.notebook("kr-vision-notebook", instance_type="ml.p3.2xlarge",
               last_modified=now - timedelta(days=4), tags={"owner": "jiwoo"})
    for days_ago in (1, 8, 15):
        started = now - timedelta(days=days_ago, hours=2)
        f.training_job(f"kr-ranker-retrain-{started:%Y-%m-%d-%H-%M-%S}-000", instance_type="ml.p3.2xlarge",
                       training_seconds=2 * 3600, ended=now - timedelta(days=days_ago), tags={"team": "kr-search"})
    f.training_job("kr-llm-finetune-once", instance_type="ml.p3.16xlarge", instance_count=2,
                   training_seconds=24 * 3600, ended=now - timedelta(days=6), tags={"team": "kr-genai"})


def seed_demo_studio(factory, now: datetime) -> None:
    """moto has no Studio apps, user profiles or spaces: answer them from records shaped like the
    AWS API (bot.demo.studio_standin) on every demo account-region's sagemaker client."""
    from bot.demo import studio_standin as studio

    research = DEMO_ACCOUNTS[0]
    where = {"account_id": research.account_id, "region": "us-east-1"}
    domain = "d-research01"
    for target in DEMO_ACCOUNTS:
        for region in DEMO_REGIONS:
            client = factory.client("sagemaker", region, target)
            if (target, region) != (research, "us-east-1"):
                studio.install_studio_standin(client, domains=[])
                continue
            studio.install_studio_standin(
                client,
                apps=[
                    studio.app_record(
                        domain_id=domain, app_type="JupyterLab", space="erin-space",
                        instance_type="ml.g4dn.xlarge", created=now - timedelta(days=4),
                        last_user_activity=now - timedelta(days=2, hours=5),
                        last_health_check=now - timedelta(minutes=4), **where,
                    ),
                    studio.app_record(
                        domain_id=domain, app_type="CodeEditor", space="frank-space",
                        instance_type="ml.m5.large", created=now - timedelta(hours=30),
                        last_user_activity=now - timedelta(minutes=12),
                        last_health_check=now - timedelta(minutes=3), **where,
                    ),
                    # a Canvas tab left open since Friday: billed per hour logged in
                    studio.app_record(
                        domain_id=domain, app_type="Canvas", user_profile="grace",
                        instance_type="system", created=now - timedelta(days=3),
                        last_user_activity=now - timedelta(days=2, hours=20),
                        last_health_check=now - timedelta(minutes=2), **where,
                    ),
                ],
                user_profiles=[
                    studio.user_profile_record(domain_id=domain, name=user, created=now - timedelta(days=60), **where)
                    for user in ("erin", "frank", "grace")
                ],
                spaces=[
                    studio.space_record(domain_id=domain, name="erin-space", owner="erin",
                                        created=now - timedelta(days=60), **where),
                    studio.space_record(domain_id=domain, name="frank-space", owner="frank",
                                        space_settings=studio.space_idle_timeout(1440),
                                        created=now - timedelta(days=60), **where),
                ],
                domains=[
                    studio.domain_record(
                        domain_id=domain, name="research", created=now - timedelta(days=200),
                        default_user_settings=studio.idle_settings(None, enabled=False), **where,
                    )
                ],
            )


def _demo_report(services, now: datetime, as_json: bool = True):
    """The weekly report of the demo fleet; its charts are written to the current directory."""
    from bot.demo.report_demo import demo_report
    from reports.weekly_report import report_json

    report, pngs = demo_report(services, DEMO_ACCOUNTS[0].account_id, now, Path.cwd())
    for path in pngs:
        print(f"wrote {path}", file=sys.stderr)
    return report_json(report) if as_json else report


def run_demo(fmt: str = "text", report: bool = False) -> int:
    """Scan the simulated fleet and print the digest; exit code as `scan` (3 if errors)."""
    from moto import mock_aws

    from bot.aws.price_list import pricing_client
    from bot.aws.session import ClientFactory
    from bot.demo.price_list_standin import install_price_list_standin
    from bot.services import build_services
    from reports.report_text import print_report
    from reports.text import print_scan

    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(name, None)  # the demo must never reach a real AWS account
    with tempfile.TemporaryDirectory(prefix="sm-cost-bot-demo-") as tmp, mock_aws():
        settings = Settings(
            regions=list(DEMO_REGIONS),
            accounts=list(DEMO_ACCOUNTS),
            db_path=Path(tmp) / "demo.db",
            prices_fetch=True,
        )
        factory = ClientFactory()
        now = datetime.now(UTC)
        seed_demo_fleet(factory, now)
        services = build_services(settings, clients=factory)
        install_price_list_standin(pricing_client(factory), services.prices, PRICE_LIST_REGIONS)
        result = services.scan()
        if fmt == "json":
            document = result.to_json_dict()
            if report:
                document["report"] = _demo_report(services, now)
            json.dump(document, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            print_scan(result, owner_tag_keys=settings.owner_tag_keys, title="SageMaker waste (demo fleet)")
            print(
                "\nThis was a simulated fleet. Scan your own accounts with `sm-cost-bot scan`;"
                " post digests to Slack with `sm-cost-bot run` (see README)."
            )
            if report:
                print()
                print_report(_demo_report(services, now, as_json=False))
        services.store.close()
    return 3 if result.errors else 0
