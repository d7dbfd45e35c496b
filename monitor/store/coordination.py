"""Cursors, poll leases and source health: what lets polls resume, never overlap, and report.

A lease is a row with an expiry, taken by an atomic conditional UPDATE, so two cron runs (or a
cron run and the daemon) cannot poll the same source at once, on SQLite or PostgreSQL alike.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from monitor.store import tables as t


def save_cursor(conn: Connection, source: str, value: Any, now: datetime) -> None:
    done = conn.execute(
        update(t.cursors).where(t.cursors.c.source == source).values(value=value, updated_at=now)
    )
    if done.rowcount == 0:
        conn.execute(t.cursors.insert().values(source=source, value=value, updated_at=now))


class Cursors:
    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, source: str) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.cursors.c.value).where(t.cursors.c.source == source)).first()
        return row.value if row else None

    def set(self, source: str, value: Any, now: datetime) -> None:
        with self.engine.begin() as conn:
            save_cursor(conn, source, value, now)


class Leases:
    def __init__(self, engine: Engine):
        self.engine = engine

    def acquire(self, name: str, holder: str, now: datetime, ttl_seconds: float, *,
                stale: Callable[[str], bool] | None = None) -> bool:
        """Take the lease if it is free, expired, ours, or held by a process `stale` says is dead."""
        expires = now + timedelta(seconds=ttl_seconds)
        if stale is not None:
            current = self.holder(name, now)
            if current and current != holder and stale(current):
                with self.engine.begin() as conn:
                    conn.execute(t.leases.delete().where(and_(t.leases.c.name == name, t.leases.c.holder == current)))
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(t.leases)
                .where(and_(t.leases.c.name == name, or_(t.leases.c.expires_at <= now, t.leases.c.holder == holder)))
                .values(holder=holder, expires_at=expires)
            )
            if taken.rowcount:
                return True
        try:
            with self.engine.begin() as conn:
                conn.execute(t.leases.insert().values(name=name, holder=holder, expires_at=expires))
            return True
        except IntegrityError:
            return False  # someone else holds it and it has not expired

    def release(self, name: str, holder: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.leases.delete().where(and_(t.leases.c.name == name, t.leases.c.holder == holder)))

    def holder(self, name: str, now: datetime) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.leases.c.holder).where(and_(t.leases.c.name == name, t.leases.c.expires_at > now))
            ).first()
        return row.holder if row else None


class Health:
    """The last known state of each source (ok / failing / paused), for `check`, alerts and back-off."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, source: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.source_health).where(t.source_health.c.source == source)).first()
        return dict(row._mapping) if row else None

    def all(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t.source_health).order_by(t.source_health.c.source))]

    def put(self, source: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(update(t.source_health).where(t.source_health.c.source == source).values(**values))
            if done.rowcount == 0:
                conn.execute(t.source_health.insert().values(source=source, **values))
