"""Persistence: SQLAlchemy Core over SQLite (default) or PostgreSQL."""
from monitor.store.records import CaseView, DraftView
from monitor.store.store import IngestResult, Record, Store, TransitionError

__all__ = ["Store", "Record", "IngestResult", "TransitionError", "CaseView", "DraftView"]
