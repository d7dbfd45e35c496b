"""Where alerts go: the `AlertSink` interface, its delivery error, and the log fallback.

A sink delivers one alert or raises `AlertDeliveryError`; it never sleeps and never retries.
The caller (the store's outbox) reschedules a transient failure at
`now + next_attempt_delay(...)` and marks a permanent one failed.
"""
from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from monitor.models import Alert

ALERT_LOGGER = "replywatch.alerts"


class AlertDeliveryError(Exception):
    """An alert could not be delivered.

    `retry_after`: seconds the receiver asked us to wait (Slack's Retry-After), if it said.
    `permanent`: retrying the same alert cannot succeed until a human acts (bad token,
    channel gone, payload refused); otherwise the failure is transient.
    The message never contains a secret.
    """

    def __init__(self, message: str, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


@runtime_checkable
class AlertSink(Protocol):
    def send(self, alert: Alert) -> None:
        """Deliver `alert`, or raise `AlertDeliveryError`."""


class LogSink:
    """Writes each alert as one readable line to the `replywatch.alerts` logger.

    Used when Slack is not configured, so alerts are still seen somewhere. The customer's
    words are collapsed to one line and clipped: they cannot forge further log lines.
    """

    def __init__(self, logger: logging.Logger | None = None, *, text_chars: int = 200):
        self.logger = logger or logging.getLogger(ALERT_LOGGER)
        self.text_chars = text_chars

    def send(self, alert: Alert) -> None:
        parts = [f"[{alert.kind.value}] {_one_line(alert.title)}"]
        for name in ("source", "author", "language", "urgency", "deadline_at", "url", "case_url"):
            value = getattr(alert, name)
            if value is not None and value != "":
                shown = value.isoformat() if name == "deadline_at" else _one_line(str(value))
                parts.append(f"{name.removesuffix('_at')}={shown}")
        if alert.text:
            parts.append(f"text={_clip(_one_line(alert.text), self.text_chars)!r}")
        self.logger.warning("alert %s", " ".join(parts))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
