"""Approve or reject from Slack: the buttons under a case alert, and the endpoint they call.

Slack POSTs `/slack/actions` (the app's Interactivity Request URL) with a form field `payload`
holding a `block_actions` JSON document. The request is authenticated by its signature, not by a
desk login or CSRF token: `X-Slack-Signature` must equal `v0=` + HMAC-SHA256 of
`v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with `alerts.slack.signing_secret`, compared
in constant time, and the timestamp must be within 5 minutes of now (replays are refused).

Slack wants an answer within 3 seconds, so the endpoint answers 200 at once and the work
(approval may post to a platform) runs in the background; the outcome then replaces the
original message through its `response_url`: the buttons go, a line says who did what. The
actor is recorded as `slack:<user name>`. A press on a case someone already handled changes
nothing and says who handled it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Blueprint, abort, request

from monitor.alerts.blocks import escape
from monitor.store import TransitionError
from monitor.web.context import Desk, desk
from responders.posting import deliver_approved

log = logging.getLogger("replywatch.web.slack")
bp = Blueprint("slack", __name__)
MAX_AGE_SECONDS = 5 * 60
ACTIONS = ("approve", "reject")


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, now: float) -> bool:
    """Slack's v0 request signature, and a timestamp no more than 5 minutes from `now`."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent_at) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + str(sent_at).encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), (signature or "").encode())


@bp.post("/slack/actions")
def actions():
    d = desk()
    secret = d.settings.alerts.slack.signing_secret
    if secret is None or not secret.is_set():
        abort(404, description="Slack actions are not configured (alerts.slack.signing_secret).")
    body = request.get_data(cache=True)
    if not verify_signature(secret.get(), request.headers.get("X-Slack-Request-Timestamp", ""), body,
                            request.headers.get("X-Slack-Signature", ""), d.clock.now().timestamp()):
        log.warning("slack: refused a request with a bad or stale signature from %s", request.remote_addr)
        abort(401, description="Bad or stale Slack signature.")
    try:
        payload = json.loads(request.form["payload"])
        action = payload["actions"][0]
    except (KeyError, IndexError, TypeError, ValueError):
        abort(400, description="Expected a block_actions payload.")
    if payload.get("type") != "block_actions" or action.get("action_id") not in ACTIONS:
        return "", 200  # e.g. the "Edit in the desk" link button: nothing to do
    try:
        case_id = int(action["value"])
    except (KeyError, TypeError, ValueError):
        abort(400, description="The button carries no case id.")
    user = payload.get("user") or {}
    name = str(user.get("username") or user.get("name") or user.get("id") or "unknown")
    message = payload.get("message") or {}
    job = (action["action_id"], case_id, name, payload.get("response_url"), message.get("blocks"))
    d.background(lambda: act(d, *job))
    return "", 200


def act(d: Desk, action: str, case_id: int, name: str, response_url: str | None,
        blocks: list[dict[str, Any]] | None) -> str:
    """Do what the button says, as `slack:<name>`, and replace the message with the outcome."""
    actor = f"slack:{name}"
    case = d.store.case(case_id)
    try:
        if case is None:
            outcome = f"Case {case_id} no longer exists."
        elif action == "approve":
            deliver_approved(d.store, d.settings, case, actor=actor, text=None, clock=d.clock)
            outcome = f":white_check_mark: Approved by {name}."
            done = d.store.case(case_id)
            state = done.state.value if done is not None else ""
            if state == "posted":
                outcome = f":white_check_mark: Approved by {name} and posted."
            elif state == "post_manually":
                outcome += " It waits in the desk to be posted by hand."
            elif state == "failed":
                outcome += " Posting failed; see the desk."
        else:
            d.store.reject(case_id, actor, d.clock.now(), reason=f"rejected in Slack by {name}")
            outcome = f":no_entry_sign: Rejected by {name}."
    except TransitionError as exc:
        outcome = f"Nothing changed: {_already(d, case_id) or exc}"
    except Exception:
        log.exception("slack: %s of case %s by %s failed", action, case_id, actor)
        outcome = f"{action.capitalize()} of case {case_id} failed; see the desk."
    log.info("slack: %s pressed %s on case %s: %s", actor, action, case_id, outcome)
    if response_url:
        try:
            d.slack_post(response_url, _replacement(blocks, outcome))
        except Exception as exc:
            log.warning("slack: could not update the message for case %s: %s", case_id, type(exc).__name__)
    return outcome


def post_json(url: str, body: dict[str, Any], timeout: float = 10) -> None:
    """POST to a response_url: https only (plain http to this machine, for local tests)."""
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError("response_url must be https")
    requests.post(url, json=body, timeout=timeout).raise_for_status()


def _already(d: Desk, case_id: int) -> str | None:
    case = d.store.case(case_id)
    if case is None:
        return None
    draft = case.draft
    who = f" by {draft.decided_by}" if draft and draft.decided_by else ""
    return f"case {case_id} is already {case.state.value.replace('_', ' ')}{who}."


def _replacement(blocks: list[dict[str, Any]] | None, outcome: str) -> dict[str, Any]:
    kept = [b for b in blocks or [] if isinstance(b, dict) and b.get("type") != "actions"]
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(outcome)}]})
    return {"replace_original": True, "text": escape(outcome), "blocks": kept}
