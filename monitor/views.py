"""Plain-text and JSON renderings of cases for the command line."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from monitor.store import CaseView


def time_left(case: CaseView, now: datetime) -> str:
    seconds = case.seconds_left(now)
    if seconds is None:
        return "no deadline"
    minutes = int(abs(seconds) // 60)
    text = f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
    return f"{text} left" if seconds >= 0 else f"{text} OVERDUE"


def one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def case_dict(case: CaseView, now: datetime) -> dict[str, Any]:
    m, j, d = case.mention, case.judgement, case.draft
    return {
        "id": case.id,
        "state": case.state.value,
        "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
        "seconds_left": case.seconds_left(now),
        "source": m.source,
        "url": m.url,
        "author": m.author,
        "created_at": m.created_at.isoformat(),
        "rating": m.rating,
        "title": m.title,
        "text": m.text,
        "language": j.language if j else None,
        "label": j.label.value if j and j.label else None,
        "scores": dict(j.scores) if j else {},
        "category": j.category.value if j else None,
        "urgency": j.urgency if j else None,
        "reasons": list(j.reasons) if j else [],
        "draft": d.final_text if d else None,
        "template": d.template if d else None,
        "posted_ref": case.posted_ref,
    }


def queue_table(cases: list[CaseView], now: datetime) -> str:
    if not cases:
        return "No open cases."
    header = f"{'ID':>5}  {'TIME LEFT':<14} {'SOURCE':<12} {'LANG':<4} {'SENTIMENT':<14} {'CATEGORY':<9} {'URG':>3}  TEXT"
    lines = [header]
    for c in cases:
        j = c.judgement
        sentiment = "-"
        if j and j.label:
            sentiment = f"{j.label.value} {max(j.scores.values()):.2f}" if j.scores else j.label.value
        elif j and not j.covered:
            sentiment = "not covered"
        lines.append(
            f"{c.id:>5}  {time_left(c, now):<14} {c.mention.source[:12]:<12} {(j.language if j else None) or '?':<4} "
            f"{sentiment[:14]:<14} {(j.category.value if j else '-'):<9} {(j.urgency if j else 0):>3}  "
            f"{one_line(c.mention.full_text, 60)}"
        )
    return "\n".join(lines)


def case_detail(case: CaseView, now: datetime) -> str:
    d = case_dict(case, now)
    lines = [
        f"Case {case.id} [{case.state.value}]  {time_left(case, now)}",
        f"  {d['source']}  {d['url'] or ''}",
        f"  by {d['author'] or 'unknown'} at {d['created_at']}" + (f", rating {d['rating']}/5" if d["rating"] else ""),
        f"  language {d['language'] or '?'}, {d['label'] or 'not judged'} {json.dumps(d['scores'])}",
        f"  category {d['category']}, urgency {d['urgency']}: {'; '.join(d['reasons'])}",
        "",
        "Customer wrote:",
        *("  " + line for line in case.mention.full_text.splitlines()),
        "",
    ]
    for draft in case.drafts:
        status = draft.decision or "pending"
        who = f" by {draft.decided_by} at {draft.decided_at:%Y-%m-%d %H:%M}" if draft.decided_by else ""
        lines.append(f"Draft {draft.id} ({draft.template}, {status}{who}):")
        lines += ["  " + line for line in draft.text.splitlines()]
        if draft.edited_text:
            lines.append("  Edited and sent as:")
            lines += ["  " + line for line in draft.edited_text.splitlines()]
        if draft.reason:
            lines.append(f"  Reason: {draft.reason}")
    if case.posted_ref:
        lines.append(f"Posted: {case.posted_ref}")
    return "\n".join(lines)
