"""Reddit: a reply is a comment on the mention (`POST /api/comment`, praw's `reply`).

The praw client is the Reddit source's (`RedditSource.client()`, the same settings, timeout and
rate-limit bookkeeping); posting needs the 'script' app's account (username and password).

Never twice. praw re-sends a comment only when Reddit answers RATELIMIT with a wait of at most
`ratelimit_seconds`; we do the same: RATELIMIT (and an HTTP 429) is the only failure retried,
later, with the wait Reddit named. prawcore's own blind retries of a 5xx or a timeout are
switched off for this client, because Reddit may have made the comment before failing: such an
answer is `Unconfirmed`, so the state machine looks for our reply and, when it is not there,
hands the case to a person instead of sending it again. A 401 (Reddit took nothing) is sent
again once with a new token, as prawcore would.

Reddit can also accept a reply and return no comment (`{"json": {"data": {"things": []}}}`;
praw's `reply` then returns None, as for quarantined subreddits, where "the comment will be
successfully created on Reddit and can be retrieved ... from the user's comment history").
That is `Unconfirmed` too, and `find_existing` is exactly that look: the account's newest
comments (`/user/<name>/comments`, 100 of them) for one whose parent is the mention. Any reply
of the account to that post counts: the brand has answered it.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib.util
import re
from typing import Any, Callable, ClassVar

from monitor.clock import Clock
from monitor.store import CaseView
from responders.base import NeedsConfig, PostResult, Refused, Responder, RetryLater, Unconfirmed
from sources.errors import NotConfigured, SourceError
from sources.http import parse_retry_after, reset_header_delay
from sources.reddit import RedditSource

SITE = "https://www.reddit.com"
_FULLNAME = re.compile(r"t[13]_[0-9a-z]{1,13}")
_WAIT = re.compile(r"(\d{1,4})\s*(milliseconds?|seconds?|minutes?|hours?)")
_UNIT = {"milli": 0.001, "second": 1, "minute": 60, "hour": 3600}
HISTORY = 100  # newest comments of the account searched for our reply


class RedditResponder(Responder):
    name: ClassVar[str] = "reddit"
    required: ClassVar[tuple[str, ...]] = ("client_id", "client_secret", "username", "password")

    def __init__(self, settings: Any, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.source = RedditSource(settings, clock=self.clock)
        self._reddit: Any = None

    @classmethod
    def from_settings(cls, source_settings: Any, *, http: Any = None, clock: Clock | None = None) -> "RedditResponder":
        if importlib.util.find_spec("praw") is None:
            raise NotConfigured("reddit: the praw package is not installed")
        return super().from_settings(source_settings, http=http, clock=clock)

    def post(self, case: CaseView) -> PostResult:
        target = self._target(case)
        reddit = self._client()
        thing = reddit.comment(target[3:]) if target.startswith("t1_") else reddit.submission(target[3:])
        comment = self._call(lambda: thing.reply(self.outgoing_text(case)), "reply", sending=True)
        if comment is None:
            raise Unconfirmed("reddit: Reddit accepted the reply but returned no comment (as it does in "
                              "quarantined subreddits)")
        return _result(comment)

    def find_existing(self, case: CaseView) -> PostResult | None:
        target = self._target(case)
        reddit = self._client()
        me = self.secret(self.settings.username)
        comments = self._call(lambda: list(reddit.redditor(me).comments.new(limit=HISTORY)),
                              f"reading u/{me}'s comments", sending=False)
        for comment in comments:
            if getattr(comment, "parent_id", None) == target:
                return _result(comment)
        return None

    # -- the client and its failures --------------------------------------------------------

    def _target(self, case: CaseView) -> str:
        target = case.mention.reply_to or case.mention.external_id
        if not _FULLNAME.fullmatch(target or ""):
            raise Refused(f"reddit: {target!r} is not the id of a post or comment to reply to")
        return target

    def _client(self) -> Any:
        if self._reddit is None:
            try:
                reddit = self.source.client()
            except SourceError as exc:
                raise NeedsConfig(self.mask(str(exc))) from None
            for core in {id(c): c for c in (reddit._core, reddit._authorized_core, reddit._read_only_core) if c}.values():
                core._retry_strategy_class = _no_retries()  # prawcore has no public switch for this
            self._reddit = reddit
        return self._reddit

    def _call(self, call: Callable[[], Any], what: str, *, sending: bool) -> Any:
        """`call`, sent again once after a 401 (Reddit took nothing; prawcore has dropped the token
        and fetches a new one, as it would itself); any failure comes out sorted."""
        from prawcore.exceptions import InvalidToken

        for attempt in (1, 2):
            try:
                return call()
            except InvalidToken as exc:
                if attempt == 2:
                    raise self._sorted(exc, what, sending) from None
            except Exception as exc:
                raise self._sorted(exc, what, sending) from None
        raise AssertionError("unreachable")

    def _sorted(self, exc: BaseException, what: str, sending: bool) -> Exception:
        """The one table of praw/prawcore failures; anything else is a bug. A timeout or a 5xx
        while `sending` a reply leaves its fate unknown (Unconfirmed); while reading, try later."""
        unknown = Unconfirmed if sending else RetryLater
        from praw.exceptions import RedditAPIException
        from prawcore import exceptions as pc

        if isinstance(exc, RedditAPIException):
            items = [(i.error_type or "", self.mask(i.message or "")) for i in exc.items]
            said = "; ".join(f"{code}: {message}" if message else code for code, message in items)
            for code, message in items:
                if code == "RATELIMIT":
                    return RetryLater(f"reddit: {what}: Reddit asked to wait ({said})", retry_after=_wait(message))
            if any(code == "USER_REQUIRED" for code, _ in items):
                return NeedsConfig(f"reddit: {what}: Reddit wants a signed-in account ({said})")
            return Refused(f"reddit: {what}: Reddit refused it ({said})")
        if isinstance(exc, pc.OAuthException):
            return NeedsConfig(self.mask(f"reddit: {what}: invalid credentials ({exc.error})"))
        if isinstance(exc, pc.RequestException):  # a timeout or lost connection: Reddit may have it
            return unknown(f"reddit: {what}: no answer from Reddit ({type(exc.original_exception).__name__})")
        if isinstance(exc, pc.ResponseException):
            status = exc.response.status_code
            if status == 429:
                headers = exc.response.headers
                return RetryLater(f"reddit: {what}: rate limited (429)",
                                  retry_after=parse_retry_after(headers.get("retry-after")) or reset_header_delay(headers))
            if status >= 500 or status == 408:
                return unknown(f"reddit: {what}: Reddit answered {status}")
            if status in (401, 403) or isinstance(exc, (pc.InvalidToken, pc.InsufficientScope)):
                return NeedsConfig(f"reddit: {what}: access refused ({status}); the account may be banned there, "
                                   "or the post locked or private")
            return Refused(f"reddit: {what}: Reddit refused it ({status})")
        if isinstance(exc, SourceError):
            return NeedsConfig(self.mask(str(exc)))
        return exc  # not a Reddit failure: a bug, raised with its traceback


def _result(comment: Any) -> PostResult:
    link = str(getattr(comment, "link_id", "") or "").removeprefix("t3_")
    subreddit = str(getattr(comment, "subreddit", "") or "")
    url = f"{SITE}/r/{subreddit}/comments/{link}/_/{comment.id}/" if link and subreddit else None
    return PostResult(ref=comment.fullname, url=url)


def _wait(message: str) -> float | None:
    """Reddit's RATELIMIT message names the wait: 'Take a break for 9 minutes before trying again.'"""
    match = _WAIT.search(message or "")
    if not match:
        return None
    unit = next(v for k, v in _UNIT.items() if match.group(2).startswith(k))
    return int(match.group(1)) * unit


@functools.cache
def _no_retries() -> type:
    from prawcore.sessions import FiniteRetryStrategy

    @dataclasses.dataclass(frozen=True)
    class NoRetries(FiniteRetryStrategy):
        """One request, no retry and no sleep before it."""

        retries: int = 0

        def _sleep_seconds(self) -> float | None:
            return None

    return NoRetries
