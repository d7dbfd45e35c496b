"""Polling one source: lease, fetch, pipeline, store, and the source's health.

Failures are sorted once (see sources.errors): a config failure pauses the source and tells a
human once; a transient one backs off (honouring Retry-After); a bug is logged with its
traceback. A human hears about health *changes* (failing, recovered), not every failure.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from monitor.alerts.backoff import next_attempt_delay
from monitor.clock import Clock
from monitor.models import Alert, AlertKind
from monitor.pipeline import BatchStats, Pipeline
from monitor.store import Store
from monitor.store.outbox import enqueue
from sources.base import Source
from sources.errors import SourceConfigError, TransientSourceError

log = logging.getLogger("replywatch.poll")

CONFIG_RETRY_SECONDS = 3600  # a paused source is re-tried hourly (or at once after `check`)


@dataclass
class PollOutcome:
    source: str
    status: str  # ok | skipped | failed | paused | busy
    stored: int = 0
    duplicates: int = 0
    cases: int = 0
    detail: str = ""
    stats: BatchStats = field(default_factory=BatchStats)

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "paused")


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str) -> bool:
    """A lease held by a process of this host that no longer exists (it crashed) is stale.

    Holders on other hosts are never judged: their lease simply expires."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class SourcePoller:
    def __init__(self, name: str, source: Source, store: Store, pipeline: Pipeline, clock: Clock, *,
                 deadline_minutes: int, max_reply_chars: int | None, lease_seconds: float,
                 retry_seconds: float = 30, holder: str | None = None):
        self.name = name
        self.source = source
        self.store = store
        self.pipeline = pipeline
        self.clock = clock
        self.deadline_minutes = deadline_minutes
        self.max_reply_chars = max_reply_chars
        self.lease_seconds = lease_seconds
        self.retry_seconds = retry_seconds
        self.holder = holder or holder_id()

    def poll(self, *, force: bool = False) -> PollOutcome:
        now = self.clock.now()
        health = self.store.health.get(self.name) or {}
        if not force and health.get("retry_at") and health["retry_at"] > now:
            return PollOutcome(self.name, "skipped", detail=f"backing off until {health['retry_at']:%H:%M:%S}")
        lease = f"poll:{self.name}"
        if not self.store.leases.acquire(lease, self.holder, now, self.lease_seconds, stale=holder_is_dead):
            return PollOutcome(self.name, "busy", detail="another process is polling this source")
        try:
            return self._poll_locked(health)
        finally:
            self.store.leases.release(lease, self.holder)

    def _poll_locked(self, health: dict[str, Any]) -> PollOutcome:
        cursor = self.store.cursors.get(self.name)
        try:
            fetched = self.source.fetch(cursor)
            result, stats = self.pipeline.run(
                self.name, fetched.mentions, fetched.cursor,
                deadline_minutes=self.deadline_minutes, max_reply_chars=self.max_reply_chars,
            )
        except SourceConfigError as exc:
            return self._failed(health, "paused", str(exc), retry_after=CONFIG_RETRY_SECONDS)
        except TransientSourceError as exc:
            return self._failed(health, "failing", str(exc), retry_after=exc.retry_after)
        except Exception as exc:  # a bug: keep its traceback, keep the other sources going
            log.exception("%s: poll failed", self.name)
            return self._failed(health, "failing", f"{type(exc).__name__}: {exc}", retry_after=None)
        if fetched.errors:
            stats.error("parse")
            stats.errors["parse"] = fetched.errors
        self._ok(health)
        log.info("%s: %d new, %d already known, %d cases, dropped %s, errors %s", self.name, result.stored,
                 result.duplicates + stats.dropped.get("duplicate", 0), len(result.cases), stats.dropped, stats.errors)
        return PollOutcome(self.name, "ok", stored=result.stored,
                           duplicates=result.duplicates + stats.dropped.get("duplicate", 0),
                           cases=len(result.cases), stats=stats)

    def _ok(self, health: dict[str, Any]) -> None:
        now = self.clock.now()
        was = health.get("state")
        if was and was != "ok":
            self._health_alert(f"{self.name}: recovered", f"recovered after {health.get('failures', 0)} failed polls",
                               f"health:{self.name}:ok:{now.isoformat()}")
        self.store.health.put(self.name, state="ok", detail=None, since=now if was != "ok" else health["since"],
                              failures=0, retry_at=None, last_poll_at=now, last_success_at=now)

    def _failed(self, health: dict[str, Any], state: str, detail: str, *, retry_after: float | None) -> PollOutcome:
        now = self.clock.now()
        failures = int(health.get("failures") or 0) + 1
        if state == "paused":
            delay = retry_after or CONFIG_RETRY_SECONDS
        else:
            delay = next_attempt_delay(failures, retry_after, self.retry_seconds)
        log.warning("%s: %s: %s (next try in %.0f s)", self.name, state, detail, delay)
        changed = health.get("state") != state
        since = now if changed else health.get("since", now)
        if changed:
            self._health_alert(f"{self.name}: {'paused' if state == 'paused' else 'failing'}", detail,
                               f"health:{self.name}:{state}:{since.isoformat()}")
        self.store.health.put(self.name, state=state, detail=detail, since=since, failures=failures,
                              retry_at=now + timedelta(seconds=delay), last_poll_at=now)
        return PollOutcome(self.name, "paused" if state == "paused" else "failed", detail=detail)

    def _health_alert(self, title: str, detail: str, key: str) -> None:
        with self.store.engine.begin() as conn:
            enqueue(conn, Alert(kind=AlertKind.HEALTH, title=title, text=detail, source=self.name, dedupe_key=key),
                    self.clock.now())
