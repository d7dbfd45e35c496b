"""Conversions between table rows and domain values, and the read-side views."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from monitor.models import CaseState, Category, Judgement, Label, Mention


def without_nul(value: Any) -> Any:
    """Drop NUL characters, which PostgreSQL refuses in text and JSON (platform payloads have them)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nul(v) for v in value]
    return value


def mention_row(m: Mention) -> dict[str, Any]:
    return without_nul({
        "source": m.source,
        "external_id": m.external_id,
        "url": m.url,
        "author": m.author,
        "author_reach": m.author_reach,
        "title": m.title,
        "text": m.text,
        "rating": m.rating,
        "language": m.language,
        "reply_to": m.reply_to,
        "created_at": m.created_at,
        "fetched_at": m.fetched_at or m.created_at,
        "raw": dict(m.raw) if m.raw is not None else None,
    })


def mention_from_row(r: Mapping[str, Any]) -> Mention:
    return Mention(
        source=r["source"],
        external_id=r["external_id"],
        text=r["text"],
        created_at=r["created_at"],
        url=r["url"],
        author=r["author"],
        author_reach=r["author_reach"],
        title=r["title"],
        rating=r["rating"],
        language=r["language"],
        fetched_at=r["fetched_at"],
        reply_to=r["reply_to"],
        raw=r["raw"],
    )


def judgement_row(j: Judgement) -> dict[str, Any]:
    return {
        "label": j.label.value if j.label else None,
        "scores": dict(j.scores),
        "needs_response": j.needs_response,
        "language": j.language,
        "covered": j.covered,
        "model": j.model,
        "category": j.category.value,
        "urgency": j.urgency,
        "reasons": list(j.reasons),
    }


def judgement_from_row(r: Mapping[str, Any]) -> Judgement:
    return Judgement(
        label=Label(r["label"]) if r["label"] else None,
        scores=r["scores"] or {},
        needs_response=bool(r["needs_response"]),
        language=r["language"],
        covered=bool(r["covered"]),
        model=r["model"],
        category=Category(r["category"]),
        urgency=int(r["urgency"]),
        reasons=tuple(r["reasons"] or ()),
    )


@dataclass(frozen=True)
class DraftView:
    id: int
    text: str
    template: str
    language: str
    created_at: datetime
    edited_text: str | None
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None

    @property
    def final_text(self) -> str:
        """The text that was (or would be) sent: the edit if there is one."""
        return self.edited_text or self.text


@dataclass(frozen=True)
class CaseView:
    id: int
    state: CaseState
    deadline_at: datetime | None
    found_at: datetime
    responded_at: datetime | None
    posted_at: datetime | None
    posted_ref: str | None
    last_error: str | None
    mention_id: int
    mention: Mention
    judgement: Judgement | None
    drafts: list[DraftView] = field(default_factory=list)

    @property
    def draft(self) -> DraftView | None:
        """The newest draft."""
        return self.drafts[-1] if self.drafts else None

    def seconds_left(self, now: datetime) -> float | None:
        if self.deadline_at is None:
            return None
        return (self.deadline_at - now).total_seconds()


def draft_from_row(r: Mapping[str, Any]) -> DraftView:
    return DraftView(**{k: r[k] for k in DraftView.__dataclass_fields__})
