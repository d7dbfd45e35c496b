"""The Responder interface: posting one approved reply back to its platform, and finding it there.

A responder is one small class per platform (`responders/<platform>.py`), built from its
source's settings section by `from_settings(section, *, http=None, clock=None)`; one whose
credentials are missing raises `NotConfigured` and is not built, so its cases become "post
manually". It has two operations:

- `post(case) -> PostResult`: publish the case's approved text as a reply to the mention;
- `find_existing(case) -> PostResult | None`: look on the platform for OUR reply to that
  mention. The posting state machine (`responders.posting`) calls it before every attempt after
  the first, so an attempt whose outcome was lost (a crash, a timeout, a 5xx after the platform
  took it) is never blindly repeated.

Every failure is sorted once into one of four kinds, which decide what the state machine does:
`RetryLater` (429, 5xx, timeouts: retried after back-off), `Refused` (the platform refused this
reply: handed over for manual posting with its reason), `NeedsConfig` (401/403 and the like:
failed, retried only once the configuration changed) and `Unconfirmed` (the platform may have
taken it but did not say so, and it must not be re-sent: handed over after one more look).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import requests

from monitor.clock import Clock, SystemClock
from monitor.secrets import MissingSecret, Secret, mask
from monitor.store import CaseView
from responders.limits import reply_length, reply_limit
from sources.errors import NotConfigured, SourceError, TransientSourceError
from sources.http import PoliteSession, parse_retry_after, reset_header_delay

__all__ = ["PostResult", "PostError", "RetryLater", "Refused", "NeedsConfig", "Unconfirmed", "Responder",
           "NotConfigured", "send", "sort_status", "platform_words", "same_text"]


@dataclass(frozen=True)
class PostResult:
    """Our reply on the platform: its id (or the review it answers) and, when known, its link."""

    ref: str
    url: str | None = None


class PostError(Exception):
    """A sorted posting failure; `reason` is shown to the team, in the platform's words."""

    def __init__(self, reason: str, *, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class RetryLater(PostError):
    """The platform said "not now" (429, 5xx) or did not answer: try again after back-off."""


class Refused(PostError):
    """The platform refused this reply (its text or its target): a person must post it."""


class NeedsConfig(PostError):
    """Credentials or permissions were refused: retried only once the configuration changed."""


class Unconfirmed(PostError):
    """The platform may have taken the reply without saying so, and it must not be re-sent."""


_PROCESS_KEY = os.urandom(32)  # fingerprints are comparable within one process only, by design


class Responder(ABC):
    name: ClassVar[str]
    #: Secrets posting cannot work without (settings attribute names); missing ones → NotConfigured.
    required: ClassVar[tuple[str, ...]] = ()
    #: Seconds between two requests to the same host, for platforms whose settings have no delay_seconds.
    delay_seconds: ClassVar[float] = 1.0

    def __init__(self, settings: Any, *, http: Any = None, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or SystemClock()
        # APIs, not pages: robots.txt is not consulted; a given PoliteSession lends its transport
        transport = http.session if isinstance(http, PoliteSession) else http
        self.http = PoliteSession(obey_robots=False, delay_seconds=self.delay_seconds, session=transport)

    @classmethod
    def from_settings(cls, source_settings: Any, *, http: Any = None, clock: Clock | None = None) -> "Responder":
        if source_settings is None:
            raise NotConfigured(f"{cls.name}: no [sources.{cls.name}] section in the configuration")
        for key in cls.required_keys(source_settings):
            secret = getattr(source_settings, key, None)
            if secret is None:
                raise NotConfigured(f"{cls.name}: posting replies needs {key} (not configured)")
            if isinstance(secret, Secret) and not secret.is_set():
                raise NotConfigured(f"{cls.name}: posting replies needs {key} "
                                    f"(environment variable {secret.env} is not set)")
        return cls(source_settings, http=http, clock=clock)

    @classmethod
    def required_keys(cls, source_settings: Any) -> tuple[str, ...]:
        """The settings posting needs, for these settings (some platforms take one of two sets)."""
        return cls.required

    # -- the two operations -----------------------------------------------------------------

    @abstractmethod
    def post(self, case: CaseView) -> PostResult:
        """Publish the case's approved text as a reply; raise a `PostError` when it fails."""

    @abstractmethod
    def find_existing(self, case: CaseView) -> PostResult | None:
        """Our reply to the case's mention, if the platform has it."""

    # -- text ---------------------------------------------------------------------------------

    @property
    def max_chars(self) -> int | None:
        """The source's `max_reply_chars` if set, else the platform's known limit."""
        return getattr(self.settings, "max_reply_chars", None) or reply_limit(self.name)

    def outgoing_text(self, case: CaseView) -> str:
        """The text as it will be sent (a platform may add to it, e.g. Mastodon's @mention)."""
        return approved_text(case)

    def measure(self, text: str) -> int:
        return reply_length(text, self.name)

    def length_problem(self, case: CaseView) -> str | None:
        """Why the text cannot be sent as it is (over the platform's limit), or None."""
        limit, text = self.max_chars, self.outgoing_text(case)
        if not text.strip():
            return "the approved reply is empty"
        if limit is not None and self.measure(text) > limit:
            return (f"the reply is {self.measure(text)} characters long as {self.name} counts them; it allows {limit}. "
                    "Shorten it and approve it again")
        return None

    # -- configuration ------------------------------------------------------------------------

    def fingerprint(self) -> str:
        """Changes whenever the settings or a secret's value change (an HMAC with a key that lives
        in this process only, so nothing derived from a secret is useful outside it)."""
        digest = hmac.new(_PROCESS_KEY, digestmod=hashlib.sha256)
        for key, value in self.settings:
            if isinstance(value, Secret):
                value = ["secret", value.env, os.environ.get(value.env, "")]
            digest.update(f"{key}={json.dumps(value, default=str, sort_keys=True)}\n".encode())
        return digest.hexdigest()[:16]

    def secrets(self) -> list[Secret]:
        return [value for _, value in self.settings if isinstance(value, Secret)]

    def mask(self, text: str) -> str:
        return mask(text, self.secrets())

    def secret(self, secret: Secret) -> str:
        """A secret's value; one emptied since start-up is a configuration problem, said in words."""
        try:
            return secret.get()
        except MissingSecret as exc:
            raise NeedsConfig(f"{self.name}: {exc}") from None


def approved_text(case: CaseView) -> str:
    return case.draft.final_text if case.draft else ""


def same_text(a: str | None, b: str | None) -> bool:
    """Equal once whitespace runs are collapsed (platforms trim and re-wrap what they store)."""
    if a is None or b is None:
        return False
    return " ".join(a.split()) == " ".join(b.split())


# -- HTTP: one table that sorts a platform's answer into the four kinds ---------------------------


def send(session: PoliteSession, method: str, url: str, *, what: str,
         retry_after: Callable[[requests.Response], float | None] | None = None,
         masked: Callable[[str], str] = lambda text: text, allow: tuple[int, ...] = (),
         **kwargs: Any) -> requests.Response:
    """One request through the polite session; any failure comes out as a `PostError`.
    Answers with a status in `allow` (say 404 for "no reply yet") are returned, not raised."""
    seen: list[requests.Response] = []
    hooks = {"response": lambda response, *args, **kw: seen.append(response)}
    try:
        return session.request(method, url, what=what, hooks=hooks, **kwargs)
    except SourceError as exc:
        last = seen[-1] if seen else None
        if last is not None and last.status_code in allow:
            return last
        if last is not None and last.status_code >= 400:
            raise sort_status(last, what, retry_after=retry_after, masked=masked) from None
        if isinstance(exc, TransientSourceError):  # a timeout, a refused connection
            raise RetryLater(masked(str(exc)), retry_after=exc.retry_after) from None
        raise NeedsConfig(masked(str(exc))) from None


def sort_status(response: requests.Response, what: str, *,
                retry_after: Callable[[requests.Response], float | None] | None = None,
                masked: Callable[[str], str] = lambda text: text) -> PostError:
    """The kind of a failed answer, with the platform's own words (secrets masked)."""
    status = response.status_code
    words = masked(platform_words(response))
    if status == 429:
        delay = (retry_after(response) if retry_after else None)
        if delay is None:
            delay = parse_retry_after(response.headers.get("Retry-After")) or reset_header_delay(response.headers)
        return RetryLater(f"{what}: rate limited (429: {words})", retry_after=delay)
    if status >= 500 or status in (408, 425):
        return RetryLater(f"{what}: server error ({status}: {words})",
                          retry_after=parse_retry_after(response.headers.get("Retry-After")))
    if status in (401, 402, 403, 407):
        return NeedsConfig(f"{what}: access refused ({status}: {words}); check the credentials and the "
                           "account's permissions")
    if status in (404, 410):
        return Refused(f"{what}: not found ({status}: {words}); the post or review may have been deleted")
    return Refused(f"{what}: the platform refused the reply ({status}: {words})")


_TAGS = re.compile(r"<[^>]+>")


def platform_words(response: requests.Response) -> str:
    """The reason a platform gave, from the error shapes in use: {"error": "..."} (Mastodon),
    {"error", "message"} (atproto), {"error": {"status", "message"}} (Google), {"errors": [{"title",
    "detail"}]} (App Store Connect), {"title", "detail"} (X), {"message"} (Trustpilot)."""
    try:
        body = response.json()
    except ValueError:
        text = " ".join(_TAGS.sub(" ", response.text or "").split())
        return (text[:200] or response.reason or "no reason given")
    parts: list[Any] = []
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            parts += [error.get("status"), error.get("message")]
        else:
            parts.append(error)
        parts += [body.get(k) for k in ("message", "title", "detail", "error_description")]
        errors = body.get("errors")
        for item in errors[:3] if isinstance(errors, list) else []:
            if isinstance(item, dict):
                parts += [item.get("code"), item.get("title"), item.get("detail") or item.get("message")]
    said = list(dict.fromkeys(str(p).strip() for p in parts if isinstance(p, (str, int)) and str(p).strip()))
    return ": ".join(said)[:300] or response.reason or "no reason given"
