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


def test_every_button_answers_malformed_values_without_a_5xx(http_app, signed, slack_api):
    """Each button the bot renders (new ones included, from `ActionId`), clicked with values no
    rendered button carries: wrong types, wrong shapes, a key outside the fleet, huge strings."""
    from reports.ids import ActionId

    values = [None, 5, "", "garbage", "1:2:3:4", "-1", "99999999999999999999999", "x" * 3000,
              "123456789012:us-east-1:endpoint:never-reported", {"a": 1}]
    bad = []
    for action in ActionId:
        for value in values:
            payload = {"type": "block_actions", "user": {"id": "U1"}, "channel": {"id": "C1"},
                       "container": {"type": "message", "message_ts": "1", "is_ephemeral": False},
                       "response_url": slack_api.new_response_url(),
                       "actions": [{"action_id": action.value, "value": value}]}
            body = "payload=" + requests.utils.quote(json.dumps(payload))
            r = requests.post(f"{http_app}/slack/events", data=body.encode(),
                              headers=signed.sign(body, "application/x-www-form-urlencoded").headers, timeout=10)
            # A string value (what Slack sends) is acked, 200, whatever the listener then says;
            # another type is no Slack payload: a 400, or an ack and an apology. Never a 5xx.
            if r.status_code >= 500 or (isinstance(value, str) and r.status_code != 200):
                bad.append((action.value, str(value)[:40], r.status_code, r.text[:80]))
    assert requests.get(f"{http_app}/healthz", timeout=5).status_code == 200
    assert not bad, bad
