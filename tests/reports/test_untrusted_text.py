"""One escaping rule: text the bot did not write (tags, names from button values, slash text,
user ids from unverified requests, AWS error messages) reaches mrkdwn with `&`, `<`, `>` escaped,
in every renderer. A mention, a broadcast or a disguised link written by someone else never
becomes live markup; only the bot's own mentions of verified user ids do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.actions.models import ActionKind, ActionRequest, Approval, AuditEntry, RequestState, Vote
from bot.models import ScanError, ScanResult
from bot.schedules.rules import weekdays_preset
from bot.schedules.snoozes import Snooze
from bot.schedules.store import ScheduleRecord, ScheduleStatus
from reports import answers, digest, requests, schedules
from reports.modals import delete_at_modal, schedule_modal, snooze_modal
from reports.mrkdwn import escape, mention
from tests.fakes.findings import finding

HOSTILE = "<!channel> <@U0EVIL> <https://x|y> &amp;"
ESCAPED = "&lt;!channel&gt; &lt;@U0EVIL&gt; &lt;https://x|y&gt; &amp;amp;"
LIVE = ("<!channel>", "<@U0EVIL>", "<https://x|y>")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
KEY = f"123456789012:us-east-1:notebook-instance:{HOSTILE}"
FORGED_USER = "U1> <!channel"  # an id claimed by an unverified request


def mrkdwn_texts(rendered: Any) -> list[str]:
    """Every string Slack parses as mrkdwn: message text fallbacks and mrkdwn text objects."""
    if isinstance(rendered, str):
        return [rendered]
    if hasattr(rendered, "to_dict"):
        rendered = rendered.to_dict()
    if isinstance(rendered, (list, tuple)):
        return [t for item in rendered for t in mrkdwn_texts(item)]
    if isinstance(rendered, dict):
        if rendered.get("type") == "mrkdwn":
            return [rendered["text"]]
        return [t for value in rendered.values() for t in mrkdwn_texts(value)]
    return []


def assert_inert(rendered: Any) -> None:
    texts = mrkdwn_texts(rendered)
    joined = "\n".join(texts)
    assert ESCAPED in joined or escape(FORGED_USER) in joined, joined[:500]
    for live in LIVE:
        assert live not in joined, (live, joined[:500])
    assert "<@U1>" not in joined


def _request(**fields: Any) -> ActionRequest:
    base = dict(
        id=7, action=ActionKind.STOP_NOTEBOOK, resource_key=KEY, requester=FORGED_USER,
        state=RequestState.SUCCEEDED, created_at=NOW, expires_at=NOW + timedelta(days=1), updated_at=NOW,
        reason=HOSTILE,
    )
    return ActionRequest(**(base | fields))


def _scan(**fields: Any) -> ScanResult:
    hostile = finding("nb-1", tags={"owner": HOSTILE})
    errors = [ScanError(account_id="123456789012", region="us-east-1", operation="ListEndpoints", code=HOSTILE, message=HOSTILE)]
    return ScanResult(generated_at=NOW, regions=["us-east-1"], accounts=["123456789012"], findings=[hostile], errors=errors, **fields)


def _schedule(status: ScheduleStatus) -> ScheduleRecord:
    return ScheduleRecord(
        id=3, resource_key=KEY, rule=weekdays_preset("UTC"), description=HOSTILE, status=status,
        created_by=FORGED_USER, created_at=NOW, updated_at=NOW,
    )


def test_escape_turns_every_control_character_into_an_entity():
    assert escape(HOSTILE) == ESCAPED


def test_a_mention_is_live_only_for_a_well_formed_user_id():
    assert mention("U012AB3CD") == "<@U012AB3CD>"
    assert mention(FORGED_USER) == "U1&gt; &lt;!channel"
    assert mention("U012AB3CD\n") == "U012AB3CD\n"


RENDERINGS = {
    "digest": lambda: digest.build_digest(_scan(), previous_savings_usd=None).main.blocks,
    "answers listing": lambda: answers.listing("Idle", _scan().findings, _scan(), owner_tag_keys=["owner"], max_items=5),
    "answers savings scope": lambda: answers.savings(_scan().findings, _scan(), scope=HOSTILE),
    "answers usage problem": lambda: answers.usage_text(HOSTILE),
    "request message": lambda: requests.request_blocks(_request(), [], 1),
    "request text": lambda: requests.request_text(_request(), [], 1),
    "request votes": lambda: requests.request_blocks(
        _request(state=RequestState.REQUESTED), [Approval(request_id=7, user=FORGED_USER, vote=Vote.APPROVE, at=NOW)], 2
    ),
    "request restore": lambda: requests.request_blocks(_request(action=ActionKind.DELETE_ENDPOINT), [], 1),
    "digest item mark": lambda: requests.item_mark(_request(), [], 1),
    "pending approvals": lambda: requests.pending_blocks([_request(state=RequestState.REQUESTED)], 1),
    "audit": lambda: requests.audit_blocks(
        [AuditEntry(id=1, at=NOW, actor=FORGED_USER, event="request-rejected", resource_key=KEY, outcome=HOSTILE, detail=HOSTILE)], 7
    ),
    "schedule list": lambda: schedules.schedule_list([_schedule(ScheduleStatus.PENDING_APPROVAL)], NOW),
    "schedule request": lambda: schedules.schedule_request(_schedule(ScheduleStatus.PENDING_APPROVAL), [], 1),
    "schedule approved": lambda: schedules.schedule_request(_schedule(ScheduleStatus.ACTIVE), [(FORGED_USER, "approve")], 1),
    "snoozed list": lambda: schedules.snoozed_list([Snooze(id=1, resource_key=KEY, snoozed_by=FORGED_USER, until=NOW, created_at=NOW)]),
    "schedule modal": lambda: schedule_modal(KEY, "UTC", None, "{}"),
    "delete-at modal": lambda: delete_at_modal(KEY.replace("notebook-instance", "endpoint"), "UTC", None, "{}", date(2026, 11, 27)),
    "snooze modal": lambda: snooze_modal(KEY, "{}", date(2026, 12, 3)),
}


@pytest.mark.parametrize("name", RENDERINGS)
def test_untrusted_text_is_inert_in(name):
    assert_inert(RENDERINGS[name]())
