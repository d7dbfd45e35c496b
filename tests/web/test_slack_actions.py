"""Slack's Approve / Reject buttons: signed requests, acting as the Slack user, updating the message."""
from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest

from monitor.models import Alert, AlertKind, CaseState
from tests.fakes.slack_server import FakeSlack
from tests.web.conftest import SIGNING_ENV, SIGNING_SECRET

RESPONSE_URL = "https://hooks.slack.com/actions/T000/123/abc"
ORIGINAL_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Urgent complaint"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "> Where is my parcel?"}},
    {"type": "actions", "block_id": "replywatch_case_1", "elements": []},
]


def payload(case_id: int, action: str = "approve", user: str = "maria") -> dict:
    return {
        "type": "block_actions",
        "user": {"id": "U123", "username": user, "name": user},
        "response_url": RESPONSE_URL,
        "message": {"blocks": ORIGINAL_BLOCKS},
        "actions": [{"action_id": action, "block_id": f"replywatch_case_{case_id}", "value": str(case_id),
                     "type": "button"}],
    }


def signed(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), b"v0:%d:" % timestamp + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/x-www-form-urlencoded"}


def press(client, clock, data: dict, *, headers: dict | None = None, age: int = 0):
    body = urlencode({"payload": json.dumps(data)}).encode()
    now = int(clock.now().timestamp())
    return client.post("/slack/actions", data=body, headers=headers or signed(body, now - age))


@pytest.fixture
def client(flask_app):
    return flask_app.test_client()  # no desk login, no CSRF token: the signature is the credential


def test_signed_approve_acts_as_the_slack_user_and_updates_the_message(client, clock, app, cases, slack_spy):
    case = cases.add()
    response = press(client, clock, payload(case))
    assert response.status_code == 200 and response.data == b""
    done = app.store.case(case)
    assert done.state is CaseState.POST_MANUALLY and done.draft.decided_by == "slack:maria"
    assert ("approved", "slack:maria") in [(e["kind"], e["actor"]) for e in app.store.events(case)]
    [(url, body)] = slack_spy.posts
    assert url == RESPONSE_URL and body["replace_original"] is True
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "context"]  # buttons gone
    assert "Approved by maria" in body["blocks"][-1]["elements"][0]["text"]


def test_reject_from_slack_records_who_rejected(client, clock, app, cases, slack_spy):
    case = cases.add()
    assert press(client, clock, payload(case, "reject", user="li")).status_code == 200
    done = app.store.case(case)
    assert done.state is CaseState.REJECTED and done.draft.reason == "rejected in Slack by li"
    assert "Rejected by li" in slack_spy.posts[0][1]["text"]


def test_a_second_press_changes_nothing_and_says_who_acted(client, clock, app, cases, slack_spy, anna):
    case = cases.add()
    anna.post(f"/items/{case}/reject", {"reason": "spam"})
    press(client, clock, payload(case, "approve"))
    assert app.store.case(case).state is CaseState.REJECTED
    assert "already rejected by anna" in slack_spy.posts[0][1]["text"]


@pytest.mark.parametrize("tamper", ["forged", "other_secret", "no_headers", "body_changed"])
def test_forged_requests_are_refused(client, clock, app, cases, slack_spy, tamper):
    case = cases.add()
    body = urlencode({"payload": json.dumps(payload(case))}).encode()
    now = int(clock.now().timestamp())
    headers = {
        "forged": {**signed(body, now), "X-Slack-Signature": "v0=" + "0" * 64},
        "other_secret": signed(body, now, secret="not-the-secret"),
        "no_headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "body_changed": signed(body.replace(b"approve", b"reject"), now),
    }[tamper]
    assert client.post("/slack/actions", data=body, headers=headers).status_code == 401
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL and not slack_spy.posts


@pytest.mark.parametrize("age, status", [(299, 200), (301, 401), (-301, 401)])
def test_stale_or_future_timestamps_are_refused(client, clock, app, cases, age, status):
    case = cases.add()
    assert press(client, clock, payload(case), age=age).status_code == status


def test_the_link_button_is_acknowledged_and_ignored(client, clock, app, cases, slack_spy):
    case = cases.add()
    data = payload(case)
    data["actions"][0] = {"action_id": "edit", "type": "button", "url": "http://desk.test/items/1"}
    assert press(client, clock, data).status_code == 200
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL and not slack_spy.posts


def test_the_answer_comes_before_the_work(flask_app, clock, app, cases):
    queued = []
    flask_app.extensions["replywatch"].background = queued.append
    case = cases.add()
    assert press(flask_app.test_client(), clock, payload(case)).status_code == 200
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL  # not done yet
    queued[0]()
    assert app.store.case(case).state is CaseState.POST_MANUALLY


def test_without_a_signing_secret_the_endpoint_is_off(client, clock, cases, monkeypatch):
    monkeypatch.delenv(SIGNING_ENV)
    assert press(client, clock, payload(cases.add())).status_code == 404


def test_malformed_payload_is_a_bad_request(client, clock):
    body = b"payload=not-json"
    headers = signed(body, int(clock.now().timestamp()))
    assert client.post("/slack/actions", data=body, headers=headers).status_code == 400


def test_action_blocks_offer_approve_edit_and_reject_for_case_alerts():
    from monitor.alerts.buttons import action_blocks

    alert = Alert(kind=AlertKind.URGENT, title="Urgent", dedupe_key="urgent:x", case_id=7,
                  case_url="http://desk.test/items/7")
    [block] = action_blocks(alert)
    assert block["type"] == "actions"
    approve, edit, reject = block["elements"]
    assert (approve["action_id"], approve["value"], approve["style"]) == ("approve", "7", "primary")
    assert edit["url"] == "http://desk.test/items/7" and "value" not in edit
    assert (reject["action_id"], reject["value"], reject["style"]) == ("reject", "7", "danger")
    assert action_blocks(Alert(kind=AlertKind.HEALTH, title="reddit failing", dedupe_key="h")) == []
    assert action_blocks(Alert(kind=AlertKind.SPIKE, title="spike", dedupe_key="s")) == []


def test_response_url_updates_go_out_over_real_http():
    from monitor.web.slack_actions import post_json

    with FakeSlack() as slack:
        post_json(slack.webhook_url, {"replace_original": True, "text": "Approved by maria."})
        assert slack.requests[0].json == {"replace_original": True, "text": "Approved by maria."}
    with pytest.raises(ValueError):
        post_json("http://hooks.example/actions", {})  # plain http off this machine
