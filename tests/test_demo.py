"""`sm-cost-bot demo`: the embedded default, run as a user runs it."""

import json
import subprocess
import sys


def _demo(*args):
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", *args], capture_output=True, text=True, timeout=180
    )


def test_demo_prints_a_digest_with_every_kind_and_the_protected_resource():
    run = _demo()
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for title in ("Idle notebook instances", "Idle Studio apps", "Studio idle shutdown", "Endpoints with no invocations", "Training jobs that could use managed Spot"):
        assert title in out
    assert "compliance-audit-notebook  [protected: never acted on]" in out
    assert "churn-model-v2" not in out  # it has traffic
    assert "Traceback" not in run.stderr


def test_demo_json_has_findings_totals_and_no_errors():
    run = _demo("--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    names = {f["name"] for f in doc["findings"]}
    assert {"bob-gpu-experiments", "llm-eval", "sentiment-staging", "bert-pretrain-1101"} <= names
    assert not names & {"alice-exploration", "churn-model-v2", "fraud-serverless", "warm-pool-sweep", "resnet-finetune-0405"}
    assert doc["errors"] == []
    protected = {f["name"] for f in doc["findings"] if f["protected"]}
    assert protected == {"compliance-audit-notebook", "payments-scoring"}
    assert doc["totals"]["est_monthly_savings_usd"] > 0


def test_demo_shows_what_a_seoul_team_sees_priced_through_the_price_list_path():
    run = _demo("--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    seoul = [f for f in doc["findings"] if f["region"] == "ap-northeast-2"]
    assert {"kr-llm-chat-a", "kr-llm-chat-b", "kr-llm-chat-c", "kr-vision-notebook"} <= {f["name"] for f in seoul}
    assert all(f["evidence"]["price_source"].startswith("price-list-api") for f in seoul)
    assert doc["totals"]["by_region"]["ap-northeast-2"] > 50_000
    assert "ap-northeast-2" in doc["regions"]
    once = next(f for f in seoul if f["name"] == "kr-llm-finetune-once")
    assert once["savings_basis"] == "one-off"
    assert doc["totals"]["one_off_savings_usd"] >= once["est_monthly_savings_usd"]


def test_demo_report_prints_the_weekly_report_and_writes_its_charts(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--report"], capture_output=True, text=True,
        timeout=240, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    for heading in ("SageMaker spend", "Realised savings", "Savings Plans", "SageMaker spend by week"):
        assert heading in run.stdout
    assert "regions the bot does not scan: eu-west-1" in run.stdout
    assert (tmp_path / "sm-cost-bot-demo-spend.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "sm-cost-bot-demo-spend-savings.png").read_bytes().startswith(b"\x89PNG")


def test_demo_shows_a_canvas_session_left_open_priced_at_the_session_rate():
    run = _demo("--format", "json")
    assert run.returncode == 0, run.stderr
    [canvas] = [f for f in json.loads(run.stdout)["findings"] if f["kind"] == "idle-canvas-app"]
    assert canvas["name"] == "d-research01/grace/Canvas/default"
    assert canvas["est_monthly_savings_usd"] == round(1.9 * 730, 2)


HOSTING_KINDS = {"overprovisioned-endpoint", "endpoint-without-autoscaling", "serverless-candidate",
                 "multi-model-candidate", "inferentia-candidate"}


def test_demo_has_one_endpoint_of_each_hosting_kind_with_its_numbers():
    run = _demo("--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    hosting = {f["kind"]: f for f in doc["findings"] if f["kind"] in HOSTING_KINDS}
    assert set(hosting) == HOSTING_KINDS
    assert hosting["overprovisioned-endpoint"]["evidence"]["n_prime"] == 2
    assert hosting["serverless-candidate"]["evidence"]["serverless_estimate"]["memory_gb"] == 2
    assert hosting["inferentia-candidate"]["evidence"]["advised_type"] == "ml.inf2.xlarge"
    assert doc["totals"]["not_assessed_reasons"]["serverless variant"] == 1


def test_demo_lists_the_hosting_advice_in_one_hosting_section():
    run = _demo()
    assert run.returncode == 0, run.stderr
    assert "Hosting (5, $" in run.stdout
    assert "endpoints not assessed" in run.stdout
