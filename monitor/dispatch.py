"""Delivering queued alerts: what could not be delivered is retried later, never lost."""
from __future__ import annotations

import logging
from datetime import timedelta

from monitor.alerts import AlertDeliveryError, AlertSink, next_attempt_delay
from monitor.clock import Clock
from monitor.store.outbox import Outbox

log = logging.getLogger("replywatch.alerts")


class AlertDispatcher:
    def __init__(self, outbox: Outbox, sink: AlertSink, clock: Clock, *, retry_seconds: float = 30):
        self.outbox = outbox
        self.sink = sink
        self.clock = clock
        self.retry_seconds = retry_seconds

    def flush(self, limit: int = 50) -> int:
        """Send the due alerts; returns how many were delivered.

        After a rate limit every pending alert waits for Retry-After: hammering a 429 helps nobody.
        """
        delivered = 0
        for alert_id, attempts, alert in self.outbox.due(self.clock.now(), limit):
            now = self.clock.now()
            try:
                self.sink.send(alert)
            except AlertDeliveryError as exc:
                if exc.permanent:
                    log.error("alert %s (%s) cannot be delivered: %s", alert_id, alert.kind.value, exc)
                    self.outbox.failed(alert_id, now, str(exc))
                    continue
                delay = next_attempt_delay(attempts + 1, exc.retry_after, self.retry_seconds)
                log.warning("alert %s not delivered (%s); retry in %.0f s", alert_id, exc, delay)
                self.outbox.retry_later(alert_id, now + timedelta(seconds=delay), str(exc))
                if exc.retry_after:
                    self.outbox.postpone_all(now + timedelta(seconds=exc.retry_after))
                    break
                continue
            self.outbox.delivered(alert_id, now)
            delivered += 1
        return delivered
