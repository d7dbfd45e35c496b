"""Bluesky post search (`app.bsky.feed.searchPosts`, sort=latest) for the brand's keywords.

Signed out, the source asks `base_url` (the public AppView). Bluesky has switched off signed-out
post search at times since January 2025 (it answers 403), and its public host refuses the
`cursor` parameter, so signed out we read one page (up to 100 posts) per poll. With `handle` and
an app password the source signs in at `auth_url` (com.atproto.server.createSession), searches
through that PDS with the session token, and can page with `cursor`.

Incremental: search results are ordered by Bluesky's sort time, not by anything we can send back
as "newer than". Each query keeps the newest `indexedAt` seen and the uris seen within
`overlap_seconds` of it; a poll pages down until it passes that window and skips the uris it
already returned, so posts indexed in the same instant are neither lost nor repeated. A sweep
cut short by `max_pages` saves its cursor and resumes next poll.

robots.txt governs page crawlers, not a documented XRPC API, so it is not consulted.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, ClassVar, Mapping

import requests
from pydantic import Field

from monitor.clock import Clock, utc
from monitor.models import FetchResult, Mention
from monitor.secrets import Secret, mask
from sources.base import CheckResult, HttpUrl, Source, SourceSettings
from sources.errors import (
    MalformedPayload,
    NotConfigured,
    SourceConfigError,
    SourceError,
    TransientSourceError,
)
from sources.http import PoliteSession
from sources.streams import sweep_streams

log = logging.getLogger("replywatch.sources.bluesky")

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
SESSION = "/xrpc/com.atproto.server.createSession"
MAX_SEEN = 2000  # uris kept per query for the overlap window


class BlueskySettings(SourceSettings):
    queries: list[str] = Field(default_factory=list, description="Search queries (Bluesky search syntax).")
    base_url: HttpUrl = Field("https://public.api.bsky.app", description="AppView for signed-out search.")
    handle: Secret | None = Field(None, description="Account handle (e.g. acme.bsky.social) for signed-in search.")
    app_password: Secret | None = Field(None, description="An app password of that account (Settings → App passwords).")
    auth_url: HttpUrl = Field("https://bsky.social", description="The account's PDS: sign-in and signed-in search.")
    limit: int = Field(100, ge=1, le=100, description="Posts per request (Bluesky allows up to 100).")
    max_pages: int = Field(5, ge=1, description="Pages per query per poll when signed in; the rest resumes next poll.")
    overlap_seconds: float = Field(600, ge=0, description="Seconds of recent posts re-read each poll (late ones).")



class BlueskySource(Source):
    """Cursor: {query: {"since": ISO indexedAt, "seen": {uri: ISO indexedAt}, "pending": {"cursor", "top"}}}."""

    name: ClassVar[str] = "bluesky"
    Settings: ClassVar[type[SourceSettings]] = BlueskySettings

    settings: BlueskySettings

    def __init__(self, settings: BlueskySettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        if not settings.queries:
            raise NotConfigured("bluesky: no queries to search for (set queries)")
        if (settings.handle is None) != (settings.app_password is None):
            raise NotConfigured("bluesky: set both handle and app_password, or neither")
        for secret in (settings.handle, settings.app_password):
            if secret is not None and not secret.is_set():
                raise NotConfigured(f"bluesky: environment variable {secret.env} is not set")
        self.signed_in = settings.handle is not None
        self.http = http if isinstance(http, PoliteSession) else PoliteSession(obey_robots=False)
        self._token: str | None = None
        self._last: requests.Response | None = None

    def check(self) -> CheckResult:
        query = self.settings.queries[0]
        try:
            self._search(query, cursor=None, limit=1)
        except SourceError as exc:
            return CheckResult(False, str(exc))
        except Exception as exc:  # check never raises
            return CheckResult(False, self._mask(f"bluesky: unexpected {type(exc).__name__}: {exc}"))
        how = "signed in" if self.signed_in else "signed out"
        return CheckResult(True, f"bluesky: post search answered ({how}) for {query!r}")

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        return sweep_streams(self.settings.queries, cursor, self._sweep)

    def _sweep(self, query: str, state: dict[str, Any]) -> tuple[dict[str, Any], list[Mention], int]:
        since = _when(state.get("since"))
        old_seen = state.get("seen") if isinstance(state.get("seen"), dict) else {}
        seen = {u: t for u, t in old_seen.items() if _when(t)}
        pending = state.get("pending") if isinstance(state.get("pending"), Mapping) else {}
        page_cursor = pending.get("cursor") if self.signed_in and isinstance(pending.get("cursor"), str) else None
        top = _when(pending.get("top")) if page_cursor else None
        floor = since - timedelta(seconds=self.settings.overlap_seconds) if since else None
        found: list[Mention] = []
        errors = 0
        for _ in range(self.settings.max_pages if self.signed_in else 1):
            body = self._search(query, cursor=page_cursor)
            passed_floor = False
            for post in body["posts"]:
                try:
                    mention, indexed = post_mention(post, fetched_at=self.clock.now())
                except MalformedPayload as exc:  # logged without the post or its author
                    errors += 1
                    log.warning("%s", exc)
                    continue
                if floor and indexed < floor:
                    passed_floor = True
                    continue
                if mention.external_id in seen:
                    continue
                seen[mention.external_id] = indexed.isoformat()
                top = max(top, indexed) if top else indexed
                found.append(mention)
            page_cursor = body.get("cursor") if isinstance(body.get("cursor"), str) and body.get("cursor") else None
            if since is None or passed_floor or page_cursor is None or not body["posts"]:
                return self._settled(since, top, seen), found, errors
        if not self.signed_in:
            log.warning("bluesky: %r: a full page of new posts; older new ones may be missed (sign in to page)", query)
            return self._settled(since, top, seen), found, errors
        return {**self._settled(since, None, seen), "pending": {"cursor": page_cursor, "top": _iso(top)}}, found, errors

    def _settled(self, since: datetime | None, top: datetime | None, seen: dict[str, str]) -> dict[str, Any]:
        """The state once a sweep is done: the newest indexedAt, and the uris within the overlap of it."""
        newest = max(filter(None, (since, top)), default=None)
        if newest is None:
            return {}
        floor = newest - timedelta(seconds=self.settings.overlap_seconds)
        kept = sorted(((u, t) for u, t in seen.items() if _when(t) >= floor), key=lambda ut: ut[1])[-MAX_SEEN:]
        return {"since": _iso(newest), "seen": dict(kept)}

    # -- HTTP ---------------------------------------------------------------------------------

    def _search(self, query: str, *, cursor: str | None, limit: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": limit or self.settings.limit}
        if cursor:
            params["cursor"] = cursor
        what = f"bluesky: search {query!r}"
        for attempt in (1, 2):
            headers = {}
            if self.signed_in:
                headers["Authorization"] = f"Bearer {self._session_token(fresh=attempt == 2)}"
            url = (self.settings.auth_url if self.signed_in else self.settings.base_url) + SEARCH
            try:
                body = self._get_json(url, what=what, params=params, headers=headers)
                break
            except SourceConfigError as exc:
                status = self._last.status_code if self._last is not None else None
                if self.signed_in and attempt == 1 and _xrpc_error(self._last) in ("ExpiredToken", "InvalidToken"):
                    continue  # the session token expired: sign in again, once
                if status == 403 and not self.signed_in:
                    raise SourceConfigError(f"{what}: Bluesky refused signed-out search (403); it has switched "
                                            "public post search off at times since 2025: set handle and "
                                            "app_password") from None
                raise SourceConfigError(self._mask(f"{exc} ({_xrpc_error(self._last) or 'no reason given'})")) from None
        if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
            raise TransientSourceError(f"{what}: the answer has no list of posts")
        return body

    def _session_token(self, *, fresh: bool) -> str:
        if self._token is None or fresh:
            what = "bluesky: sign-in"
            try:
                body = self._get_json(self.settings.auth_url + SESSION, what=what, method="POST", json={
                    "identifier": self.settings.handle.get(), "password": self.settings.app_password.get()})
            except SourceConfigError:
                reason = _xrpc_error(self._last) or "refused"
                raise SourceConfigError(f"bluesky: sign-in refused ({reason}); check handle and app_password "
                                        f"({self.settings.handle.env}, {self.settings.app_password.env})") from None
            token = body.get("accessJwt") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise TransientSourceError(f"{what}: the answer has no session token")
            self._token = token
        return self._token

    def _get_json(self, url: str, *, what: str, method: str = "GET", **kwargs: Any) -> Any:
        self._last = None
        try:
            response = self.http.request(method, url, what=what, hooks={"response": self._remember}, **kwargs)
        except TransientSourceError as exc:
            if exc.retry_after is None and self._last is not None and self._last.status_code == 429:
                raise TransientSourceError(str(exc), retry_after=self._reset_delay(self._last)) from None
            raise
        try:
            return response.json()
        except ValueError:
            raise TransientSourceError(f"{what}: the answer is not JSON") from None

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last = response

    def _reset_delay(self, response: requests.Response) -> float | None:
        """atproto services send RateLimit-Reset as a Unix time in seconds."""
        try:
            return max(0.0, float(response.headers.get("RateLimit-Reset", "")) - self.clock.now().timestamp())
        except ValueError:
            return None

    def _mask(self, text: str) -> str:
        secrets = [s for s in (self.settings.handle, self.settings.app_password) if s is not None]
        text = mask(text, secrets)
        return text.replace(self._token, "***") if self._token else text


def post_mention(post: Any, *, fetched_at: datetime) -> tuple[Mention, datetime]:
    """One PostView as a Mention, with its indexedAt (the order Bluesky's index keeps)."""
    if not isinstance(post, dict):
        raise MalformedPayload("bluesky: skipped a post that is not a JSON object")
    uri = post.get("uri")
    parts = uri.split("/") if isinstance(uri, str) else []
    if len(parts) != 5 or parts[0] != "at:" or parts[3] != "app.bsky.feed.post" or not parts[4]:
        raise MalformedPayload("bluesky: skipped a post without an at:// post uri")
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise MalformedPayload(f"bluesky: skipped post {parts[4]}: no text")
    indexed = _when(post.get("indexedAt"))
    created = _when(record.get("createdAt")) or indexed
    if indexed is None or created is None:
        raise MalformedPayload(f"bluesky: skipped post {parts[4]}: unreadable indexedAt or createdAt")
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    handle = author.get("handle") if isinstance(author.get("handle"), str) else None
    handle = None if handle in (None, "", "handle.invalid") else handle
    langs = record.get("langs")
    language = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) and langs[0] else None
    mention = Mention(
        source="bluesky",
        external_id=uri,
        text=text,
        created_at=created,
        url=f"https://bsky.app/profile/{handle or parts[2]}/post/{parts[4]}",
        author=f"@{handle}" if handle else None,
        language=language,
        fetched_at=fetched_at,
        reply_to=uri,  # a reply also needs the cid, kept in raw
        raw=post,
    )
    return mention, indexed


def _xrpc_error(response: requests.Response | None) -> str | None:
    """XRPC errors are JSON {"error": "ExpiredToken", "message": ...}."""
    try:
        body = response.json() if response is not None else None
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error[:60] if isinstance(error, str) else None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
