"""Negative spikes: many complaints in a short window raise one alert per window."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor.models import Alert, AlertKind
from monitor.store import Store


def check_spike(store: Store, now: datetime, *, count: int, minutes: int, desk_url: str) -> bool:
    """Queue a spike alert when at least `count` mentions needing a response arrived in the
    last `minutes`; the alert's key is the window, so one spike alerts once."""
    since = now - timedelta(minutes=minutes)
    seen = store.negatives_since(since)
    if seen < count:
        return False
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    window = int((now - epoch).total_seconds() // (minutes * 60))
    return store.outbox.enqueue(
        Alert(
            kind=AlertKind.SPIKE,
            title=f"Negative spike: {seen} complaints in the last {minutes} min",
            text=f"{seen} mentions needing a response since {since:%H:%M} UTC.",
            dedupe_key=f"spike:{window}",
            case_url=f"{desk_url.rstrip('/')}/queue",
        ),
        now,
    )
