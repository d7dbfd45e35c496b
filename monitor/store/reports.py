"""Read-only questions the web desk asks: the dashboard's numbers, an author's earlier mentions,
the event log with each approved draft beside the text actually sent.

Nothing here writes. Grouping by hour or day, and medians, are done in Python over the rows of
the window asked for: SQLite has no median and no common `date_trunc`, and one portable code
path (SQLite and PostgreSQL alike) is worth more than pushing a few thousand rows through SQL.

Definitions the dashboard relies on:
- time to first response = `cases.responded_at` (the approval) - `mentions.created_at`;
- a case is *due* once it has been answered or its deadline has passed; rejected cases (the team
  decided not to answer) and cases without a deadline are never due;
- *on time* = answered no later than its deadline; a *breach* = due and not on time (whether
  or not the sweeper has sent its breach alert yet).
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine

from monitor.models import CaseState
from monitor.store import tables as t
from monitor.store.store import SYSTEM

UNJUDGED = "not judged"  # no judgement, or a language the model does not cover
UNITS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass(frozen=True)
class SourceStats:
    source: str
    mentions: int = 0
    negative: int = 0
    cases: int = 0
    responded: int = 0
    median_response_seconds: float | None = None
    due: int = 0
    on_time: int = 0

    @property
    def breaches(self) -> int:
        return self.due - self.on_time

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class EarlierMention:
    mention_id: int
    source: str
    created_at: datetime
    text: str
    url: str | None
    label: str | None
    case_id: int | None
    case_state: str | None


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    actor: str
    kind: str
    case_id: int | None
    source: str | None
    detail: dict[str, Any]
    draft_text: str | None = None  # approved events: what the drafter proposed
    sent_text: str | None = None  # ... and what the human approved to send

    @property
    def edited(self) -> bool:
        return self.draft_text is not None and self.sent_text is not None and self.draft_text != self.sent_text


def bucket_start(when: datetime, unit: str) -> datetime:
    if unit == "day":
        return when.replace(hour=0, minute=0, second=0, microsecond=0)
    return when.replace(minute=0, second=0, microsecond=0)


def buckets(since: datetime, until: datetime, unit: str) -> list[datetime]:
    """Every bucket start from the one holding `since` up to the one holding `until`."""
    out, at = [], bucket_start(since, unit)
    while at <= until:
        out.append(at)
        at += UNITS[unit]
    return out


class Reports:
    def __init__(self, engine: Engine):
        self.engine = engine

    # -- dashboard ------------------------------------------------------------------------

    def volume(self, since: datetime, until: datetime, unit: str = "hour") -> Counter:
        """Mentions per (bucket start, source, sentiment label) created in [since, until)."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {sorted(UNITS)}")
        q = (
            select(t.mentions.c.created_at, t.mentions.c.source, t.judgements.c.label)
            .select_from(t.mentions.outerjoin(t.judgements, t.judgements.c.mention_id == t.mentions.c.id))
            .where(and_(t.mentions.c.created_at >= since, t.mentions.c.created_at < until))
        )
        counts: Counter = Counter()
        with self.engine.connect() as conn:
            for r in conn.execute(q):
                counts[(bucket_start(r.created_at, unit), r.source, r.label or UNJUDGED)] += 1
        return counts

    def source_stats(self, since: datetime, until: datetime, now: datetime) -> list[SourceStats]:
        """Per source, for mentions created in [since, until): volume, response times, deadlines."""
        window = and_(t.mentions.c.created_at >= since, t.mentions.c.created_at < until)
        mentions_q = (
            select(t.mentions.c.source, t.judgements.c.label, func.count().label("n"))
            .select_from(t.mentions.outerjoin(t.judgements, t.judgements.c.mention_id == t.mentions.c.id))
            .where(window)
            .group_by(t.mentions.c.source, t.judgements.c.label)
        )
        cases_q = (
            select(t.mentions.c.source, t.mentions.c.created_at, t.cases.c.state, t.cases.c.deadline_at,
                   t.cases.c.responded_at)
            .select_from(t.cases.join(t.mentions, t.mentions.c.id == t.cases.c.mention_id))
            .where(window)
        )
        rows: dict[str, dict[str, Any]] = {}

        def row(source: str) -> dict[str, Any]:
            return rows.setdefault(
                source, {"mentions": 0, "negative": 0, "cases": 0, "waits": [], "due": 0, "on_time": 0})

        with self.engine.connect() as conn:
            for r in conn.execute(mentions_q):
                s = row(r.source)
                s["mentions"] += r.n
                if r.label == "negative":
                    s["negative"] += r.n
            for r in conn.execute(cases_q):
                s = row(r.source)
                s["cases"] += 1
                if r.responded_at is not None:
                    s["waits"].append((r.responded_at - r.created_at).total_seconds())
                if _is_due(r, now):
                    s["due"] += 1
                    s["on_time"] += r.responded_at is not None and r.responded_at <= r.deadline_at
        return [
            SourceStats(
                source=name, mentions=s["mentions"], negative=s["negative"], cases=s["cases"],
                responded=len(s["waits"]),
                median_response_seconds=statistics.median(s["waits"]) if s["waits"] else None,
                due=s["due"], on_time=s["on_time"],
            )
            for name, s in sorted(rows.items())
        ]

    def overall(self, stats: Iterable[SourceStats], since: datetime, until: datetime) -> SourceStats:
        """All sources together; the median is over every response, not a median of medians."""
        stats = list(stats)
        q = (
            select(t.mentions.c.created_at, t.cases.c.responded_at)
            .select_from(t.cases.join(t.mentions, t.mentions.c.id == t.cases.c.mention_id))
            .where(and_(t.mentions.c.created_at >= since, t.mentions.c.created_at < until,
                        t.cases.c.responded_at.is_not(None)))
        )
        with self.engine.connect() as conn:
            waits = [(r.responded_at - r.created_at).total_seconds() for r in conn.execute(q)]
        return SourceStats(
            source="all", mentions=sum(s.mentions for s in stats), negative=sum(s.negative for s in stats),
            cases=sum(s.cases for s in stats), responded=len(waits),
            median_response_seconds=statistics.median(waits) if waits else None,
            due=sum(s.due for s in stats), on_time=sum(s.on_time for s in stats),
        )

    # -- queue ----------------------------------------------------------------------------

    def state_counts(self) -> dict[str, int]:
        q = select(t.cases.c.state, func.count()).group_by(t.cases.c.state)
        with self.engine.connect() as conn:
            return {state: n for state, n in conn.execute(q)}

    def case_ids(self, state: CaseState) -> list[int]:
        """Ids in queue order (soonest deadline first, none last), as `Store.cases` orders them."""
        q = (
            select(t.cases.c.id).where(t.cases.c.state == state.value)
            .order_by(t.cases.c.deadline_at.is_(None), t.cases.c.deadline_at, t.cases.c.id)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(q).scalars())

    def filter_options(self) -> tuple[list[str], list[str]]:
        """Sources and judged languages that have cases: the queue's filter choices."""
        base = t.cases.join(t.mentions, t.mentions.c.id == t.cases.c.mention_id)
        sources_q = select(t.mentions.c.source).select_from(base).distinct()
        languages_q = (
            select(t.judgements.c.language)
            .select_from(base.join(t.judgements, t.judgements.c.mention_id == t.mentions.c.id))
            .where(t.judgements.c.language.is_not(None)).distinct()
        )
        with self.engine.connect() as conn:
            return sorted(conn.execute(sources_q).scalars()), sorted(conn.execute(languages_q).scalars())

    # -- one case -------------------------------------------------------------------------

    def earlier_mentions(self, author: str | None, *, mention_id: int, before: datetime,
                         limit: int = 20) -> list[EarlierMention]:
        """The same author's earlier mentions on any source (same name; newest first)."""
        if not author:
            return []
        q = (
            select(t.mentions.c.id, t.mentions.c.source, t.mentions.c.created_at, t.mentions.c.text,
                   t.mentions.c.url, t.judgements.c.label, t.cases.c.id.label("case_id"),
                   t.cases.c.state.label("case_state"))
            .select_from(
                t.mentions.outerjoin(t.judgements, t.judgements.c.mention_id == t.mentions.c.id)
                .outerjoin(t.cases, t.cases.c.mention_id == t.mentions.c.id)
            )
            .where(and_(
                t.mentions.c.author == author, t.mentions.c.id != mention_id,
                or_(t.mentions.c.created_at < before,
                    and_(t.mentions.c.created_at == before, t.mentions.c.id < mention_id)),
            ))
            .order_by(t.mentions.c.created_at.desc(), t.mentions.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                EarlierMention(r.id, r.source, r.created_at, r.text, r.url, r.label, r.case_id, r.case_state)
                for r in conn.execute(q)
            ]

    # -- history --------------------------------------------------------------------------

    def history(self, *, limit: int = 100, before: int | None = None, case_id: int | None = None,
                people_only: bool = False) -> list[HistoryEntry]:
        """Events newest first (ids below `before`); approvals carry the draft and the sent text.
        `people_only` leaves out what Replywatch itself did (opened, drafted, deadline events)."""
        q = (
            select(t.events, t.mentions.c.source)
            .select_from(
                t.events.outerjoin(t.cases, t.cases.c.id == t.events.c.case_id)
                .outerjoin(t.mentions, t.mentions.c.id == t.cases.c.mention_id)
            )
            .order_by(t.events.c.id.desc())
            .limit(limit)
        )
        if before is not None:
            q = q.where(t.events.c.id < before)
        if case_id is not None:
            q = q.where(t.events.c.case_id == case_id)
        if people_only:
            q = q.where(t.events.c.actor != SYSTEM)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
            draft_ids = {
                int(r.detail["draft_id"]) for r in rows
                if r.kind == "approved" and isinstance(r.detail, dict) and r.detail.get("draft_id") is not None
            }
            drafts = {}
            if draft_ids:
                dq = select(t.drafts.c.id, t.drafts.c.text, t.drafts.c.edited_text).where(t.drafts.c.id.in_(draft_ids))
                drafts = {d.id: d for d in conn.execute(dq)}
        entries = []
        for r in rows:
            detail = r.detail if isinstance(r.detail, dict) else {}
            draft = drafts.get(detail.get("draft_id")) if r.kind == "approved" else None
            entries.append(HistoryEntry(
                id=r.id, at=r.at, actor=r.actor, kind=r.kind, case_id=r.case_id, source=r.source,
                detail=detail,
                draft_text=draft.text if draft else None,
                sent_text=(draft.edited_text or draft.text) if draft else None,
            ))
        return entries


def _is_due(r: Any, now: datetime) -> bool:
    if r.deadline_at is None or r.state == CaseState.REJECTED.value:
        return False
    return r.responded_at is not None or r.deadline_at <= now
