"""Reddit's per-stream cursor and its rate-limit budget (see sources/reddit.py for how they are used).

A stream's state is the newest created_utc seen, the fullnames seen at that second (so items
sharing a timestamp are neither lost nor repeated) and, for subreddit listings, the `before=`
fullname to page forward from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from monitor.clock import Clock
from sources.reddit_convert import Entry

MAX_IDS = 1000  # fullnames kept per stream for the newest second (far more than Reddit makes)


@dataclass(frozen=True)
class Stream:
    key: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    forward: bool = False  # page forward with before= (subreddit listings)


@dataclass(frozen=True)
class StreamState:
    newest: float | None = None
    ids: tuple[str, ...] = ()
    before: str | None = None

    @classmethod
    def load(cls, raw: Any) -> "StreamState":
        newest, ids, before = raw["newest"], raw["ids"], raw["before"]
        if newest is not None and (isinstance(newest, bool) or not isinstance(newest, (int, float))):
            raise ValueError("newest")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValueError("ids")
        if before is not None and not isinstance(before, str):
            raise ValueError("before")
        return cls(None if newest is None else float(newest), tuple(ids), before)

    def dump(self) -> dict[str, Any]:
        return {"newest": self.newest, "ids": list(self.ids), "before": self.before}

    def is_new(self, entry: Entry) -> bool:
        return (self.newest is None or entry.created_utc > self.newest
                or (entry.created_utc == self.newest and entry.fullname not in self.ids))

    def advanced(self, entries: list[Entry], before: str | None) -> "StreamState":
        newest = max([e.created_utc for e in entries] + ([self.newest] if self.newest is not None else []), default=None)
        ids = list(self.ids) if newest == self.newest else []
        ids += [e.fullname for e in entries if e.created_utc == newest and e.fullname not in ids]
        return StreamState(newest, tuple(ids[-MAX_IDS:]), before)


class Budget:
    """Reddit's rate-limit window as its last API answer described it (x-ratelimit-* headers)."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.remaining: float | None = None
        self.reset_at: datetime | None = None

    def update(self, headers: Mapping[str, str]) -> None:
        try:
            remaining, reset = float(headers["x-ratelimit-remaining"]), float(headers["x-ratelimit-reset"])
        except (KeyError, TypeError, ValueError):
            return
        self.remaining, self.reset_at = remaining, self.clock.now() + timedelta(seconds=reset)

    def spent(self, reserve: int) -> bool:
        """Fewer than `reserve` requests left, and the window has not reset since."""
        if self.remaining is None or self.reset_at is None or self.clock.now() >= self.reset_at:
            return False
        return self.remaining < reserve
