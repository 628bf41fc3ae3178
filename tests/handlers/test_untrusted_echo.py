"""What a user typed, or a forged request claimed, comes back escaped: slash-command text echoed in
ephemeral replies, and user ids from unverified requests in /sm-audit, never become live mentions."""

from __future__ import annotations

import json

import requests

from bot.actions.audit import record_rejected_request

HOSTILE = "<!channel>"


def ack_text(bolt_app, request) -> str:
    response = bolt_app.dispatch(request.bolt_request())
    assert response.status == 200
    return json.loads(response.body)["text"]


def test_a_bad_filter_is_echoed_escaped(bolt_app, signed):
    text = ack_text(bolt_app, signed.command("/sm-idle", "<!channel> <@U0EVIL>"))

    assert "&lt;!channel&gt; &lt;@U0EVIL&gt;" in text
    assert "<!channel>" not in text and "<@U0EVIL>" not in text


def test_a_schedule_name_is_echoed_escaped(bolt_app, signed):
    text = ack_text(bolt_app, signed.command("/sm-schedule", "add <https://x|y> weekdays 09:00-18:00"))

    assert "<https://x|y>" not in text
    assert "&lt;https://x|y&gt;" in text


def test_an_unverified_user_id_shows_in_sm_audit_as_text(bolt_app, signed, services, slack_api):
    forged = "payload=" + requests.utils.quote(json.dumps(
        {"type": "block_actions", "user": {"id": "<@U0EVIL> <!channel>"}, "actions": [{"action_id": "sm_approve"}]}
    ))
    record_rejected_request(services, forged, {"x-slack-request-timestamp": "0"})

    bolt_app.dispatch(signed.command("/sm-audit", "").bolt_request())

    answer = slack_api.wait_for("response_url")[0].params
    shown = json.dumps(answer)
    assert "unverified:&lt;@U0EVIL&gt; &lt;!channel&gt;" in shown
    assert "<!channel>" not in shown and "<@U0EVIL>" not in shown
