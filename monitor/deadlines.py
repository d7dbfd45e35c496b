"""Deadlines: warn before the one-hour response window closes, and flag breaches, once each.

The sweeper is driven by an injected clock, so tests move time instead of sleeping.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from monitor.clock import Clock
from monitor.models import Alert, AlertKind
from monitor.store import CaseView, Store

log = logging.getLogger("replywatch.deadlines")


@dataclass
class SweepResult:
    warned: list[int]
    breached: list[int]


class Sweeper:
    def __init__(self, store: Store, clock: Clock, *, warning_minutes: int, desk_url: str):
        self.store = store
        self.clock = clock
        self.warning = timedelta(minutes=warning_minutes)
        self.desk_url = desk_url.rstrip("/")

    def sweep(self) -> SweepResult:
        now = self.clock.now()
        warned, breached = [], []
        for case in self.store.due_for_breach(now):
            if self.store.mark_deadline(case.id, "breach", now, self._alert(case, AlertKind.BREACH)):
                breached.append(case.id)
                log.warning("case %s: deadline breached (%s)", case.id, case.mention.source)
        if self.warning:
            for case in self.store.due_for_warning(now, self.warning):
                if self.store.mark_deadline(case.id, "warning", now, self._alert(case, AlertKind.WARNING)):
                    warned.append(case.id)
        return SweepResult(warned, breached)

    def _alert(self, case: CaseView, kind: AlertKind) -> Alert:
        m = case.mention
        title = {
            AlertKind.WARNING: f"Deadline in {int(self.warning.total_seconds() // 60)} min: complaint on {m.source}",
            AlertKind.BREACH: f"Deadline breached: complaint on {m.source} has no response",
        }[kind]
        return Alert(
            kind=kind,
            title=title,
            dedupe_key=f"{kind.value}:case:{case.id}",
            text=m.full_text,
            source=m.source,
            url=m.url,
            case_id=case.id,
            case_url=f"{self.desk_url}/items/{case.id}",
            deadline_at=case.deadline_at,
            urgency=case.judgement.urgency if case.judgement else None,
            language=case.judgement.language if case.judgement else None,
            author=m.author,
        )
