"""Request messages, item marks, /sm-approvals and /sm-audit renderings: Slack's limits and
text fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.actions.models import (
    ActionKind,
    ActionRequest,
    Approval,
    AuditEntry,
    RequestState,
    Vote,
)
from reports.findings import item_blocks
from reports.ids import ActionId
from reports.requests import (
    audit_blocks,
    item_mark,
    mark_item,
    pending_blocks,
    request_blocks,
    request_text,
)

S = RequestState
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NB = "123456789012:us-east-1:notebook-instance:nb-1"
EP = "123456789012:us-east-1:endpoint:ep-1"


def request(state=S.REQUESTED, action=ActionKind.STOP_NOTEBOOK, key=NB, **fields) -> ActionRequest:
    return ActionRequest(
        id=4, action=action, resource_key=key, requester="UREQ", state=state, created_at=NOW,
        expires_at=NOW + timedelta(hours=24), updated_at=NOW, est_monthly_cost_usd=36.5, **fields,
    )


def action_ids(blocks) -> list[str]:
    return [e.action_id for b in blocks if b.type == "actions" for e in b.elements]


def test_a_pending_request_offers_approve_and_reject_carrying_its_id() -> None:
    blocks = request_blocks(request(), [], 1)
    assert action_ids(blocks) == [ActionId.APPROVE, ActionId.REJECT]
    assert {e.value for b in blocks if b.type == "actions" for e in b.elements} == {"4"}
    assert "$36.50/month" in blocks[0].text.text


def test_only_destructive_approvals_ask_for_confirmation() -> None:
    stop = request_blocks(request(), [], 1)
    delete = request_blocks(request(action=ActionKind.DELETE_ENDPOINT, key=EP), [], 1)
    assert [e.confirm for b in stop if b.type == "actions" for e in b.elements][0] is None
    assert [e.confirm for b in delete if b.type == "actions" for e in b.elements][0] is not None


def test_a_decided_request_has_no_buttons_and_names_its_approver() -> None:
    votes = [Approval(request_id=4, user="UAPP", vote=Vote.APPROVE, at=NOW)]
    done = request(S.SUCCEEDED, reason="stopped notebook nb-1", aws_request_id="req-9")
    blocks = request_blocks(done, votes, 1)
    assert action_ids(blocks) == []
    assert "approved by <@UAPP>" in blocks[0].text.text and "req-9" in blocks[0].text.text
    assert "done: stopped notebook nb-1" in request_text(done, votes, 1)


def test_a_deleted_endpoint_offers_restore_unless_it_was_a_dry_run() -> None:
    deleted = request(S.SUCCEEDED, action=ActionKind.DELETE_ENDPOINT, key=EP)
    assert action_ids(request_blocks(deleted, [], 1)) == [ActionId.RESTORE]
    dry = deleted.model_copy(update={"dry_run": True})
    assert action_ids(request_blocks(dry, [], 1)) == []


def test_dry_run_says_so_in_blocks_and_text() -> None:
    dry = request(dry_run=True)
    assert request_text(dry, [], 1).startswith("DRY RUN")
    assert "DRY RUN" in request_blocks(dry, [], 1)[0].elements[0].text
    assert "DRY RUN" in item_mark(dry, [], 1)


def test_mark_item_replaces_only_the_clicked_items_buttons() -> None:
    from bot.models import Finding, FindingKind, ResourceType

    def finding(name):
        return Finding(
            kind=FindingKind.IDLE_NOTEBOOK, resource_type=ResourceType.NOTEBOOK_INSTANCE, name=name,
            arn="arn", account_id="123456789012", region="us-east-1", reason="idle",
            detected_at=NOW, est_monthly_savings_usd=1.0,
        )

    blocks = [b.to_dict() for f in (finding("nb-1"), finding("nb-2")) for b in item_blocks(f)]
    marked, block_id = mark_item(blocks, NB, None, "requested by <@UREQ>")
    assert [b["type"] for b in marked] == ["section", "context", "section", "actions"]
    assert marked[1]["block_id"] == block_id == blocks[1]["block_id"]
    again, same = mark_item(marked, NB, block_id, "approved")
    assert same == block_id and again[1]["elements"][0]["text"] == "approved"
    assert mark_item(blocks, "123456789012:us-east-1:endpoint:nope", None, "x")[1] is None


def test_the_pending_list_stays_within_fifty_blocks() -> None:
    many = [request().model_copy(update={"id": i}) for i in range(40)]
    text, blocks = pending_blocks(many, 1)
    assert len(blocks) <= 50
    assert "40 requests waiting" in text and "more" in blocks[-1].elements[0].text


def test_the_audit_answer_keeps_sections_under_slacks_limit() -> None:
    entries = [
        AuditEntry(id=i, at=NOW, actor="UAPP", event="aws-call", request_id=i,
                   resource_key=NB, outcome="StopNotebookInstance" + "x" * 80, aws_request_id="r")
        for i in range(200)
    ]
    text, blocks = audit_blocks(entries, 7)
    assert len(blocks) <= 50
    assert all(len(b.text.text) <= 3000 for b in blocks if b.type == "section")
    assert "200 entries" in text
    assert "sm-cost-bot audit --days 7" in blocks[-1].elements[0].text


def test_names_in_the_audit_answer_cannot_inject_markup() -> None:
    entry = AuditEntry(id=1, at=NOW, actor="UAPP", event="requested",
                       resource_key="1:r:notebook-instance:<!channel>")
    _, blocks = audit_blocks([entry], 1)
    assert "<!channel>" not in blocks[1].text.text and "<@UAPP>" in blocks[1].text.text
