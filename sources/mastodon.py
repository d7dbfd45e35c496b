"""Mastodon (one instance's view of the fediverse): hashtag timelines and keyword search.

Hashtag timelines (`/api/v1/timelines/tag/:tag`) are public on most instances. They are read
forward with `min_id`, which returns the statuses immediately newer than it, so paging walks
from the last status seen towards now and nothing in between is skipped. A first poll reads
the newest page only.

Keyword search (`/api/v2/search?type=statuses`) needs an access token, and finds only what the
instance's full-text search covers (Mastodon 4.2+: public posts of accounts that opted in to
search, plus posts the token's account interacted with). Results come newest first with
`offset` paging, so each keyword keeps the newest id seen, pages down to it, and saves its place
(`pending`) when `max_pages` cuts a sweep short.

Status ids are local to the instance, so `external_id` is the status `uri` (ActivityPub, the
same on every instance) and `reply_to` the local id a reply will need. Mastodon answers a
spent rate limit with 429 and an ISO-8601 `X-RateLimit-Reset` (no Retry-After); we read it
from the last response through a requests hook. robots.txt governs page crawlers, not a
documented API, so it is not consulted (`obey_robots=False`).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, ClassVar, Mapping
from urllib.parse import quote, urlsplit

import requests
from pydantic import Field, field_validator

from monitor.clock import Clock, utc
from monitor.models import FetchResult, Mention
from monitor.secrets import Secret, mask
from sources.base import CheckResult, HttpUrl, Source, SourceSettings
from sources.errors import (
    MalformedPayload,
    NotConfigured,
    SourceError,
    TransientSourceError,
)
from sources.hackernews import html_to_text
from sources.http import PoliteSession
from sources.streams import sweep_streams

log = logging.getLogger("replywatch.sources.mastodon")


class MastodonSettings(SourceSettings):
    base_url: HttpUrl = Field(..., description="The instance, e.g. https://mastodon.social.")
    access_token: Secret | None = Field(None, description="Token of an app on the instance (needed for keywords).")
    hashtags: list[str] = Field(default_factory=list, description="Hashtags to follow, without #.")
    keywords: list[str] = Field(default_factory=list, description="Full-text search terms (needs access_token).")
    limit: int = Field(40, ge=1, le=40, description="Statuses per request (Mastodon allows up to 40).")
    max_pages: int = Field(5, ge=1, description="Pages per stream per poll; the rest resumes next poll.")


    @field_validator("hashtags")
    @classmethod
    def _no_hash(cls, value: list[str]) -> list[str]:
        return [tag.lstrip("#") for tag in value]


class MastodonSource(Source):
    """Cursor: {"tag:<t>": {"min_id"}, "search:<q>": {"since_id", "pending": {"offset", "top"}}}."""

    name: ClassVar[str] = "mastodon"
    Settings: ClassVar[type[SourceSettings]] = MastodonSettings

    settings: MastodonSettings

    def __init__(self, settings: MastodonSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        if not settings.hashtags and not settings.keywords:
            raise NotConfigured("mastodon: nothing to watch (set hashtags or keywords)")
        token = settings.access_token
        if settings.keywords and (token is None or not token.is_set()):
            where = f" (environment variable {token.env} is not set)" if token else ""
            raise NotConfigured(f"mastodon: keyword search needs an access token{where}")
        self.http = http if isinstance(http, PoliteSession) else PoliteSession(obey_robots=False)
        self.host = urlsplit(settings.base_url).netloc
        self._last: requests.Response | None = None

    def check(self) -> CheckResult:
        stream = f"search:{self.settings.keywords[0]}" if self.settings.keywords else f"tag:{self.settings.hashtags[0]}"
        try:
            self._get(stream, {"limit": 1})
        except SourceError as exc:
            return CheckResult(False, str(exc))
        except Exception as exc:  # check never raises
            return CheckResult(False, self._mask(f"mastodon: unexpected {type(exc).__name__}: {exc}"))
        return CheckResult(True, f"mastodon: {self.host} answered the {stream.replace(':', ' ', 1)}")

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        streams = [f"tag:{t}" for t in self.settings.hashtags] + [f"search:{q}" for q in self.settings.keywords]
        return sweep_streams(streams, cursor, self._sweep)

    def _sweep(self, stream: str, state: dict[str, Any]) -> tuple[dict[str, Any], list[Mention], int]:
        return (self._tag if stream.startswith("tag:") else self._search)(stream, state)

    # -- the two kinds of stream ------------------------------------------------------------

    def _tag(self, stream: str, state: dict[str, Any]) -> tuple[dict[str, Any], list[Mention], int]:
        min_id = _status_id(state.get("min_id"))
        found: list[Mention] = []
        errors = 0
        for _ in range(self.settings.max_pages):
            params: dict[str, Any] = {"limit": self.settings.limit}
            if min_id:
                params["min_id"] = min_id
            statuses = self._get(stream, params)
            page, bad, newest, _ = self._convert(statuses)
            found += page
            errors += bad
            min_id = _newer(min_id, newest)
            if len(statuses) < self.settings.limit or "min_id" not in params:
                break  # caught up with now, or a first poll (newest page only)
        return ({"min_id": min_id} if min_id else {}), found, errors

    def _search(self, stream: str, state: dict[str, Any]) -> tuple[dict[str, Any], list[Mention], int]:
        since = _status_id(state.get("since_id"))
        pending = state.get("pending") if isinstance(state.get("pending"), Mapping) else {}
        offset = pending.get("offset") if isinstance(pending.get("offset"), int) and pending.get("offset") > 0 else 0
        top = _status_id(pending.get("top")) if offset else None
        found: list[Mention] = []
        errors = 0
        for _ in range(self.settings.max_pages):
            params: dict[str, Any] = {"limit": self.settings.limit, "offset": offset}
            if since:
                params["min_id"] = since  # a hint only: Mastodon turns it into a coarse date filter
            statuses = self._get(stream, params)
            page, bad, newest, reached = self._convert(statuses, newer_than=since)
            found += page
            errors += bad
            top = _newer(top, newest)
            if since is None or reached or len(statuses) < self.settings.limit:  # first poll, or caught up
                return ({"since_id": _newer(since, top)} if _newer(since, top) else {}), found, errors
            offset += len(statuses)
        return {"since_id": since, "pending": {"offset": offset, "top": top}}, found, errors

    # -- HTTP and conversion ----------------------------------------------------------------

    def _get(self, stream: str, params: dict[str, Any]) -> list[Any]:
        kind, _, arg = stream.partition(":")
        if kind == "tag":
            url, what = f"{self.settings.base_url}/api/v1/timelines/tag/{quote(arg, safe='')}", f"mastodon: #{arg}"
        else:
            url, what = f"{self.settings.base_url}/api/v2/search", f"mastodon: search {arg!r}"
            params = {"q": arg, "type": "statuses", "resolve": "false", **params}
        headers = {}
        if self.settings.access_token is not None and self.settings.access_token.is_set():
            headers["Authorization"] = f"Bearer {self.settings.access_token.get()}"
        self._last = None
        try:
            body = self.http.get_json(url, what=what, params=params, headers=headers,
                                      hooks={"response": self._remember})
        except MalformedPayload as exc:
            raise TransientSourceError(str(exc)) from None
        except TransientSourceError as exc:
            if exc.retry_after is None and self._last is not None and self._last.status_code == 429:
                raise TransientSourceError(str(exc), retry_after=self._reset_delay(self._last)) from None
            raise
        if kind == "search":
            body = body.get("statuses") if isinstance(body, dict) else None
        if not isinstance(body, list):
            raise TransientSourceError(f"{what}: the answer is not a list of statuses")
        return body

    def _convert(self, statuses: list[Any], *,
                 newer_than: str | None = None) -> tuple[list[Mention], int, str | None, bool]:
        """Mentions, malformed statuses skipped, the newest local id, and whether the page reached `newer_than`."""
        mentions, errors, newest, reached = [], 0, None, False
        for status in statuses:
            local_id = _status_id(status.get("id")) if isinstance(status, dict) else None
            if newer_than and local_id and _key(local_id) <= _key(newer_than):
                reached = True
                continue
            newest = _newer(newest, local_id)
            if isinstance(status, dict) and status.get("reblog") is not None:
                continue  # a boost repeats someone's post; search and tag timelines show the original
            try:
                mentions.append(status_mention(status, host=self.host, fetched_at=self.clock.now()))
            except MalformedPayload as exc:  # logged without the post or its author
                errors += 1
                log.warning("%s", exc)
        return mentions, errors, newest, reached

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last = response

    def _reset_delay(self, response: requests.Response) -> float | None:
        """Mastodon's X-RateLimit-Reset is an ISO-8601 time, not seconds."""
        try:
            reset = utc(datetime.fromisoformat(response.headers.get("X-RateLimit-Reset", "")))
        except ValueError:
            return None
        return max(0.0, (reset - self.clock.now()).total_seconds())

    def _mask(self, text: str) -> str:
        return mask(text, [self.settings.access_token] if self.settings.access_token else [])


def status_mention(status: Any, *, host: str, fetched_at: datetime) -> Mention:
    """One Mastodon Status entity as a Mention."""
    if not isinstance(status, dict):
        raise MalformedPayload("mastodon: skipped a status that is not a JSON object")
    local_id, uri = _status_id(status.get("id")), status.get("uri")
    if local_id is None or not isinstance(uri, str) or not uri:
        raise MalformedPayload("mastodon: skipped a status without an id or uri")
    content, spoiler = status.get("content"), status.get("spoiler_text") or ""
    if not isinstance(content, str) or not isinstance(spoiler, str):
        raise MalformedPayload(f"mastodon: skipped status {local_id}: content is not a string")
    text = html_to_text(content)
    if not text:
        raise MalformedPayload(f"mastodon: skipped status {local_id}: no text")
    try:
        created_at = utc(datetime.fromisoformat(status.get("created_at")))
    except (TypeError, ValueError):
        raise MalformedPayload(f"mastodon: skipped status {local_id}: unreadable created_at") from None
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    acct = account.get("acct")
    author = (f"@{acct}" if "@" in acct else f"@{acct}@{host}") if isinstance(acct, str) and acct else None
    reach = account.get("followers_count")
    language = status.get("language")
    url = status.get("url") if isinstance(status.get("url"), str) and status.get("url") else uri
    return Mention(
        source="mastodon",
        external_id=uri,
        text=text,
        title=spoiler.strip() or None,  # the content warning
        created_at=created_at,
        url=url,
        author=author,
        author_reach=reach if isinstance(reach, int) and not isinstance(reach, bool) and reach >= 0 else None,
        language=language if isinstance(language, str) and language else None,
        fetched_at=fetched_at,
        reply_to=local_id,
        raw=status,
    )


def _status_id(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) < 40 and value.isascii() and value.isalnum() else None


def _key(status_id: str | None) -> tuple[int, str]:
    """Order of ids: Mastodon's are numbers in strings (a longer one is newer); others sort as text."""
    return (len(status_id), status_id) if status_id and status_id.isdigit() else (0, status_id or "")


def _newer(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if _key(a) >= _key(b) else b
