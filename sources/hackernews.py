"""Hacker News, through Algolia's public HN Search API: stories and comments that name the brand.

`search_by_date` returns hits newest first. Each keyword keeps the newest `created_at_i` seen
and the ids seen at that second; the next poll asks for `created_at_i>=` that second and drops
those ids, so hits posted in the same second as the last one seen are neither lost nor repeated
(a plain `>` would lose them). A sweep cut short by `max_pages` saves its page number and
resumes there next poll (new hits push older ones down a page: some are re-read, none skipped).

The API is public and needs no key. robots.txt governs crawling of web pages, not calls to a
documented API, so the session does not consult it (`obey_robots=False`); it still identifies
itself and waits its turn per host.
"""
from __future__ import annotations

import html as htmllib
import logging
import re
import warnings
from datetime import datetime
from typing import Any, ClassVar, Mapping

from pydantic import Field

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from sources.base import CheckResult, HttpUrl, Source, SourceSettings
from sources.errors import (
    MalformedPayload,
    NotConfigured,
    SourceError,
    TransientSourceError,
)
from sources.http import PoliteSession, utc_from_timestamp
from sources.streams import sweep_streams

log = logging.getLogger("replywatch.sources.hackernews")

MAX_TIMESTAMP = 253402300799  # 9999-12-31: anything later is not a real created_at_i


class HackerNewsSettings(SourceSettings):
    keywords: list[str] = Field(default_factory=list, description='Search terms, e.g. "acme" or "\\"acme cloud\\"".')
    tags: str = Field("(story,comment)", description="Algolia tags filter: (story,comment) = stories or comments.")
    base_url: HttpUrl = Field("https://hn.algolia.com/api/v1", description="HN Search API root (or a test server).")
    hits_per_page: int = Field(100, ge=1, le=1000, description="Hits per request (Algolia allows up to 1000).")
    max_pages: int = Field(5, ge=1, description="Pages per keyword per poll; the rest resumes next poll.")



class HackerNewsSource(Source):
    """Cursor: {keyword: {"since": created_at_i, "seen": [ids at since], "pending": {"page", "top", "top_seen"}}}."""

    name: ClassVar[str] = "hackernews"
    Settings: ClassVar[type[SourceSettings]] = HackerNewsSettings

    settings: HackerNewsSettings

    def __init__(self, settings: HackerNewsSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        if not settings.keywords:
            raise NotConfigured("hackernews: no keywords to search for (set keywords)")
        self.http = http if isinstance(http, PoliteSession) else PoliteSession(obey_robots=False)

    def check(self) -> CheckResult:
        keyword = self.settings.keywords[0]
        try:
            body = self._search(keyword, since=None, page=0, hits=1)
        except SourceError as exc:
            return CheckResult(False, str(exc))
        except Exception as exc:  # check never raises
            return CheckResult(False, f"hackernews: unexpected {type(exc).__name__}: {exc}")
        return CheckResult(True, f"hackernews: HN Search answered ({body.get('nbHits', '?')} items match {keyword!r})")

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        return sweep_streams(self.settings.keywords, cursor, self._sweep)

    def _sweep(self, keyword: str, state: dict[str, Any]) -> tuple[dict[str, Any], list[Mention], int]:
        since = _timestamp(state.get("since"))
        seen = {i for i in _ids(state.get("seen"))} if since is not None else set()
        pending = state.get("pending") if isinstance(state.get("pending"), Mapping) else {}
        page = pending.get("page") if isinstance(pending.get("page"), int) and pending.get("page") > 0 else 0
        top = _timestamp(pending.get("top")) if page else None
        top_seen = set(_ids(pending.get("top_seen"))) if top is not None else set()
        found: list[Mention] = []
        errors = pages = 0
        while True:
            body = self._search(keyword, since=since, page=page)
            hits = body["hits"]
            pages += 1
            for hit in hits:
                try:
                    mention = hit_mention(hit, fetched_at=self.clock.now())
                except MalformedPayload as exc:  # logged without the comment or the author
                    errors += 1
                    log.warning("%s", exc)
                    continue
                stamp = int(mention.created_at.timestamp())
                if since is not None and (stamp < since or (stamp == since and mention.external_id in seen)):
                    continue
                found.append(mention)
                if top is None or stamp > top:
                    top, top_seen = stamp, {mention.external_id}
                elif stamp == top:
                    top_seen.add(mention.external_id)
            last_page = not hits or page + 1 >= _int(body.get("nbPages"), default=0)
            if last_page or since is None:  # done, or a first poll: read the newest page, then settle
                if top is None or (since is not None and top < since):
                    return _state(since, seen), found, errors
                return _state(top, top_seen | (seen if top == since else set())), found, errors
            page += 1
            if pages >= self.settings.max_pages:
                resume = {"page": page, "top": top, "top_seen": sorted(top_seen)}
                return {**_state(since, seen), "pending": resume}, found, errors

    def _search(self, keyword: str, *, since: int | None, page: int, hits: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"query": keyword, "tags": self.settings.tags, "page": page,
                                  "hitsPerPage": hits or self.settings.hits_per_page}
        if since is not None:
            params["numericFilters"] = f"created_at_i>={since}"
        what = f"hackernews: search {keyword!r}"
        try:
            body = self.http.get_json(f"{self.settings.base_url}/search_by_date", what=what, params=params)
        except MalformedPayload as exc:
            raise TransientSourceError(str(exc)) from None
        if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
            raise TransientSourceError(f"{what}: the answer has no list of hits")
        return body


def hit_mention(hit: Any, *, fetched_at: datetime) -> Mention:
    """One Algolia hit (a story or a comment) as a Mention."""
    if not isinstance(hit, dict):
        raise MalformedPayload("hackernews: skipped a hit that is not a JSON object")
    object_id = hit.get("objectID")
    if not isinstance(object_id, str) or not object_id.isascii() or not object_id.isdigit():
        raise MalformedPayload("hackernews: skipped a hit without a numeric objectID")
    created = hit.get("created_at_i")
    if not isinstance(created, int) or isinstance(created, bool) or not 0 <= created <= MAX_TIMESTAMP:
        raise MalformedPayload(f"hackernews: skipped item {object_id}: no usable created_at_i")
    title = hit.get("title") or hit.get("story_title")
    body = hit.get("comment_text") or hit.get("story_text") or ""
    author = hit.get("author")
    if not isinstance(body, str) or not (title is None or isinstance(title, str)):
        raise MalformedPayload(f"hackernews: skipped item {object_id}: text or title is not a string")
    text = html_to_text(body) or (title or "").strip()
    if not text:
        raise MalformedPayload(f"hackernews: skipped item {object_id}: no text")
    return Mention(
        source="hackernews",
        external_id=object_id,
        text=text,
        title=title.strip() if title and title.strip() else None,
        created_at=utc_from_timestamp(created),
        url=f"https://news.ycombinator.com/item?id={object_id}",
        author=author if isinstance(author, str) and author else None,
        fetched_at=fetched_at,
        reply_to=object_id,
        raw={k: v for k, v in hit.items() if k != "_highlightResult"},  # highlights only repeat the text
    )


def html_to_text(markup: str) -> str:
    """The visible text of an HTML fragment (HN and Mastodon send HTML): paragraphs and breaks kept.

    Shared with sources.mastodon until a common text helper exists.
    """
    if not markup:
        return ""
    if "<" not in markup:
        return htmllib.unescape(markup).strip()
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "pre", "blockquote", "li", "div"]):
        block.insert_before("\n\n")
    text = re.sub(r"[ \t]+\n", "\n", soup.get_text())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _state(since: int | None, seen: set[str]) -> dict[str, Any]:
    return {"since": since, "seen": sorted(seen)} if since is not None else {}


def _timestamp(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TIMESTAMP else None


def _ids(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _int(value: Any, *, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
