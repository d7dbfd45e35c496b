"""Reddit: keyword search, watched subreddits and the account's inbox, through praw/prawcore.

praw is imported when the client is first built. It is pointed at `oauth_url` / `reddit_url`
with keyword arguments, never a praw.ini: PRAW >= 8 warns (once per process) only when a
praw.ini in the *current directory* sets those keys; keyword arguments do not trigger it and
win over such a file (whose warning, PRAW's guard against a planted file, is left visible).
praw's update check (a request to PyPI) is off. praw 8 never hands its `timeout` setting to
prawcore (API calls always get 16 s), so a Requestor subclass, through praw's documented
`requestor_class` hook, applies `timeout_seconds` and records the x-ratelimit headers.

Cursor, per stream (`search:<keyword>`, `new:<sub>`, `comments:<sub>`, `inbox:mentions`,
`inbox:comment_replies`, `inbox:submission_replies`):
`{"newest": created_utc, "ids": [fullnames seen at that second], "before": fullname}`.
An item is new when it is newer than `newest`, or as old and not in `ids`: items sharing a
timestamp are neither lost nor repeated. Subreddit listings page forward with Reddit's
`before=<newest fullname>` (as praw's streams do and the recordings show), so a busy subreddit
is read in order and a poll that runs out of pages or budget resumes there. An empty `before=`
answer is ambiguous (nothing new, or the anchor item was removed, which Reddit can also answer
with an empty page), so the newest page is then read once. Search and inbox listings page back with
`after=` until they reach what was seen (`before=` was not recorded for them). A failure in
any stream fails the poll; its cursor is then not saved and every stream resumes as before.

Rate limits: prawcore paces requests by the x-ratelimit headers and, once `remaining` is 0,
sleeps until the window resets. So that a poll never blocks on that, paging stops when fewer
than `ratelimit_reserve` requests remain and the rest waits for the next poll (no sleeping
here). prawcore also retries 5xx, 401 (after a new token) and connection errors twice, sleeping
0-2 s and 2-4 s; it has no public switch for that, so it is left as is and not repeated here.
"""
from __future__ import annotations

import functools
import importlib.util
import logging
import re
from typing import Any, ClassVar, Literal, Mapping
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from monitor.secrets import MissingSecret, Secret, mask
from sources.base import CheckResult, Source, SourceSettings
from sources.errors import MalformedPayload, NotConfigured, SourceConfigError, SourceError
from sources.reddit_convert import Entry, read_page
from sources.reddit_cursor import Budget, Stream, StreamState
from sources.reddit_errors import sort_error

log = logging.getLogger("replywatch.sources.reddit")

_SUBREDDIT = re.compile(r"[A-Za-z0-9_]{2,21}")


class RedditSettings(SourceSettings):
    client_id: Secret = Field(description="OAuth client id of a Reddit app (reddit.com/prefs/apps).")
    client_secret: Secret = Field(description="That app's secret.")
    username: Secret | None = Field(None, description="Account of a 'script' app; needed for inbox.")
    password: Secret | None = Field(None, description="That account's password.")
    user_agent: str = Field("replywatch/0.1 by u/yourbrand", min_length=7,
                            description="Identifying User-Agent, as Reddit's API rules ask.")
    keywords: list[str] = Field(default_factory=list, description="Search terms (Reddit search syntax).")
    subreddits: list[str] = Field(default_factory=list, description="Limit keyword search to these (empty: all).")
    watch_subreddits: list[str] = Field(default_factory=list, description="Read everything new in these.")
    watch_kinds: list[Literal["submissions", "comments"]] = Field(
        ["submissions", "comments"], description="What to read in watch_subreddits.")
    inbox: bool = Field(False, description="Read the account's username mentions and replies.")
    oauth_url: str = Field("https://oauth.reddit.com", description="Base URL of the API.")
    reddit_url: str = Field("https://www.reddit.com", description="Base URL of the token endpoint.")
    timeout_seconds: float = Field(20, gt=0, description="Per-request timeout.")
    page_size: int = Field(100, ge=1, le=100, description="Items per request (Reddit's maximum: 100).")
    max_pages: int = Field(5, ge=1, le=10, description="Requests per stream per poll at most.")
    ratelimit_reserve: int = Field(2, ge=0, description="Stop paging when fewer requests remain in the window.")

    @field_validator("subreddits", "watch_subreddits")
    @classmethod
    def _names(cls, names: list[str]) -> list[str]:
        out = [n.strip().removeprefix("/").removeprefix("r/") for n in names]
        bad = [n for n in out if not _SUBREDDIT.fullmatch(n)]
        if bad:
            raise ValueError(f"not a subreddit name: {', '.join(map(repr, bad))}")
        return out

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, words: list[str]) -> list[str]:
        if any(not w.strip() or len(w) > 512 for w in words):
            raise ValueError("keywords must be non-empty and at most 512 characters")
        return words

    @model_validator(mode="after")
    def _something_to_watch(self) -> "RedditSettings":
        if self.enabled and self.inbox and (self.username is None or self.password is None):
            raise ValueError("inbox needs username and password (a 'script' app's account)")
        if self.enabled and not (self.keywords or self.watch_subreddits or self.inbox):
            raise ValueError("nothing to watch: set keywords, watch_subreddits or inbox")
        return self


class RedditSource(Source):
    name: ClassVar[str] = "reddit"
    Settings: ClassVar[type[SourceSettings]] = RedditSettings

    settings: RedditSettings

    def __init__(self, settings: RedditSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)  # http unused: praw keeps its own session
        self._reddit: Any = None
        self.budget = Budget(self.clock)

    @classmethod
    def from_settings(cls, settings: SourceSettings, *, http: Any = None, clock: Clock | None = None) -> "RedditSource":
        assert isinstance(settings, RedditSettings)
        if importlib.util.find_spec("praw") is None:
            raise NotConfigured("reddit: the praw package is not installed")
        for key in ("client_id", "client_secret", "username", "password"):
            secret = getattr(settings, key)
            if secret is not None and not secret.is_set():
                raise NotConfigured(f"reddit: no {key.replace('_', ' ')} (environment variable {secret.env} is not set)")
        return cls(settings, http=http, clock=clock)

    # -- the two operations ----------------------------------------------------------------

    def check(self) -> CheckResult:
        s = self.settings
        try:
            reddit = self._client()
            if s.username is not None:
                me = self._get(reddit, "api/v1/me", {})
                name = me.get("name") if isinstance(me, dict) else None
                return CheckResult(True, f"reddit: ok, signed in as u/{name}")
            sub = (s.watch_subreddits or s.subreddits or ["all"])[0]
            self._get(reddit, f"r/{sub}/new", {"limit": 1})
            return CheckResult(True, "reddit: ok (read-only app credentials)")
        except SourceError as exc:
            return CheckResult(False, self._mask(str(exc)))
        except Exception as exc:  # a bug; check() never raises
            log.exception("reddit: check failed unexpectedly")
            return CheckResult(False, f"reddit: unexpected error ({type(exc).__name__})")

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        reddit = self._client()
        states = self._read_cursor(cursor)
        streams = self.streams()
        out = {s.key: states[s.key].dump() for s in streams if s.key in states}  # dropped streams forgotten
        mentions: list[Mention] = []
        seen: set[str] = set()
        errors = 0
        for stream in streams:
            if self.budget.spent(self.settings.ratelimit_reserve):
                log.info("reddit: rate-limit budget spent (%s left); %s and later streams wait for the next poll",
                         self.budget.remaining, stream.key)
                break
            start = states.get(stream.key, StreamState())
            try:
                if stream.forward:
                    found, before, skipped = self._forward(reddit, stream, start)
                else:
                    read = self._backward(reddit, stream, start)
                    if read is None:
                        log.info("reddit: rate-limit budget spent while reading %s; read again next poll", stream.key)
                        break
                    (found, skipped), before = read, None
            except MalformedPayload as exc:
                log.warning("%s (stream %s skipped this poll)", exc, stream.key)
                errors += 1
                continue
            errors += skipped
            out[stream.key] = start.advanced(list(found.values()), before).dump()
            for fullname, entry in found.items():
                if fullname not in seen:  # one item found by two streams is handed out once
                    seen.add(fullname)
                    mentions.append(entry.mention)
        return FetchResult(mentions, {"v": 1, "streams": out}, errors)

    # -- streams ---------------------------------------------------------------------------

    def streams(self) -> list[Stream]:
        from praw.endpoints import API_PATH

        s = self.settings
        out = []
        if s.inbox:
            out += [Stream("inbox:mentions", API_PATH["mentions"]),
                    Stream("inbox:comment_replies", API_PATH["comment_replies"]),
                    Stream("inbox:submission_replies", API_PATH["submission_replies"])]
        for sub in s.watch_subreddits:
            if "submissions" in s.watch_kinds:
                out.append(Stream(f"new:{sub}", f"r/{sub}/new", forward=True))
            if "comments" in s.watch_kinds:
                out.append(Stream(f"comments:{sub}", f"r/{sub}/comments/", forward=True))
        where = "+".join(s.subreddits) or "all"
        for word in s.keywords:
            params = {"q": word, "sort": "new", "t": "all", "restrict_sr": bool(s.subreddits)}
            out.append(Stream(f"search:{word}", API_PATH["search"].format(subreddit=where), params))
        return out

    def _forward(self, reddit: Any, stream: Stream, start: StreamState) -> tuple[dict[str, Entry], str | None, int]:
        """A subreddit listing, read forward in time with before=<newest fullname seen>."""
        found: dict[str, Entry] = {}
        anchor, fell_back, skipped = start.before, False, 0
        for page in range(self.settings.max_pages):
            if page and self.budget.spent(self.settings.ratelimit_reserve):
                break  # what was read is contiguous from the anchor: keep it, resume from here
            entries, _, problems = self._page(reddit, stream, {"before": anchor} if anchor else {})
            skipped += problems
            found.update((e.fullname, e) for e in entries if start.is_new(e) and e.fullname not in found)
            if not entries and not problems:
                if anchor and not fell_back:  # ambiguous empty before= answer: read the newest page once
                    anchor, fell_back = None, True
                    continue
                break
            newest = entries[0].fullname if entries else None
            if anchor is None or len(entries) + problems < self.settings.page_size:
                return found, newest or anchor, skipped
            anchor = newest or anchor
        return found, anchor, skipped

    def _backward(self, reddit: Any, stream: Stream, start: StreamState) -> tuple[dict[str, Entry], int] | None:
        """A search or inbox listing, read newest first with after= until it reaches known items.

        None when the rate-limit budget ran out half way: the unread gap would be lost, so the
        stream keeps its old state and is read again next poll.
        """
        found: dict[str, Entry] = {}
        after, skipped = None, 0
        for page in range(self.settings.max_pages):
            if page and self.budget.spent(self.settings.ratelimit_reserve):
                return None
            entries, after, problems = self._page(reddit, stream, {"after": after} if after else {})
            skipped += problems
            known = [e for e in entries if not start.is_new(e)]
            found.update((e.fullname, e) for e in entries if start.is_new(e) and e.fullname not in found)
            if start.newest is None or known or not after:  # first poll: one page, no back-filling
                return found, skipped
        log.warning("reddit: %s had more than %d pages of new items; older ones were not read "
                    "(raise max_pages or poll more often)", stream.key, self.settings.max_pages)
        return found, skipped

    def _page(self, reddit: Any, stream: Stream, extra: dict[str, str]) -> tuple[list[Entry], str | None, int]:
        params = {**stream.params, "limit": self.settings.page_size, **extra}
        entries, after, problems = read_page(self._get(reddit, stream.path, params), fetched_at=self.clock.now())
        for problem in problems:
            log.warning("%s (stream %s)", problem, stream.key)
        return entries, after, len(problems)

    # -- the client and its failures ---------------------------------------------------------

    def client(self) -> Any:
        """The praw client, built once (responders.reddit posts replies through it)."""
        return self._client()

    def _client(self) -> Any:
        if self._reddit is None:
            s = self.settings
            try:
                import praw
                import prawcore
                from praw.exceptions import PRAWException
            except ImportError:
                raise SourceConfigError("reddit: the praw package is not installed") from None

            try:
                self._reddit = praw.Reddit(
                    client_id=s.client_id.get(), client_secret=s.client_secret.get(),
                    username=s.username.get() if s.username else None,
                    password=s.password.get() if s.password else None,
                    user_agent=s.user_agent, oauth_url=s.oauth_url.rstrip("/"), reddit_url=s.reddit_url.rstrip("/"),
                    check_for_updates=False, check_for_async=False,
                    requestor_class=_requestor_class(),
                    requestor_kwargs={"timeout": s.timeout_seconds, "budget": self.budget},
                )
            except MissingSecret as exc:
                raise SourceConfigError(f"reddit: {exc}") from None
            except (PRAWException, prawcore.PrawcoreException) as exc:
                raise SourceConfigError(self._mask(f"reddit: cannot build the client ({exc})")) from None
        return self._reddit

    def _get(self, reddit: Any, path: str, params: dict[str, Any]) -> Any:
        from praw.objector import Objector

        try:
            payload = reddit.request(method="GET", path=path, params=params)
            if isinstance(payload, dict) and isinstance(payload.get("json"), dict):
                try:
                    Objector.check_error(payload)  # HTTP 200 carrying {"json": {"errors": [...]}}
                except (TypeError, IndexError, KeyError, ValueError, AttributeError):  # praw parsing junk
                    raise MalformedPayload(f"reddit: /{path} answered an error list that cannot be read") from None
            return payload
        except SourceError:
            raise
        except Exception as exc:
            error = sort_error(exc)
            if error is None:
                raise
            if isinstance(error, SourceConfigError):
                self._reddit = None  # rebuilt next time, with whatever the environment holds then
            error.args = (self._mask(str(error)),)
            raise error from None

    def _mask(self, text: str) -> str:
        s = self.settings
        return mask(text, [x for x in (s.client_id, s.client_secret, s.username, s.password) if x is not None])

    @staticmethod
    def _read_cursor(cursor: Mapping[str, Any] | None) -> dict[str, StreamState]:
        if not cursor:
            return {}
        try:
            if cursor.get("v") != 1:
                raise ValueError("version")
            return {str(k): StreamState.load(v) for k, v in cursor["streams"].items()}
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise SourceConfigError(f"reddit: unreadable cursor ({type(exc).__name__}: {exc})") from None


@functools.cache
def _requestor_class() -> type:
    import prawcore

    class Requestor(prawcore.Requestor):
        """prawcore's Requestor, plus our timeout on API calls (praw 8 passes a fixed 16 s) and
        the rate-limit headers of API answers (prawcore keeps `remaining` but not the reset)."""

        def __init__(self, *args: Any, budget: Budget, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.budget = budget

        def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
            response = super().request(*args, timeout=self.timeout, **kwargs)
            if not urlsplit(response.url or "").path.endswith("/api/v1/access_token"):
                self.budget.update(response.headers)
            return response

    return Requestor
