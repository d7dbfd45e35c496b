"""A built-in source of invented reviews and posts, released a few at a time.

It lets someone watch the whole loop (poll, judge, draft, approve, alert) without any
platform credentials. The sample set lives in `demo_data.json` beside this module: about a
third of it is released on the first poll, the rest over `release_seconds`. Each item's
`offset_seconds` is on the data's own time scale (its largest offset), stretched or squeezed
to `release_seconds`.

The data's `language` and `expect` fields are the expected answers, for tests and docs; they
stay in `Mention.raw` only, so the real language detector and judge are exercised.
"""
from __future__ import annotations

import bisect
import copy
import json
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, ClassVar, Mapping

from pydantic import Field

from monitor.clock import Clock, utc
from monitor.models import FetchResult, Mention
from sources.base import CheckResult, Source, SourceSettings
from sources.errors import SourceConfigError

DATA_FILE = "demo_data.json"


def load_items() -> list[dict[str, Any]]:
    """The sample set, in release order (by offset, then id)."""
    text = resources.files("sources").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return sorted(json.loads(text), key=lambda item: (item["offset_seconds"], item["id"]))


class DemoSettings(SourceSettings):
    interval_seconds: float = Field(10, gt=0, description="Seconds between polls.")
    release_seconds: float = Field(
        180,
        ge=0,
        allow_inf_nan=False,
        description="Seconds over which the sample set is released (0: all on the first poll).",
    )


class DemoSource(Source):
    """Cursor: {"started_at": ISO 8601 of the first poll, "released": items handed out so far}."""

    name: ClassVar[str] = "demo"
    Settings: ClassVar[type[SourceSettings]] = DemoSettings

    settings: DemoSettings

    def __init__(self, settings: DemoSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.items = load_items()
        span = max((item["offset_seconds"] for item in self.items), default=0) or 1
        release = self.settings.release_seconds
        self.release_at = [item["offset_seconds"] * release / span for item in self.items]

    def check(self) -> CheckResult:
        return CheckResult(
            True,
            f"demo: {len(self.items)} sample mentions, "
            f"released over {self.settings.release_seconds:g} s",
        )

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        now = utc(self.clock.now())
        started_at, released = self._read_cursor(cursor) if cursor else (now, 0)
        elapsed = (now - started_at).total_seconds()
        due = max(released, bisect.bisect_right(self.release_at, elapsed))
        mentions = [
            self._mention(item, started_at + timedelta(seconds=self.release_at[i]), now)
            for i, item in enumerate(self.items[released:due], start=released)
        ]
        return FetchResult(mentions, {"started_at": started_at.isoformat(), "released": due})

    def _mention(self, item: Mapping[str, Any], created_at: datetime, now: datetime) -> Mention:
        return Mention(
            source=self.name,
            external_id=item["id"],
            text=item["text"],
            created_at=created_at,
            url=item["url"],
            author=item["author"],
            author_reach=item["author_reach"],
            title=item["title"],
            rating=item["rating"],
            fetched_at=now,
            raw=copy.deepcopy(item),
        )

    @staticmethod
    def _read_cursor(cursor: Mapping[str, Any]) -> tuple[datetime, int]:
        try:
            started_at = utc(datetime.fromisoformat(cursor["started_at"]))
            released = cursor["released"]
            if isinstance(released, bool) or not isinstance(released, int) or released < 0:
                raise ValueError(f"released={released!r}")
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceConfigError(f"demo: unreadable cursor {dict(cursor)!r} ({exc})") from None
        return started_at, released
