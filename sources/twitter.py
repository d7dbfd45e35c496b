"""X (Twitter) through tweepy and the API v2: recent search for keywords, and the brand's mentions.

Why tweepy: it is the maintained client, it knows every v2 parameter name, and its own tests
recorded the real traffic our tests replay. We use it with `return_type=requests.Response`, so
we see X's `x-rate-limit-*` headers and the raw JSON, and `wait_on_rate_limit=False`, so a
spent window never blocks a poll thread: we stop paging and resume at the next poll instead.

tweepy 4.17 has no base-URL parameter: `BaseClient.request` writes the host
`https://api.twitter.com` into every URL. Rather than patch tweepy, we mount a transport
adapter on the client's documented `session` attribute (plain requests API) that re-targets
those URLs to `base_url` and gives every request a timeout (tweepy sets none).

Incremental polling: each stream (one query, or the brand's mentions) keeps `since_id`. A sweep
walks pages newest-first with next_token; its newest id becomes `since_id` only when the sweep
reaches its end. A sweep cut short (page cap, rate-limit window spent) is saved as `pending`
and resumed next poll, so no tweet between the old `since_id` and the saved page is skipped.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, ClassVar, Mapping

import requests
from pydantic import Field, field_validator

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from monitor.secrets import Secret, mask
from sources.base import CheckResult, HttpUrl, Source, SourceSettings
from sources.errors import MalformedPayload, NotConfigured, SourceConfigError, SourceError, TransientSourceError
from sources.twitter_client import TWEEPY_HOST, client, reset_delay, usage_capped
from sources.twitter_convert import _tweet_id, page_mentions

log = logging.getLogger("replywatch.sources.twitter")

# entities: the @mentions in a tweet; since Feb 2026 X lets an app reply only to posts that mention it
TWEET_FIELDS = ["created_at", "lang", "author_id", "conversation_id", "note_tweet", "entities"]
USER_FIELDS = ["username", "public_metrics"]
# X's `lang` values that are not languages: undetermined, no text, mentions/hashtags/media only...


class TwitterSettings(SourceSettings):
    bearer_token: Secret | None = Field(None, description="App-only Bearer Token (developer console: app → Keys).")
    consumer_key: Secret | None = Field(None, description="OAuth 1.0a API key, for posting replies (later).")
    consumer_secret: Secret | None = Field(None, description="OAuth 1.0a API key secret, for posting replies.")
    access_token: Secret | None = Field(None, description="OAuth 1.0a access token of the brand account, for posting.")
    access_token_secret: Secret | None = Field(None, description="OAuth 1.0a access token secret, for posting.")
    queries: list[str] = Field(default_factory=list, description='Recent-search queries, e.g. "acme -is:retweet".')
    brand_user_id: str | None = Field(None, description="Numeric id of the brand's account: its mentions are read.")
    base_url: HttpUrl = Field(TWEEPY_HOST, description="API host (api.twitter.com, api.x.com, or a test server).")
    max_results: int = Field(100, ge=10, le=100, description="Tweets per page (X allows 10-100).")
    max_pages: int = Field(5, ge=1, description="Pages per stream per poll; the rest resumes next poll.")
    backfill_pages: int = Field(1, ge=1, description="Pages read on a stream's first poll; older tweets are not read.")
    expand_authors: bool = Field(True, description="Ask for authors (username, followers); X may bill user reads.")
    timeout_seconds: float = Field(20, gt=0, description="Seconds before a request to X is abandoned.")

    @field_validator("brand_user_id")
    @classmethod
    def _numeric(cls, value: str | None) -> str | None:
        if value is not None and not value.isdigit():
            raise ValueError("must be the account's numeric id, not its @handle")
        return value


class StaleCursor(SourceConfigError):
    """X answered 400: a bad query, or a since_id / next_token it no longer accepts."""


@dataclass(frozen=True)
class Stream:
    key: str  # the cursor key: "search:<query>" or "mentions:<user id>"
    endpoint: str  # the rate-limit bucket: "search_recent" or "mentions"
    arg: str  # the query, or the user id
    what: str  # words for messages


class TwitterSource(Source):
    """Cursor: {"streams": {key: {"since_id", "pending": {"token", "newest_id"}}}, "limits": {endpoint: epoch}}."""

    name: ClassVar[str] = "twitter"
    Settings: ClassVar[type[SourceSettings]] = TwitterSettings

    settings: TwitterSettings

    def __init__(self, settings: TwitterSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        if settings.bearer_token is None:
            raise NotConfigured("twitter: no bearer token (set bearer_token = { env = \"X_BEARER_TOKEN\" })")
        if not settings.bearer_token.is_set():
            env = settings.bearer_token.env
            raise NotConfigured(f"twitter: no bearer token (environment variable {env} is not set)")
        self.streams = [Stream(f"search:{q}", "search_recent", q, f"search {q!r}") for q in settings.queries]
        if settings.brand_user_id:
            uid = settings.brand_user_id
            self.streams.append(Stream(f"mentions:{uid}", "mentions", uid, f"mentions of user {uid}"))
        if not self.streams:
            raise NotConfigured("twitter: nothing to watch (set queries or brand_user_id)")
        self._client: Any = None

    # -- the Source interface -------------------------------------------------------------

    def check(self) -> CheckResult:
        stream = self.streams[0]
        try:
            smallest = 10 if stream.endpoint == "search_recent" else 5  # X's minimum max_results
            response = self._page(stream, since_id=None, token=None, max_results=smallest)
        except SourceError as exc:
            return CheckResult(False, str(exc))
        except Exception as exc:  # check never raises; the message is masked in case a secret slipped in
            return CheckResult(False, self._mask(f"twitter: unexpected {type(exc).__name__}: {exc}"))
        left = response.headers.get("x-rate-limit-remaining")
        window = f"; {left} requests left in this rate-limit window" if left is not None else ""
        return CheckResult(True, f"twitter: X answered the {stream.what}{window}")

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        cursor = cursor if isinstance(cursor, Mapping) else {}
        now = self.clock.now().timestamp()
        limits = {k: v for k, v in _dict(cursor.get("limits")).items() if isinstance(v, (int, float)) and v > now}
        old_streams = _dict(cursor.get("streams"))
        streams: dict[str, Any] = {}
        mentions: list[Mention] = []
        seen: set[str] = set()
        errors = 0
        for stream in self.streams:
            state, found, bad = self._sweep(stream, _dict(old_streams.get(stream.key)), limits)
            streams[stream.key] = state
            errors += bad
            for mention in found:
                if mention.external_id not in seen:
                    seen.add(mention.external_id)
                    mentions.append(mention)
        return FetchResult(mentions, {"streams": streams, "limits": limits}, errors)

    # -- one stream ------------------------------------------------------------------------

    def _sweep(self, stream: Stream, state: dict[str, Any],
               limits: dict[str, float]) -> tuple[dict[str, Any], list[Mention], int]:
        since_id = _tweet_id(state.get("since_id"))
        pending = _dict(state.get("pending"))
        token = pending.get("token") if isinstance(pending.get("token"), str) else None
        newest = _tweet_id(pending.get("newest_id")) if token else None
        fresh = since_id is None and token is None  # a first poll reads backfill_pages, then settles
        found: list[Mention] = []
        errors = pages = 0
        while True:
            if stream.endpoint in limits:
                log.info("twitter: %s: rate-limit window spent; resuming after %s", stream.what,
                         datetime.fromtimestamp(limits[stream.endpoint], timezone.utc).strftime("%H:%M:%S"))
                return _state(since_id, token, newest), found, errors
            try:
                response = self._page(stream, since_id=since_id, token=token)
            except StaleCursor:
                if fresh:
                    raise
                # X refuses a since_id older than its search window, and an expired next_token, with a 400:
                # start over from the newest page (a tweet read twice is harmless; the store dedupes).
                log.warning("twitter: %s: X refused the saved cursor (400); starting again from the newest page",
                            stream.what)
                since_id = token = newest = None
                fresh = True
                continue
            pages += 1
            self._note_limits(stream, response, limits)
            body = _json(response, stream.what)
            try:
                page, bad = page_mentions(body, fetched_at=self.clock.now())
            except MalformedPayload as exc:
                raise TransientSourceError(f"{exc}; will try again") from None
            found += page
            errors += bad
            meta = _dict(body.get("meta"))
            newest = newest or _tweet_id(meta.get("newest_id")) or max((m.external_id for m in page),
                                                                        key=int, default=None)
            token = meta.get("next_token") if isinstance(meta.get("next_token"), str) else None
            if token is None:  # the sweep reached its end
                return _state(newest or since_id, None, None), found, errors
            if fresh and pages >= self.settings.backfill_pages:
                return _state(newest, None, None), found, errors  # first poll: older tweets are not read
            if pages >= self.settings.max_pages:
                return _state(since_id, token, newest), found, errors

    def _page(self, stream: Stream, *, since_id: str | None, token: str | None,
              max_results: int | None = None) -> requests.Response:
        client = self._get_client()
        params: dict[str, Any] = dict(since_id=since_id, max_results=max_results or self.settings.max_results,
                                      tweet_fields=TWEET_FIELDS, user_auth=False)
        if self.settings.expand_authors:
            params.update(expansions=["author_id"], user_fields=USER_FIELDS)
        if stream.endpoint == "search_recent":
            call: Callable[[], Any] = lambda: client.search_recent_tweets(stream.arg, next_token=token, **params)
        else:
            call = lambda: client.get_users_mentions(stream.arg, pagination_token=token, **params)
        return self._sorted(call, stream.what)

    def _note_limits(self, stream: Stream, response: requests.Response, limits: dict[str, float]) -> None:
        """Stop paging this endpoint when X says its window is spent (x-rate-limit-remaining: 0)."""
        try:
            remaining = int(response.headers.get("x-rate-limit-remaining", "1"))
            reset = float(response.headers.get("x-rate-limit-reset", "0"))
        except ValueError:
            return
        if remaining < 1 and reset > self.clock.now().timestamp():
            limits[stream.endpoint] = reset

    # -- tweepy, and the one table that sorts its failures ----------------------------------

    def _get_client(self) -> Any:
        if self._client is None:
            self._client = client(self.settings)
        return self._client

    def _sorted(self, call: Callable[[], Any], what: str) -> requests.Response:
        import tweepy

        try:
            return call()
        except tweepy.TooManyRequests as exc:
            if usage_capped(exc.response):
                raise SourceConfigError(f"twitter: {what}: X's usage cap is spent ({self._problem(exc.response)}); "
                                        "raise the plan or wait for the next period") from None
            raise TransientSourceError(f"twitter: {what}: rate limited by X (429)",
                                       retry_after=reset_delay(exc.response, self.clock.now().timestamp())) from None
        except tweepy.Unauthorized as exc:
            raise SourceConfigError(
                f"twitter: X refused the bearer token (401: {self._problem(exc.response)}); "
                f"check that {self.settings.bearer_token.env} holds the app's current Bearer Token") from None
        except tweepy.Forbidden as exc:
            raise SourceConfigError(
                f"twitter: {what}: X refused access (403: {self._problem(exc.response)}); the app's access "
                "level may not include this endpoint (see its plan in X's developer console)") from None
        except tweepy.TwitterServerError as exc:
            raise TransientSourceError(f"twitter: {what}: X server error {exc.response.status_code}") from None
        except tweepy.BadRequest as exc:
            raise StaleCursor(f"twitter: {what}: X rejected the request (400: {self._problem(exc.response)}); "
                              "check the query syntax") from None
        except tweepy.NotFound as exc:
            raise SourceConfigError(f"twitter: {what}: not found (404: {self._problem(exc.response)}); "
                                    "check brand_user_id") from None
        except tweepy.HTTPException as exc:  # 402 (no credits left) and other refusals
            raise SourceConfigError(f"twitter: {what}: X refused the request "
                                    f"({exc.response.status_code}: {self._problem(exc.response)})") from None
        except requests.Timeout:
            seconds = self.settings.timeout_seconds
            raise TransientSourceError(f"twitter: {what}: timed out after {seconds:g} s") from None
        except requests.RequestException as exc:
            raise TransientSourceError(f"twitter: {what}: cannot reach X ({type(exc).__name__})") from None

    def _problem(self, response: requests.Response) -> str:
        """X's own words from its problem JSON (title: detail), short and with any secret masked."""
        try:
            body = response.json()
            words = ": ".join(str(body[k]) for k in ("title", "detail") if isinstance(body, dict) and body.get(k))
        except ValueError:
            words = ""
        return self._mask(words[:300] or response.reason or "no reason given")

    def _mask(self, text: str) -> str:
        s = self.settings
        return mask(text, [x for x in (s.bearer_token, s.consumer_key, s.consumer_secret,
                                       s.access_token, s.access_token_secret) if x is not None])


# -- converting X's JSON into Mentions (pure functions, fuzzed in the tests) -----------------


def _json(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise TransientSourceError(f"twitter: {what}: X answered something that is not JSON") from None
    if not isinstance(body, dict):
        raise TransientSourceError(f"twitter: {what}: X answered JSON that is not an object")
    return body



def _state(since_id: str | None, token: str | None, newest: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {"since_id": since_id}
    if token:
        state["pending"] = {"token": token, "newest_id": newest}
    return state


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


