"""The ordered steps every polled batch goes through before it is stored.

normalize -> dedupe -> judge -> decide -> draft -> alert, then the store writes the batch and the
source's cursor in one transaction. A step can drop an item with a reason; one item's exception is
logged and counted and the batch goes on (like Scrapy's item pipelines and DropItem).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Protocol, Sequence

from monitor.clock import Clock, utc
from monitor.models import Alert, AlertKind, CaseState, Draft, Judgement, Mention
from monitor.store import Record, Store

log = logging.getLogger("replywatch.pipeline")


@dataclass
class Item:
    mention: Mention
    judgement: Judgement | None = None
    case_state: CaseState | None = None
    deadline_at: datetime | None = None
    draft: Draft | None = None
    urgent: bool = False


@dataclass
class BatchStats:
    received: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def error(self, step: str) -> None:
        self.errors[step] = self.errors.get(step, 0) + 1


@dataclass
class Context:
    """What a step may need to know about the batch: its source, the time, the counters."""

    source: str
    now: datetime
    stats: BatchStats
    deadline_minutes: int
    max_reply_chars: int | None


class Step(Protocol):
    name: str

    def process(self, items: list[Item], ctx: Context) -> list[Item]: ...


class PerItemStep:
    """A step that handles items one at a time; an exception drops only that item."""

    name = "step"

    def process(self, items: list[Item], ctx: Context) -> list[Item]:
        kept = []
        for item in items:
            try:
                result = self.process_item(item, ctx)
            except Exception:
                log.exception("%s: %s failed on %s", ctx.source, self.name, item.mention.key)
                ctx.stats.error(self.name)
                result = self.on_error(item)
            if result is not None:
                kept.append(result)
        return kept

    def process_item(self, item: Item, ctx: Context) -> Item | None:
        raise NotImplementedError

    def on_error(self, item: Item) -> Item | None:
        """What survives an exception: by default nothing (the item is dropped, counted)."""
        return None


class Normalize(PerItemStep):
    """Aware UTC times, a fetched_at, no surrounding white space; drop items with nothing to judge."""

    name = "normalize"

    def process_item(self, item: Item, ctx: Context) -> Item | None:
        m = item.mention
        text = (m.text or "").strip()
        if not text and m.rating is None and not (m.title or "").strip():
            ctx.stats.drop("empty")
            return None
        item.mention = replace(
            m,
            text=text,
            title=(m.title or "").strip() or None,
            created_at=utc(m.created_at),
            fetched_at=utc(m.fetched_at) if m.fetched_at else ctx.now,
        )
        return item


class Dedupe:
    """Drop what the store already has, and repeats within the batch."""

    name = "dedupe"

    def __init__(self, store: Store):
        self.store = store

    def process(self, items: list[Item], ctx: Context) -> list[Item]:
        known = self.store.known_ids(ctx.source, [i.mention.external_id for i in items])
        kept = []
        for item in items:
            if item.mention.external_id in known:
                ctx.stats.drop("duplicate")
                continue
            known.add(item.mention.external_id)
            kept.append(item)
        return kept


class JudgeStep:
    """Judge the whole batch at once (the model is fastest in batches)."""

    name = "judge"

    def __init__(self, judge: Any, store: Store):
        self.judge = judge
        self.store = store

    def process(self, items: list[Item], ctx: Context) -> list[Item]:
        if not items:
            return items
        mentions = [i.mention for i in items]

        def earlier(m: Mention) -> int:  # asked only about mentions that become cases
            return self.store.prior_complaints(m.author, m.source, m.created_at)

        judgements = self.judge.judge(mentions, prior_complaints=earlier)
        for item, judgement in zip(items, judgements):
            item.judgement = judgement
        return items


class Decide(PerItemStep):
    """Open a case with a deadline for what needs an answer; send what the model could not
    judge to triage; leave the rest as recorded mentions."""

    name = "decide"

    def __init__(self, urgent_at: int):
        self.urgent_at = urgent_at

    def process_item(self, item: Item, ctx: Context) -> Item:
        j = item.judgement
        if j is None:
            return item
        if j.needs_response:
            item.case_state = CaseState.AWAITING_APPROVAL
            item.deadline_at = item.mention.created_at + timedelta(minutes=ctx.deadline_minutes)
            item.urgent = j.urgency >= self.urgent_at
        elif not j.covered:
            item.case_state = CaseState.TRIAGE
        return item


class DraftStep(PerItemStep):
    name = "draft"

    def __init__(self, drafter: Any):
        self.drafter = drafter

    def process_item(self, item: Item, ctx: Context) -> Item:
        if item.case_state is not None and item.judgement is not None:
            item.draft = self.drafter.draft(item.mention, item.judgement, max_chars=ctx.max_reply_chars)
        return item

    def on_error(self, item: Item) -> Item:
        return item  # the case is still opened; a human writes the reply


def default_steps(store: Store, judge: Any, drafter: Any, *, urgent_at: int) -> list[Step]:
    return [Normalize(), Dedupe(store), JudgeStep(judge, store), Decide(urgent_at), DraftStep(drafter)]


class Pipeline:
    def __init__(self, steps: Sequence[Step], store: Store, clock: Clock, *,
                 alert_builder: Callable[[Item, int], list[Alert]] | None = None):
        self.steps = list(steps)
        self.store = store
        self.clock = clock
        self.alert_builder = alert_builder

    def run(self, source: str, mentions: Sequence[Mention], cursor: Any, *,
            deadline_minutes: int, max_reply_chars: int | None = None):
        """Process a fetched batch and store it with its cursor; returns (IngestResult, BatchStats)."""
        now = self.clock.now()
        stats = BatchStats(received=len(mentions))
        ctx = Context(source, now, stats, deadline_minutes, max_reply_chars)
        items = [Item(m) for m in mentions]
        for step in self.steps:
            items = step.process(items, ctx)
        records = [self._record(item) for item in items]
        result = self.store.ingest(source, records, cursor, now=now)
        return result, stats

    def _record(self, item: Item) -> Record:
        alerts = None
        if self.alert_builder is not None and item.urgent:
            alerts = lambda case_id, item=item: self.alert_builder(item, case_id)  # noqa: E731
        return Record(
            mention=item.mention, judgement=item.judgement, case_state=item.case_state,
            deadline_at=item.deadline_at, draft=item.draft, alerts=alerts,
        )


def urgent_alert(desk_url: str) -> Callable[[Item, int], list[Alert]]:
    def build(item: Item, case_id: int) -> list[Alert]:
        m, j = item.mention, item.judgement
        return [
            Alert(
                kind=AlertKind.URGENT,
                title=f"Urgent complaint on {m.source}",
                dedupe_key=f"urgent:{m.key}",
                text=m.full_text,
                source=m.source,
                url=m.url,
                case_id=case_id,
                case_url=f"{desk_url.rstrip('/')}/items/{case_id}",
                deadline_at=item.deadline_at,
                urgency=j.urgency if j else None,
                language=j.language if j else None,
                author=m.author,
            )
        ]

    return build
