"""Any RSS or Atom feed: each entry becomes a mention.

The feed is fetched through the polite session (robots.txt obeyed) and parsed by feedparser from
the downloaded bytes (feedparser never fetches anything itself). An entry's id is its guid / Atom
id, else its link; its time is `published`, else `updated`. A feed is read whole each poll, so
new entries are picked by the watermark (newest time + the ids seen at it), which keeps entries
sharing a timestamp. Entries without any date are remembered by id instead (the last 1,000).
"""
from __future__ import annotations

import calendar
import io
import logging
from datetime import datetime, timezone
from typing import Any, ClassVar, Mapping

from bs4 import BeautifulSoup
from pydantic import Field

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from sources.base import CheckResult, Source
from sources.errors import MalformedPayload
from sources.review_cursor import (Review, UndatedIds, Watermark, read_marks, read_undated, select_new,
                                   write_cursor)
from sources.review_fields import BadField, SKIPPABLE, clean, ident, parse_each
from sources.review_http import HttpSettings, HttpUrl, checked, polite_session

log = logging.getLogger("replywatch.sources")


class FeedSettings(HttpSettings):
    urls: list[HttpUrl] = Field(..., min_length=1, description="RSS or Atom feed addresses to watch.")


class FeedSource(Source):
    """Cursor: {"marks": {<feed url>: watermark}, "undated": {<feed url>: [ids]}}."""

    name: ClassVar[str] = "feed"
    Settings: ClassVar[type[HttpSettings]] = FeedSettings

    settings: FeedSettings

    def __init__(self, settings: FeedSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.session = polite_session(settings, http, obey_robots=True)

    def check(self) -> CheckResult:
        def probe() -> str:
            counts = []
            for url in self.settings.urls:
                dated, undated, _ = self._read(url)
                counts.append(f"{url}: {len(dated) + len(undated)}")
            return "entries in each feed, " + ", ".join(counts)
        return checked(self.name, probe)

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        marks = read_marks(cursor, what=self.name)
        undated = read_undated(cursor, what=self.name)
        mentions: list[Mention] = []
        errors = 0
        for url in self.settings.urls:
            try:
                dated, plain, bad = self._read(url)
            except MalformedPayload as exc:
                errors += 1
                log.warning("feed: skipped an unreadable feed %s: %s", url, exc)
                continue
            new, marks[url] = select_new(dated, marks.get(url, Watermark()))
            seen = UndatedIds(undated.get(url, []))
            new += seen.fresh(plain)
            undated[url] = seen.ids
            mentions += new
            errors += bad
        return FetchResult(mentions, write_cursor(marks, {k: v for k, v in undated.items() if v}), errors=errors)

    def _read(self, url: str) -> tuple[list[Review], list[Mention], int]:
        response = self.session.get(url, what=f"feed {url}")
        return parse_feed(response.content, url=url, content_type=response.headers.get("Content-Type"),
                          clock=self.clock)


def parse_feed(content: bytes, *, url: str, content_type: str | None = None,
               clock: Clock) -> tuple[list[Review], list[Mention], int]:
    """(dated entries, undated entries, malformed entries skipped)."""
    import feedparser

    headers = {"content-location": url, **({"content-type": content_type} if content_type else {})}
    try:
        # A file object, never bytes or str: given a string, feedparser would open it as a URL or path.
        parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
    except SKIPPABLE as exc:
        raise MalformedPayload(f"feed {url}: unreadable ({type(exc).__name__})") from None
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise MalformedPayload(f"feed {url}: not a readable RSS or Atom feed")
    language = parsed.feed.get("language") if isinstance(parsed.feed.get("language"), str) else None
    entries, errors = parse_each(parsed.entries, lambda e: parse_entry(e, url=url, language=language, clock=clock),
                                 what=f"feed {url}")
    dated = [Review(m, m.created_at) for m, has_date in entries if has_date]
    return dated, [m for m, has_date in entries if not has_date], errors


def parse_entry(entry: Any, *, url: str, language: str | None, clock: Clock) -> tuple[Mention, bool]:
    entry_id = entry.get("id") or entry.get("link")
    if not entry_id:
        raise BadField("entry: neither id/guid nor link")
    # dict.get: feedparser's own .get would map a missing `updated` to `published`, with a warning
    when = _time(dict.get(entry, "published_parsed")) or _time(dict.get(entry, "updated_parsed"))
    detail = entry.get("content", [None])[0] if entry.get("content") else entry.get("summary_detail")
    text = _text(detail) if detail else ""
    title = _text(entry.get("title_detail")) if entry.get("title_detail") else None
    lang = (detail or {}).get("language") or language
    raw = {key: _plain(dict.get(entry, key)) for key in ("id", "link", "title", "summary", "published", "updated", "author")}
    mention = Mention(
        source="feed",
        external_id=ident(entry_id),
        text=text,
        created_at=when or clock.now(),
        url=_plain(entry.get("link")),
        author=_plain(entry.get("author")),
        title=title or None,
        language=lang if isinstance(lang, str) and lang else None,
        fetched_at=clock.now(),
        raw={"feed": url, **raw},
    )
    return mention, when is not None


def _time(parsed: Any) -> datetime | None:
    """feedparser's struct_time (UTC) as an aware datetime; None when absent or impossible."""
    if parsed is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _text(detail: Any) -> str:
    value = detail.get("value") if isinstance(detail, Mapping) else None
    if not isinstance(value, str):
        return ""
    if "html" in str(detail.get("type", "")):
        value = BeautifulSoup(value, "html.parser").get_text(" ", strip=True)
    return clean(value).strip()


def _plain(value: Any) -> str | None:
    return clean(value) if isinstance(value, str) else None
