"""Polite HTTP for the requests-based sources, and the one table that sorts HTTP failures.

Scrapy's defaults, kept: an identifying User-Agent, robots.txt obeyed, one request at a time
per host with a delay between them. Every response is sorted once into the kinds of
`sources.errors`, so no source hand-rolls status handling.
"""
from __future__ import annotations

import email.utils
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from sources.errors import MalformedPayload, SourceConfigError, TransientSourceError
from sources.robots import Robots

DEFAULT_USER_AGENT = "Replywatch/0.1 (+https://github.com/replywatch/replywatch; review-response monitor)"

_host_locks: dict[str, threading.Lock] = {}
_host_last: dict[str, float] = {}
_registry_lock = threading.Lock()


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After is either seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def reset_header_delay(headers: Any, *, now: float | None = None) -> float | None:
    """Seconds until a rate-limit window resets, from the headers platforms use.

    X sends `x-rate-limit-reset` as an epoch; Reddit sends `x-ratelimit-reset` as seconds left.
    """
    now = time.time() if now is None else now
    epoch = headers.get("x-rate-limit-reset")
    if epoch:
        try:
            return max(0.0, float(epoch) - now)
        except ValueError:
            pass
    seconds = headers.get("x-ratelimit-reset")
    if seconds:
        try:
            return max(0.0, float(seconds))
        except ValueError:
            pass
    return None


def sort_response(response: requests.Response, what: str) -> requests.Response:
    """Raise the right `SourceError` for a failed response; return it unchanged when it is fine."""
    status = response.status_code
    if status < 400:
        return response
    if status == 429:
        delay = parse_retry_after(response.headers.get("Retry-After")) or reset_header_delay(response.headers)
        raise TransientSourceError(f"{what}: rate limited (429)", retry_after=delay)
    if status >= 500 or status in (408, 425):
        raise TransientSourceError(f"{what}: server error {status}",
                                   retry_after=parse_retry_after(response.headers.get("Retry-After")))
    if status in (401, 403):
        raise SourceConfigError(f"{what}: access refused ({status}); check the credentials")
    if status in (404, 410):
        raise SourceConfigError(f"{what}: not found ({status}); check the configured id or URL")
    raise SourceConfigError(f"{what}: request refused ({status})")


class PoliteSession:
    """A requests session that waits its turn per host and asks robots.txt first."""

    def __init__(self, *, user_agent: str = DEFAULT_USER_AGENT, delay_seconds: float = 1.0,
                 timeout: float = 20.0, obey_robots: bool = True, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.user_agent = user_agent
        self.delay = delay_seconds
        self.timeout = timeout
        self.obey_robots = obey_robots
        self.sleep = sleep
        self._robots: dict[str, Robots | None] = {}

    def get(self, url: str, *, what: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, what=what, **kwargs)

    def get_json(self, url: str, *, what: str, **kwargs: Any) -> Any:
        response = self.get(url, what=what, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise MalformedPayload(f"{what}: response is not JSON ({exc})") from None

    def request(self, method: str, url: str, *, what: str, **kwargs: Any) -> requests.Response:
        if self.obey_robots and not self._allowed(url):
            raise SourceConfigError(f"{what}: robots.txt of {urlsplit(url).netloc} disallows {urlsplit(url).path}")
        kwargs.setdefault("timeout", self.timeout)
        with self._turn(url):
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.Timeout:
                raise TransientSourceError(f"{what}: timed out after {kwargs['timeout']} s") from None
            except requests.ConnectionError as exc:
                raise TransientSourceError(f"{what}: cannot connect ({type(exc).__name__})") from None
        return sort_response(response, what)

    def _turn(self, url: str):
        host = urlsplit(url).netloc
        with _registry_lock:
            lock = _host_locks.setdefault(host, threading.Lock())
        session = self

        class _Turn:
            def __enter__(self_inner):
                lock.acquire()
                wait = _host_last.get(host, 0.0) + session.delay - time.monotonic()
                if wait > 0:
                    session.sleep(wait)

            def __exit__(self_inner, *exc):
                _host_last[host] = time.monotonic()
                lock.release()

        return _Turn()

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._robots:
            self._robots[root] = self._read_robots(root)
        parser = self._robots[root]
        return True if parser is None else parser.can_fetch(self.user_agent, url)

    def _read_robots(self, root: str) -> Robots | None:
        """robots.txt, or None (= everything allowed) when the site has none or it is unreachable."""
        try:
            with self._turn(root + "/robots.txt"):
                response = self.session.get(root + "/robots.txt", timeout=self.timeout)
        except requests.RequestException:
            return None
        if response.status_code >= 400:
            return None
        return Robots(response.text)  # RFC 9309 wildcards: urllib.robotparser ignores them


def utc_from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)
