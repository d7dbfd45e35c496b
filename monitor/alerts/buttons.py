"""Approve / Edit in the desk / Reject buttons under a case alert.

They are sent only when Slack can deliver the presses back (a signing secret for the desk's
`/slack/actions` endpoint, or Socket Mode); otherwise Slack would show an error on every press.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from monitor.models import Alert, AlertKind

CASE_KINDS = (AlertKind.URGENT, AlertKind.WARNING, AlertKind.BREACH)


def action_blocks(alert: Alert) -> list[dict[str, Any]]:
    """Approve / Edit in the desk / Reject buttons for an alert about one case (else [])."""
    if alert.case_id is None or alert.kind not in CASE_KINDS:
        return []
    value = str(alert.case_id)
    buttons: list[dict[str, Any]] = [
        _button("approve", "Approve", value, style="primary",
                confirm=("Approve this reply?",
                         "The drafted reply is approved as it is and posted (or handed over to post by hand).")),
    ]
    if alert.case_url and urlsplit(alert.case_url).scheme in ("http", "https") and len(alert.case_url) <= 3000:
        buttons.append({"type": "button", "action_id": "edit", "text": _plain("Edit in the desk"),
                        "url": alert.case_url})
    buttons.append(_button("reject", "Reject", value, style="danger",
                           confirm=("Reject without replying?", "The case is closed and no reply is sent.")))
    return [{"type": "actions", "block_id": f"replywatch_case_{alert.case_id}", "elements": buttons}]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _button(action_id: str, label: str, value: str, *, style: str, confirm: tuple[str, str]) -> dict[str, Any]:
    title, text = confirm
    return {
        "type": "button", "action_id": action_id, "text": _plain(label), "value": value, "style": style,
        "confirm": {"title": _plain(title), "text": _plain(text), "confirm": _plain(label), "deny": _plain("Cancel")},
    }
