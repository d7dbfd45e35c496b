"""Template helpers: countdowns, durations, scores, and a word diff rendered by the template.

Nothing here returns markup: values go to templates, which escape them.
"""
from __future__ import annotations

import difflib
import re
from datetime import datetime
from typing import Any

from flask import Flask

from monitor.store import CaseView
from monitor.web.context import http_url

_TOKENS = re.compile(r"\s+|[^\s]+")
EVENT_WORDS = {
    "case_opened": "opened the case",
    "draft_created": "drafted a reply",
    "draft_regenerated": "drafted the reply again",
    "approved": "approved the reply",
    "rejected": "rejected the case",
    "posting": "started posting the reply",
    "posted": "posted the reply",
    "post_failed": "failed to post the reply",
    "post_manually": "handed the reply over to post by hand",
    "deadline_warning": "warned that the deadline is near",
    "deadline_breach": "recorded a missed deadline",
}


def countdown(case: CaseView, now: datetime, warning_seconds: float) -> dict[str, Any]:
    """State (ok | soon | breached | none), the text shown, and the ISO deadline for the script."""
    seconds = case.seconds_left(now)
    if seconds is None:
        return {"state": "none", "text": "no deadline", "deadline": ""}
    state = "breached" if seconds < 0 else "soon" if seconds <= warning_seconds else "ok"
    return {"state": state, "text": time_left(seconds), "deadline": case.deadline_at.isoformat()}


def time_left(seconds: float) -> str:
    """Mirrors desk.js: "42m 10s left", "1h 05m left", "3m 20s overdue"."""
    s = int(abs(seconds))
    hours, minutes, secs = s // 3600, s % 3600 // 60, s % 60
    text = f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"
    return f"{text} left" if seconds >= 0 else f"{text} overdue"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def when(dt: datetime | None) -> str:
    return "" if dt is None else dt.strftime("%Y-%m-%d %H:%M UTC")


def top_score(scores: dict[str, float] | None) -> float | None:
    return max(scores.values()) if scores else None


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(op, text) runs: op is "same", "del" or "ins"; words and white space are kept as typed."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("ins", "".join(b[j1:j2])))
    return runs


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        duration=duration, percent=percent, when=when, http_url=http_url, top_score=top_score,
    )
    app.jinja_env.globals.update(word_diff=word_diff, event_words=EVENT_WORDS)
