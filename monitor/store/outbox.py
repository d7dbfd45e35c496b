"""The alert outbox: an alert is written in the same transaction as the change that caused it,
then delivered by `AlertDispatcher`. A delivery that fails is retried later, never lost, and the
unique `dedupe_key` makes each alert fire once even if the sweeper runs twice."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection, Engine

from monitor.models import Alert, AlertKind
from monitor.store import tables as t


def alert_to_payload(alert: Alert) -> dict[str, Any]:
    data = asdict(alert)
    data["kind"] = alert.kind.value
    data["deadline_at"] = alert.deadline_at.isoformat() if alert.deadline_at else None
    return data


def alert_from_payload(data: dict[str, Any]) -> Alert:
    data = dict(data)
    data["kind"] = AlertKind(data["kind"])
    if data.get("deadline_at"):
        data["deadline_at"] = datetime.fromisoformat(data["deadline_at"])
    return Alert(**data)


def enqueue(conn: Connection, alert: Alert, now: datetime) -> bool:
    """Queue an alert unless one with the same dedupe key exists; True when queued."""
    exists = conn.execute(
        select(t.alerts.c.id).where(t.alerts.c.dedupe_key == alert.dedupe_key)
    ).first()
    if exists:
        return False
    conn.execute(
        t.alerts.insert().values(
            dedupe_key=alert.dedupe_key,
            kind=alert.kind.value,
            payload=alert_to_payload(alert),
            created_at=now,
            attempts=0,
            next_attempt_at=now,
        )
    )
    return True


class Outbox:
    def __init__(self, engine: Engine):
        self.engine = engine

    def enqueue(self, alert: Alert, now: datetime) -> bool:
        with self.engine.begin() as conn:
            return enqueue(conn, alert, now)

    def due(self, now: datetime, limit: int = 50) -> list[tuple[int, int, Alert]]:
        """(id, attempts, alert) of undelivered alerts whose next attempt is due, oldest first."""
        q = (
            select(t.alerts.c.id, t.alerts.c.attempts, t.alerts.c.payload)
            .where(
                and_(
                    t.alerts.c.delivered_at.is_(None),
                    t.alerts.c.failed_at.is_(None),
                    t.alerts.c.next_attempt_at <= now,
                )
            )
            .order_by(t.alerts.c.next_attempt_at, t.alerts.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(r.id, r.attempts, alert_from_payload(r.payload)) for r in conn.execute(q)]

    def delivered(self, alert_id: int, now: datetime) -> None:
        self._update(alert_id, delivered_at=now, attempts=t.alerts.c.attempts + 1, last_error=None)

    def retry_later(self, alert_id: int, when: datetime, error: str) -> None:
        self._update(alert_id, next_attempt_at=when, attempts=t.alerts.c.attempts + 1, last_error=error)

    def failed(self, alert_id: int, now: datetime, error: str) -> None:
        self._update(alert_id, failed_at=now, attempts=t.alerts.c.attempts + 1, last_error=error)

    def postpone_all(self, until: datetime) -> None:
        """Hold every pending alert until `until` (after a rate limit, the channel is closed to all)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(t.alerts)
                .where(and_(t.alerts.c.delivered_at.is_(None), t.alerts.c.failed_at.is_(None),
                            t.alerts.c.next_attempt_at < until))
                .values(next_attempt_at=until)
            )

    def pending_count(self) -> int:
        q = select(t.alerts.c.id).where(
            and_(t.alerts.c.delivered_at.is_(None), t.alerts.c.failed_at.is_(None))
        )
        with self.engine.connect() as conn:
            return len(conn.execute(q).all())

    def all(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t.alerts).order_by(t.alerts.c.id))]

    def _update(self, alert_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.alerts).where(t.alerts.c.id == alert_id).values(**values))


def after(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)
