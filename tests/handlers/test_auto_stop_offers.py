"""/sm-idle offers auto-stop on every InService notebook that runs none, not only idle ones:
signed commands into the running app, notebooks in moto."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.models import ScanResult
from reports.ids import ActionId
from tests.fakes.findings import finding


def offered(answer: dict) -> dict[str, set[str]]:
    """Notebook key → the auto-stop buttons offered for it."""
    out: dict[str, set[str]] = {}
    for block in answer["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["action_id"] in (ActionId.AUTO_STOP, ActionId.AUTO_STOP_RESTART):
                out.setdefault(element["value"], set()).add(element["action_id"])
    return out


def test_sm_idle_offers_auto_stop_on_running_notebooks_without_it(
    http_app, signed, slack_api, services, fleet
) -> None:
    fleet.notebook("busy")
    fleet.notebook("guarded", lifecycle_config="sm-cost-bot-auto-stop")
    fleet.notebook("off", stopped=True)
    services.store.save_scan(ScanResult(generated_at=datetime.now(UTC), findings=[]))

    signed.command("/sm-idle").post(http_app)

    answer = slack_api.wait_for("response_url")[0].params
    account = services.clients.account_id(None, "us-east-1")
    assert offered(answer) == {
        f"{account}:us-east-1:notebook-instance:busy": {ActionId.AUTO_STOP, ActionId.AUTO_STOP_RESTART}
    }
    assert "InService notebooks without auto-stop" in str(answer["blocks"])


def test_an_idle_notebook_finding_is_not_offered_twice_and_the_filter_applies(
    http_app, signed, slack_api, services, fleet
) -> None:
    fleet.notebook("nb-alice")
    fleet.notebook("nb-bob")
    fleet.notebook("other")
    account = services.clients.account_id(None, "us-east-1")
    services.store.save_scan(ScanResult(
        generated_at=datetime.now(UTC), findings=[finding("nb-alice", account_id=account)]
    ))

    signed.command("/sm-idle", "nb-").post(http_app)

    answer = slack_api.wait_for("response_url")[0].params
    keys = {k.rsplit(":", 1)[1] for k in offered(answer)}
    assert keys == {"nb-alice", "nb-bob"}  # nb-alice once: its finding item carries the buttons
    item_buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert sum(e["value"].endswith(":nb-alice") and e["action_id"] == ActionId.AUTO_STOP
               for e in item_buttons) == 1
