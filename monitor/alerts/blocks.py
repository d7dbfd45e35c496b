"""An alert as a Slack Block Kit message: header, quoted customer text, context, links.

The customer's words, author and title are hostile input. Every piece of it goes through
`escape` (Slack's three control characters `&`, `<`, `>` become entities, so `<!channel>` or
`<https://evil|click>` shows as text and neither pings nor links) and is clipped before it is
escaped, so an entity is never cut in half. Links come only from http(s) URLs, with the
characters that would end or relabel a Slack link percent-encoded. Sizes stay within Slack's
limits: header 150 characters, section text 3000.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any

from monitor.clock import utc
from monitor.links import http_link
from monitor.models import Alert, AlertKind

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
QUOTE_CHARS = 500  # of the customer's text, before escaping (5x at worst after it)
TITLE_CHARS = 200
FIELD_CHARS = 80  # source, author, language
URL_CHARS = 1400  # after escaping; two links still fit one section

_HEADINGS = {
    AlertKind.URGENT: "🚨 Urgent complaint",
    AlertKind.BREACH: "❌ Deadline breached",
    AlertKind.SPIKE: "📈 Negative spike",
    AlertKind.HEALTH: "🩺 Source health",
}
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_URL_UNSAFE = re.compile(r'[\x00-\x20\x7f<>|"\\^`{}]|\s')


def render_blocks(alert: Alert, *, now: datetime | None = None, actions: bool = False) -> dict[str, Any]:
    """`{"text": fallback, "blocks": [...]}` for chat.postMessage or an incoming webhook.

    `now` (aware UTC, default the system time) turns a warning's deadline into "in N min";
    `actions` adds Approve / Edit / Reject buttons under a case alert.
    """
    heading = _heading(alert, now)
    header = f"{heading} · {alert.source}" if alert.source else heading
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _plain(header, HEADER_LIMIT), "emoji": True}}
    ]
    if alert.title.strip():
        blocks.append(_section(f"*{escape(_clip(_one_line(alert.title), TITLE_CHARS))}*"))
    if alert.text.strip():
        body = escape(_clip(_tidy(alert.text), QUOTE_CHARS))
        blocks.append(_section(body if alert.kind is AlertKind.HEALTH else _quote(body)))
    context = _context(alert)
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    links = [
        link
        for link in (_link(alert.url, "View post"), _link(alert.case_url, "Open in desk"))
        if link
    ]
    if links:
        blocks.append(_section("  ·  ".join(links)))
    if actions:
        from monitor.alerts.buttons import action_blocks

        blocks += action_blocks(alert)
    summary = alert.title.strip() or alert.text.strip()
    fallback = heading if not summary else f"{heading}: {escape(_clip(_one_line(summary), TITLE_CHARS))}"
    return {"text": fallback, "blocks": blocks}


def escape(text: str) -> str:
    """Slack mrkdwn escaping of untrusted text, and no bare @channel/@here/@everyone."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u2060\\1", text)  # a word joiner: shown the same, never a mention


def safe_url(url: str | None) -> str | None:
    """The URL ready to sit inside `<...|label>`, or None when it is not a plain http(s) link."""
    url = http_link(url)
    if url is None:
        return None
    encoded = _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url)
    encoded = encoded.replace("&", "&amp;")
    return encoded if len(encoded) <= URL_CHARS else None


def slack_date(when: datetime) -> str:
    """A time every reader sees in their own time zone; the fallback is UTC."""
    when = utc(when)
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _heading(alert: Alert, now: datetime | None) -> str:
    if alert.kind is not AlertKind.WARNING:
        return _HEADINGS[alert.kind]
    if alert.deadline_at is None:
        return "⏳ Deadline soon"
    now = utc(now) if now is not None else datetime.now(timezone.utc)
    minutes = math.ceil((utc(alert.deadline_at) - now).total_seconds() / 60)
    return f"⏳ Deadline in {minutes} min" if minutes > 0 else "⏳ Deadline reached"


def _context(alert: Alert) -> str:
    parts = []
    if alert.source:
        parts.append(f"*Source:* {escape(_clip(_one_line(alert.source), FIELD_CHARS))}")
    if alert.author:
        parts.append(f"*Author:* {escape(_clip(_one_line(alert.author), FIELD_CHARS))}")
    if alert.language:
        parts.append(f"*Language:* {escape(_clip(_one_line(alert.language), FIELD_CHARS))}")
    if alert.urgency is not None:
        parts.append(f"*Urgency:* {int(alert.urgency)}/100")
    if alert.deadline_at is not None:
        parts.append(f"*Deadline:* {slack_date(alert.deadline_at)}")
    return "  ·  ".join(parts)


def _link(url: str | None, label: str) -> str | None:
    safe = safe_url(url)
    return f"<{safe}|{label}>" if safe else None


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SECTION_LIMIT)}}


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.split("\n"))


def _tidy(text: str) -> str:
    """Keep paragraphs, drop runs of blank lines and trailing spaces."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _plain(text: str, limit: int) -> str:
    """Header text is plain_text: no markup to escape, but no angle brackets either."""
    return _clip(_one_line(text.replace("<", "").replace(">", "")), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
