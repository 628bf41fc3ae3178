"""Signed requests shaped every wrong way a client (or a Slack change) could send: the bot
answers 4xx or 200 with a message, never 5xx, and keeps serving."""

import json

import requests


def test_no_signed_request_however_malformed_gets_a_5xx(http_app, signed):
    bodies = []
    cmds = ["/sm-idle","/sm-endpoints","/sm-spot","/sm-savings","/sm-help","/sm-approvals","/sm-audit","/sm-schedule","/sm-snoozed","/sm-x"]
    for c in cmds:
        for text in ["x" * 5000, "add nb weekdays 25:00-18:00", "remove 99999", "\x00", "-1"]:
            bodies.append(("application/x-www-form-urlencoded", f"command={c}&text={requests.utils.quote(text)}&user_id=U1&channel_id=C1"))
            bodies.append(("application/x-www-form-urlencoded", f"command={c}&text={requests.utils.quote(text)}"))
    payloads = [
        {"type": "block_actions"},
        {"type": "block_actions", "actions": []},
        {"type": "block_actions", "actions": [{}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_approve", "value": "abc"}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_approve", "value": "999"}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_stop", "value": "garbage"}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_stop", "value": "1:2:3:4"}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_delete", "value": "123456789012:us-east-1:endpoint:x"}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_schedule", "value": None}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_snooze", "value": 5}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_unsnooze", "value": "x"}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_restore", "value": "-1"}]},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "sm_reject", "value": "1"}], "channel": {"id": "C1"}, "message": {"ts": "1"}},
        {"type": "view_submission"},
        {"type": "view_submission", "view": {}},
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "sm_schedule_modal", "state": {"values": {}}, "private_metadata": "zz"}},
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "sm_snooze_modal", "state": {"values": {}}, "private_metadata": ""}},
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "sm_delete_at_modal", "state": {"values": {"a": {"b": {}}}}, "private_metadata": "{}"}},
        {"type": "view_closed"},
        {"type": "shortcut"},
        {"type": "weird"},
        {},
    ]
    for p in payloads:
        bodies.append(("application/x-www-form-urlencoded", "payload=" + requests.utils.quote(json.dumps(p))))
    bodies += [("application/json", "{}"), ("application/json", "[]"), ("application/json", '{"type":"url_verification","challenge":"x"}'), ("application/json", '{"type":"event_callback","event":{}}'),
               ("application/x-www-form-urlencoded", "payload=%7B"), ("application/x-www-form-urlencoded", "payload=null"), ("application/x-www-form-urlencoded", "a=b"), ("text/plain", "hello")]
    bad = []
    for ct, body in bodies:
        headers = signed.sign(body, ct).headers
        r = requests.post(f"{http_app}/slack/events", data=body.encode(), headers=headers, timeout=10)
        # 404 is Bolt's "no listener acknowledged": for our own commands and buttons it means a
        # listener failed without answering, and Slack would show the user an error.
        ours = "/sm-x" not in body and ("command=" in body or "action_id" in requests.utils.unquote(body))
        if r.status_code >= 500 or (ours and r.status_code == 404):
            bad.append((r.status_code, ct, requests.utils.unquote(body)[:150], r.text[:100]))
    r = requests.get(f"{http_app}/healthz", timeout=5)
    assert r.status_code == 200
    assert not bad, bad
