"""The store: ingesting a poll's batch atomically, and the case transitions the team makes.

All SQL lives in this package. Every state change writes an append-only event (who, when,
what) in the same transaction, so the record cannot disagree with the state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Connection

from monitor.models import Alert, CaseState, Draft, Judgement, Mention
from monitor.store import tables as t
from monitor.store.coordination import Cursors, Health, Leases, save_cursor
from monitor.store.engine import make_engine
from monitor.store.outbox import Outbox, enqueue
from monitor.store.records import (
    CaseView,
    draft_from_row,
    judgement_from_row,
    judgement_row,
    mention_from_row,
    mention_row,
)

SYSTEM = "replywatch"


class TransitionError(Exception):
    """A case was not in a state that allows the requested action."""


@dataclass
class Record:
    """One processed mention, ready to be stored with everything decided about it."""

    mention: Mention
    judgement: Judgement | None = None
    case_state: CaseState | None = None  # None: nothing to answer, no case
    deadline_at: datetime | None = None
    draft: Draft | None = None
    alerts: Callable[[int], list[Alert]] | None = None  # built once the case id is known


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    cases: list[int] = field(default_factory=list)


class Store:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.outbox = Outbox(self.engine)
        self.cursors = Cursors(self.engine)
        self.leases = Leases(self.engine)
        self.health = Health(self.engine)

    def create_all(self) -> None:
        t.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- ingest ---------------------------------------------------------------------------

    def known_ids(self, source: str, external_ids: Iterable[str]) -> set[str]:
        with self.engine.connect() as conn:
            return self._known(conn, source, list(dict.fromkeys(external_ids)))

    def ingest(
        self, source: str, records: Sequence[Record], cursor: Any, *, now: datetime
    ) -> IngestResult:
        """Store a poll's records and its cursor in ONE transaction.

        A crash before commit stores nothing and keeps the old cursor, so the next poll reads
        the same items again; the unique (source, external_id) key makes that re-read harmless.
        """
        result = IngestResult()
        with self.engine.begin() as conn:
            known = self._known(conn, source, [r.mention.external_id for r in records])
            for rec in records:
                if rec.mention.external_id in known:
                    result.duplicates += 1
                    continue
                known.add(rec.mention.external_id)
                case_id = self._insert_record(conn, rec, now)
                result.stored += 1
                if case_id is not None:
                    result.cases.append(case_id)
            save_cursor(conn, source, cursor, now)
        return result

    def _known(self, conn: Connection, source: str, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            q = select(t.mentions.c.external_id).where(
                and_(t.mentions.c.source == source, t.mentions.c.external_id.in_(ids[i : i + 500]))
            )
            found.update(r.external_id for r in conn.execute(q))
        return found

    def _insert_record(self, conn: Connection, rec: Record, now: datetime) -> int | None:
        m = rec.mention
        mention_id = conn.execute(
            t.mentions.insert().values(**mention_row(m)).returning(t.mentions.c.id)
        ).scalar_one()
        if rec.judgement is not None:
            conn.execute(
                t.judgements.insert().values(
                    mention_id=mention_id, judged_at=now, **judgement_row(rec.judgement)
                )
            )
        if rec.case_state is None:
            return None
        case_id = conn.execute(
            t.cases.insert()
            .values(
                mention_id=mention_id,
                state=rec.case_state.value,
                deadline_at=rec.deadline_at,
                found_at=m.fetched_at or now,
                post_attempts=0,
                updated_at=now,
            )
            .returning(t.cases.c.id)
        ).scalar_one()
        detail: dict[str, Any] = {"key": m.key, "state": rec.case_state.value}
        if rec.deadline_at:
            detail["deadline_at"] = rec.deadline_at.isoformat()
        self._event(conn, now, SYSTEM, "case_opened", case_id, mention_id, detail)
        if rec.draft is not None:
            self._insert_draft(conn, case_id, rec.draft, now)
        for alert in rec.alerts(case_id) if rec.alerts else []:
            enqueue(conn, alert, now)
        return case_id

    def _insert_draft(self, conn: Connection, case_id: int, draft: Draft, now: datetime) -> int:
        draft_id = conn.execute(
            t.drafts.insert()
            .values(case_id=case_id, text=draft.text, template=draft.template, language=draft.language, created_at=now)
            .returning(t.drafts.c.id)
        ).scalar_one()
        self._event(conn, now, SYSTEM, "draft_created", case_id, None, {"draft_id": draft_id, "template": draft.template})
        return draft_id

    def _event(self, conn: Connection, at: datetime, actor: str, kind: str,
               case_id: int | None, mention_id: int | None, detail: dict[str, Any]) -> None:
        conn.execute(
            t.events.insert().values(at=at, actor=actor, kind=kind, case_id=case_id, mention_id=mention_id, detail=detail)
        )

    def record_event(self, actor: str, kind: str, now: datetime, *, case_id: int | None = None,
                     detail: dict[str, Any] | None = None) -> None:
        with self.engine.begin() as conn:
            self._event(conn, now, actor, kind, case_id, None, detail or {})

    # -- reading --------------------------------------------------------------------------

    def _case_query(self):
        return (
            select(t.cases, t.mentions, t.judgements, t.cases.c.id.label("case_id"), t.mentions.c.id.label("m_id"),
                   t.judgements.c.language.label("j_language"), t.mentions.c.language.label("m_language"))
            .join(t.mentions, t.mentions.c.id == t.cases.c.mention_id)
            .outerjoin(t.judgements, t.judgements.c.mention_id == t.mentions.c.id)
        )

    def _views(self, conn: Connection, rows: list) -> list[CaseView]:
        ids = [r.case_id for r in rows]
        drafts: dict[int, list] = {i: [] for i in ids}
        for i in range(0, len(ids), 500):
            q = select(t.drafts).where(t.drafts.c.case_id.in_(ids[i : i + 500])).order_by(t.drafts.c.id)
            for d in conn.execute(q):
                drafts[d.case_id].append(draft_from_row(d._mapping))
        views = []
        for r in rows:
            m = dict(r._mapping)
            m["language"] = m["m_language"]
            mention = mention_from_row(m)
            judgement = None
            if m["model"] is not None:
                m["language"] = m["j_language"]
                judgement = judgement_from_row(m)
            views.append(
                CaseView(
                    id=r.case_id, state=CaseState(r.state), deadline_at=r.deadline_at, found_at=r.found_at,
                    responded_at=r.responded_at, posted_at=r.posted_at, posted_ref=r.posted_ref,
                    last_error=r.last_error, mention_id=r.m_id, mention=mention, judgement=judgement,
                    drafts=drafts[r.case_id],
                )
            )
        return views

    def case(self, case_id: int) -> CaseView | None:
        with self.engine.connect() as conn:
            rows = conn.execute(self._case_query().where(t.cases.c.id == case_id)).all()
            views = self._views(conn, rows)
        return views[0] if views else None

    def cases(self, states: Iterable[CaseState] | None = None, *, source: str | None = None,
              language: str | None = None, limit: int | None = None) -> list[CaseView]:
        """Cases ordered by deadline (soonest first; cases without a deadline last)."""
        q = self._case_query()
        if states is not None:
            q = q.where(t.cases.c.state.in_([s.value for s in states]))
        if source:
            q = q.where(t.mentions.c.source == source)
        if language:
            q = q.where(t.judgements.c.language == language)
        q = q.order_by(t.cases.c.deadline_at.is_(None), t.cases.c.deadline_at, t.cases.c.id)
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return self._views(conn, conn.execute(q).all())

    def open_queue(self) -> list[CaseView]:
        """The deadline queue: drafts awaiting approval, soonest deadline first."""
        return self.cases([CaseState.AWAITING_APPROVAL])

    def triage(self) -> list[CaseView]:
        return self.cases([CaseState.TRIAGE])

    def events(self, case_id: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
        q = select(t.events).order_by(t.events.c.id.desc()).limit(limit)
        if case_id is not None:
            q = q.where(t.events.c.case_id == case_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def mention_count(self, source: str | None = None) -> int:
        q = select(func.count()).select_from(t.mentions)
        if source:
            q = q.where(t.mentions.c.source == source)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    def prior_complaints(self, author: str | None, source: str, before: datetime) -> int:
        """Earlier mentions by the same author on the same source that needed a response."""
        if not author:
            return 0
        q = (
            select(func.count())
            .select_from(t.mentions.join(t.judgements, t.judgements.c.mention_id == t.mentions.c.id))
            .where(and_(t.mentions.c.author == author, t.mentions.c.source == source,
                        t.mentions.c.created_at < before, t.judgements.c.needs_response.is_(True)))
        )
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    def negatives_since(self, since: datetime) -> int:
        q = (
            select(func.count())
            .select_from(t.mentions.join(t.judgements, t.judgements.c.mention_id == t.mentions.c.id))
            .where(and_(t.mentions.c.created_at >= since, t.judgements.c.needs_response.is_(True)))
        )
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    # -- transitions ----------------------------------------------------------------------

    def _transition(self, conn: Connection, case_id: int, allowed: Iterable[CaseState],
                    new: CaseState, now: datetime, **values: Any) -> None:
        allowed = list(allowed)
        done = conn.execute(
            update(t.cases)
            .where(and_(t.cases.c.id == case_id, t.cases.c.state.in_([s.value for s in allowed])))
            .values(state=new.value, updated_at=now, **values)
        )
        if done.rowcount != 1:
            row = conn.execute(select(t.cases.c.state).where(t.cases.c.id == case_id)).first()
            if row is None:
                raise TransitionError(f"case {case_id} does not exist")
            raise TransitionError(
                f"case {case_id} is {row.state}; it must be {' or '.join(s.value for s in allowed)} to become {new.value}"
            )

    def _latest_draft(self, conn: Connection, case_id: int):
        return conn.execute(
            select(t.drafts).where(t.drafts.c.case_id == case_id).order_by(t.drafts.c.id.desc()).limit(1)
        ).first()

    def approve(self, case_id: int, actor: str, now: datetime, *, text: str | None = None,
                can_post: bool) -> CaseView:
        """Approve the newest draft (optionally edited). Posting APIs get `approved`; the rest
        become `post_manually` with the text ready to copy."""
        if text is not None and not text.strip():
            raise TransitionError("the reply text is empty")
        new = CaseState.APPROVED if can_post else CaseState.POST_MANUALLY
        with self.engine.begin() as conn:
            draft = self._latest_draft(conn, case_id)
            if draft is None and text is None:
                raise TransitionError(f"case {case_id} has no draft; give the reply text")
            self._transition(conn, case_id, [CaseState.AWAITING_APPROVAL, CaseState.TRIAGE], new, now,
                             responded_at=now)
            if draft is None:
                draft_id = self._insert_draft(conn, case_id, Draft(text=text, template="manual", language="und"), now)
                edited = None
            else:
                draft_id = draft.id
                edited = text if text is not None and text != draft.text else None
            conn.execute(
                update(t.drafts).where(t.drafts.c.id == draft_id)
                .values(decision="approved", decided_by=actor, decided_at=now, edited_text=edited)
            )
            self._event(conn, now, actor, "approved", case_id, None,
                        {"draft_id": draft_id, "edited": edited is not None, "next": new.value})
        return self.case(case_id)

    def reject(self, case_id: int, actor: str, now: datetime, *, reason: str) -> CaseView:
        if not reason or not reason.strip():
            raise TransitionError("a reason is required to reject")
        with self.engine.begin() as conn:
            self._transition(conn, case_id, [CaseState.AWAITING_APPROVAL, CaseState.TRIAGE], CaseState.REJECTED, now)
            draft = self._latest_draft(conn, case_id)
            if draft is not None:
                conn.execute(update(t.drafts).where(t.drafts.c.id == draft.id)
                             .values(decision="rejected", decided_by=actor, decided_at=now, reason=reason))
            self._event(conn, now, actor, "rejected", case_id, None, {"reason": reason})
        return self.case(case_id)

    def add_draft(self, case_id: int, draft: Draft, actor: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            self._insert_draft(conn, case_id, draft, now)
            self._event(conn, now, actor, "draft_regenerated", case_id, None, {"template": draft.template})

    def begin_posting(self, case_id: int, now: datetime) -> None:
        with self.engine.begin() as conn:
            self._transition(conn, case_id, [CaseState.APPROVED, CaseState.FAILED], CaseState.POSTING, now,
                             post_attempts=t.cases.c.post_attempts + 1)
            self._event(conn, now, SYSTEM, "posting", case_id, None, {})

    def mark_posted(self, case_id: int, now: datetime, *, ref: str | None, actor: str = SYSTEM,
                    from_states: Sequence[CaseState] = (CaseState.POSTING,)) -> None:
        with self.engine.begin() as conn:
            self._transition(conn, case_id, from_states, CaseState.POSTED, now, posted_at=now, posted_ref=ref,
                             last_error=None)
            self._event(conn, now, actor, "posted", case_id, None, {"ref": ref})

    def mark_post_failed(self, case_id: int, now: datetime, *, error: str) -> None:
        with self.engine.begin() as conn:
            self._transition(conn, case_id, [CaseState.POSTING], CaseState.FAILED, now, last_error=error)
            self._event(conn, now, SYSTEM, "post_failed", case_id, None, {"error": error})

    def hand_over(self, case_id: int, now: datetime, *, reason: str) -> None:
        """An approved reply that cannot be posted by API becomes 'post manually'."""
        with self.engine.begin() as conn:
            self._transition(conn, case_id, [CaseState.APPROVED, CaseState.POSTING, CaseState.FAILED],
                             CaseState.POST_MANUALLY, now, last_error=reason)
            self._event(conn, now, SYSTEM, "post_manually", case_id, None, {"reason": reason})

    # -- deadlines ------------------------------------------------------------------------

    def due_for_warning(self, now: datetime, warning: timedelta) -> list[CaseView]:
        open_states = [s.value for s in CaseState if s.is_open]
        q = self._case_query().where(and_(
            t.cases.c.state.in_(open_states), t.cases.c.deadline_at.is_not(None),
            t.cases.c.warned_at.is_(None), t.cases.c.breached_at.is_(None),
            t.cases.c.deadline_at > now, t.cases.c.deadline_at <= now + warning,
        ))
        with self.engine.connect() as conn:
            return self._views(conn, conn.execute(q).all())

    def due_for_breach(self, now: datetime) -> list[CaseView]:
        open_states = [s.value for s in CaseState if s.is_open]
        q = self._case_query().where(and_(
            t.cases.c.state.in_(open_states), t.cases.c.deadline_at.is_not(None),
            t.cases.c.breached_at.is_(None), t.cases.c.deadline_at <= now,
        ))
        with self.engine.connect() as conn:
            return self._views(conn, conn.execute(q).all())

    def mark_deadline(self, case_id: int, kind: str, now: datetime, alert: Alert) -> bool:
        """Record a warning or breach once, with its alert, in one transaction."""
        column = {"warning": t.cases.c.warned_at, "breach": t.cases.c.breached_at}[kind]
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t.cases).where(and_(t.cases.c.id == case_id, column.is_(None))).values({column.name: now})
            )
            if done.rowcount != 1:
                return False
            self._event(conn, now, SYSTEM, f"deadline_{kind}", case_id, None, {})
            enqueue(conn, alert, now)
        return True
