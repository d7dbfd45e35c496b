"""The database schema: one place for every table.

SQLAlchemy Core over SQLite (default) or PostgreSQL. Times are stored as UTC and always come
back timezone-aware, whatever the dialect does with time zones.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite drops the zone otherwise)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


metadata = MetaData()

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(64), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("url", Text),
    Column("author", String(255)),
    Column("author_reach", Integer),
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("rating", Integer),
    Column("language", String(16)),
    Column("reply_to", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("raw", JSON),
    UniqueConstraint("source", "external_id", name="uq_mentions_source_external_id"),
    Index("ix_mentions_author", "author"),
    Index("ix_mentions_created_at", "created_at"),
)

judgements = Table(
    "judgements",
    metadata,
    Column("mention_id", Integer, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    Column("label", String(16)),
    Column("scores", JSON, nullable=False),
    Column("needs_response", Boolean, nullable=False),
    Column("language", String(16)),
    Column("covered", Boolean, nullable=False),
    Column("model", String(255), nullable=False),
    Column("category", String(32), nullable=False),
    Column("urgency", Integer, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("judged_at", UTCDateTime, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mention_id", Integer, ForeignKey("mentions.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("state", String(32), nullable=False),
    Column("deadline_at", UTCDateTime),  # None for triage cases with no rating-based need
    Column("found_at", UTCDateTime, nullable=False),
    Column("warned_at", UTCDateTime),
    Column("breached_at", UTCDateTime),
    Column("responded_at", UTCDateTime),  # when the team answered (approval)
    Column("posted_at", UTCDateTime),
    Column("posted_ref", Text),  # the platform's id or link of our reply
    Column("post_attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_cases_state_deadline", "state", "deadline_at"),
)

drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("template", String(128), nullable=False),
    Column("language", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_text", Text),
    Column("decision", String(16)),  # approved | rejected | None
    Column("decided_by", String(255)),
    Column("decided_at", UTCDateTime),
    Column("reason", Text),
    Index("ix_drafts_case", "case_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(255), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("case_id", Integer),
    Column("mention_id", Integer),
    Column("detail", JSON, nullable=False),
    Index("ix_events_case", "case_id"),
)

cursors = Table(
    "cursors",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("value", JSON),
    Column("updated_at", UTCDateTime, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dedupe_key", String(255), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Column("failed_at", UTCDateTime),
    Column("last_error", Text),
    Index("ix_alerts_pending", "delivered_at", "failed_at", "next_attempt_at"),
)

source_health = Table(
    "source_health",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("state", String(16), nullable=False),  # ok | failing | paused
    Column("detail", Text),
    Column("since", UTCDateTime, nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("retry_at", UTCDateTime),
    Column("last_poll_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
)

__all__ = [
    "metadata", "mentions", "judgements", "cases", "drafts", "events", "cursors", "leases",
    "alerts", "source_health", "UTCDateTime", "Float",
]
