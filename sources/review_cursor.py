"""Newest first until the cursor: the incremental read every review source shares.

A review site lists reviews newest first, a page at a time. The saved cursor is a `Watermark`:
the newest timestamp stored so far plus the ids seen at exactly that timestamp. A review is
already known when it is older than the watermark, or as old and one of its ids. So reviews
sharing a timestamp are never lost (a newcomer at the same second is not in the ids) and never
stored twice (the ones seen are).

Reading stops after the first page that holds an already-known review: that page is read to its
end (sites are not always strictly sorted within a page), the next one is not fetched.

Cursor JSON, one watermark per watched thing (a domain, a country, a location, a feed URL):
    {"marks": {"us": {"newest": "2022-03-03T02:05:59+00:00", "ids": ["8414391645"]}}}
Sources that also see undated items (feeds, pages) keep their ids, newest first and bounded,
under "undated": {key: [id, ...]}.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Mapping

from monitor.clock import utc
from monitor.models import Mention
from sources.errors import MalformedPayload, SourceConfigError

log = logging.getLogger("replywatch.sources")

UNDATED_KEPT = 1000


@dataclass(frozen=True)
class Watermark:
    newest: datetime | None = None
    ids: frozenset[str] = frozenset()

    def has_seen(self, when: datetime, item_id: str) -> bool:
        if self.newest is None:
            return False
        return when < self.newest or (when == self.newest and item_id in self.ids)

    def after(self, items: Iterable[tuple[datetime, str]]) -> "Watermark":
        """The watermark once `items` (timestamp, id) are stored too."""
        newest, ids = self.newest, set(self.ids)
        for when, item_id in items:
            if newest is None or when > newest:
                newest, ids = when, {item_id}
            elif when == newest:
                ids.add(item_id)
        return Watermark(newest, frozenset(ids))

    def to_json(self) -> dict[str, Any]:
        return {"newest": self.newest.isoformat() if self.newest else None, "ids": sorted(self.ids)}

    @classmethod
    def from_json(cls, data: Any, *, what: str) -> "Watermark":
        try:
            newest = data["newest"]
            ids = data["ids"]
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise ValueError("ids must be a list of strings")
            when = utc(datetime.fromisoformat(newest)) if newest is not None else None
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceConfigError(f"{what}: unreadable cursor ({exc})") from None
        return cls(when, frozenset(ids))


@dataclass(frozen=True)
class Review:
    """A parsed item and the time the site sorts it by (usually its creation time)."""

    mention: Mention
    at: datetime

    @classmethod
    def of(cls, mention: Mention) -> "Review":
        return cls(mention, mention.created_at)


@dataclass
class Page:
    reviews: list[Review]
    errors: int = 0  # malformed items skipped on this page
    last_page: int | None = None  # the number of the site's last page, when the page says


@dataclass
class Walk:
    mentions: list[Mention]
    mark: Watermark
    errors: int = 0
    pages: int = 0


def read_newest_first(pages: Iterator[Page], mark: Watermark, *, what: str) -> Walk:
    """Consume pages until one holds an already-known review, a page is empty, or pages run out.

    `pages` fetches lazily (a generator), so pages past the stop are never requested. A page that
    cannot be parsed at all (MalformedPayload) is counted as one error and ends the read.
    """
    walk = Walk([], mark)
    taken: set[str] = set()
    fresh: list[Review] = []
    try:
        while True:
            try:
                page = next(pages)
            except StopIteration:
                break
            except MalformedPayload as exc:
                log.warning("%s: skipped an unreadable page: %s", what, exc)
                walk.errors += 1
                break
            walk.pages += 1
            walk.errors += page.errors
            reached = _take(page.reviews, mark, taken, fresh)
            if reached or not page.reviews:
                break
    finally:
        close = getattr(pages, "close", None)
        if close:
            close()
    walk.mentions = [review.mention for review in fresh]
    walk.mark = mark.after((review.at, review.mention.external_id) for review in fresh)
    return walk


def select_new(reviews: list[Review], mark: Watermark) -> tuple[list[Mention], Watermark]:
    """For a source that reads a whole document each time (a feed, a page): the unseen items."""
    fresh: list[Review] = []
    _take(reviews, mark, set(), fresh)
    return [r.mention for r in fresh], mark.after((r.at, r.mention.external_id) for r in fresh)


def _take(reviews: list[Review], mark: Watermark, taken: set[str], fresh: list[Review]) -> bool:
    reached = False
    for review in reviews:
        item_id = review.mention.external_id
        if mark.has_seen(review.at, item_id):
            reached = True
        elif item_id not in taken:
            taken.add(item_id)
            fresh.append(review)
    return reached


def read_marks(cursor: Mapping[str, Any] | None, *, what: str) -> dict[str, Watermark]:
    if not cursor:
        return {}
    marks = cursor.get("marks") if isinstance(cursor, Mapping) else None
    if not isinstance(marks, Mapping):
        raise SourceConfigError(f"{what}: unreadable cursor (no 'marks')")
    return {str(key): Watermark.from_json(value, what=what) for key, value in marks.items()}


def read_undated(cursor: Mapping[str, Any] | None, *, what: str) -> dict[str, list[str]]:
    undated = (cursor or {}).get("undated", {})
    if not isinstance(undated, Mapping) or not all(
        isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in undated.values()
    ):
        raise SourceConfigError(f"{what}: unreadable cursor ('undated' must map keys to id lists)")
    return {str(key): list(ids) for key, ids in undated.items()}


def write_cursor(marks: Mapping[str, Watermark], undated: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    cursor: dict[str, Any] = {"marks": {key: mark.to_json() for key, mark in marks.items()}}
    if undated:
        cursor["undated"] = {key: ids[:UNDATED_KEPT] for key, ids in undated.items()}
    return cursor


@dataclass
class UndatedIds:
    """Ids of items that carry no date, newest first and bounded, for sources that meet them."""

    ids: list[str] = field(default_factory=list)

    def fresh(self, mentions: list[Mention]) -> list[Mention]:
        known, out = set(self.ids), []
        for mention in mentions:
            if mention.external_id not in known:
                known.add(mention.external_id)
                out.append(mention)
        self.ids = [m.external_id for m in out] + self.ids
        del self.ids[UNDATED_KEPT:]
        return out
