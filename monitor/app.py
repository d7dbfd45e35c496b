"""Wiring: builds the store, judge, drafter, sources, pollers and alerting from Settings.

Components receive their collaborators here (clock, HTTP session, sink), so tests wire fakes
and the daemon wires real objects; nothing below reads globals.
"""
from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from monitor.alerts import AlertSink, build_sink
from monitor.clock import Clock, SystemClock
from monitor.deadlines import Sweeper
from monitor.dispatch import AlertDispatcher
from monitor.pipeline import Pipeline, default_steps, urgent_alert
from monitor.polling import PollOutcome, SourcePoller
from monitor.settings import Settings
from monitor.spikes import check_spike
from monitor.store import Store
from sources.base import Source
from sources.errors import NotConfigured, SourceError
from sources.registry import source_class

log = logging.getLogger("replywatch")


class App:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, judge: Any = None,
                 sink: AlertSink | None = None, http: Any = None):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.http = http
        self.store = Store(settings.database.url)
        self.store.create_all()
        self._judge = judge
        self.sink = sink or build_sink(settings.alerts, clock=self.clock)
        self.source_settings = settings.source_settings()
        self.not_configured: dict[str, str] = {}

    @property
    def judge(self):
        if self._judge is None:
            from monitor.judge import load_judge

            self._judge = load_judge(self.settings.judge)
        return self._judge

    @cached_property
    def drafter(self):
        from responders.drafting import Drafter

        return Drafter(self.settings.drafts, brand=self.settings.app.brand)

    @cached_property
    def pipeline(self) -> Pipeline:
        urgent_at = self.settings.alerts.urgent_at
        return Pipeline(
            default_steps(self.store, self.judge, self.drafter, urgent_at=urgent_at),
            self.store,
            self.clock,
            alert_builder=urgent_alert(self.settings.app.desk_url),
        )

    @cached_property
    def dispatcher(self) -> AlertDispatcher:
        return AlertDispatcher(self.store.outbox, self.sink, self.clock,
                               retry_seconds=self.settings.alerts.retry_seconds)

    @cached_property
    def sweeper(self) -> Sweeper:
        return Sweeper(self.store, self.clock, warning_minutes=self.settings.deadlines.warning_minutes,
                       desk_url=self.settings.app.desk_url)

    @cached_property
    def sources(self) -> dict[str, Source]:
        """The enabled sources that could start; the others are named in `not_configured`."""
        built: dict[str, Source] = {}
        for name, section in self.source_settings.items():
            if not section.enabled:
                continue
            try:
                built[name] = source_class(name).from_settings(section, http=self.http, clock=self.clock)
            except (NotConfigured, SourceError, ImportError) as exc:
                self.not_configured[name] = str(exc)
                log.error("%s: cannot start: %s", name, exc)
        return built

    @cached_property
    def pollers(self) -> dict[str, SourcePoller]:
        out = {}
        for name, source in self.sources.items():
            section = self.source_settings[name]
            out[name] = SourcePoller(
                name, source, self.store, self.pipeline, self.clock,
                deadline_minutes=section.deadline_minutes or self.settings.deadlines.response_minutes,
                max_reply_chars=section.max_reply_chars or _platform_limit(name),
                lease_seconds=self.settings.scheduler.lease_seconds,
                retry_seconds=self.settings.alerts.retry_seconds,
            )
        return out

    def poll(self, name: str, *, force: bool = False) -> PollOutcome:
        outcome = self.pollers[name].poll(force=force)
        if outcome.status == "ok" and outcome.stored:
            a = self.settings.alerts
            check_spike(self.store, self.clock.now(), count=a.spike_count, minutes=a.spike_minutes,
                        desk_url=self.settings.app.desk_url)
        self.dispatcher.flush()  # urgent complaints reach Slack right after the poll that found them
        return outcome

    def poll_all(self, *, force: bool = False) -> list[PollOutcome]:
        outcomes = [self.poll(name, force=force) for name in self.pollers]
        outcomes += [PollOutcome(n, "failed", detail=f"cannot start: {d}") for n, d in self.not_configured.items()]
        return outcomes

    def close(self) -> None:
        self.store.dispose()


def _platform_limit(source: str) -> int | None:
    from responders.limits import reply_limit

    return reply_limit(source)
