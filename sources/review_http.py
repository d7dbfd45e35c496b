"""What the review, feed and page sources share about HTTP: settings, the session, `check`.

Every request goes through `sources.http.PoliteSession` (identifying User-Agent, one request at
a time per host with a delay, robots.txt for scraped pages, one table of HTTP failures).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import requests
from pydantic import Field

from monitor.secrets import MissingSecret, Secret
from sources.base import CheckResult, HttpUrl, SourceSettings  # noqa: F401 (HttpUrl re-exported)
from sources.errors import NotConfigured, SourceConfigError, SourceError
from sources.http import PoliteSession

log = logging.getLogger("replywatch.sources")




class HttpSettings(SourceSettings):
    """Keys every HTTP source here accepts."""

    delay_seconds: float = Field(
        1.0, ge=0, le=3600, allow_inf_nan=False,
        description="Seconds to wait between two requests to the same host (politeness).",
    )
    timeout_seconds: float = Field(
        20, gt=0, le=600, allow_inf_nan=False,
        description="Seconds to wait for an answer before the poll counts as failed (transient).",
    )


class PagedSettings(HttpSettings):
    """Keys of a source that pages through newest-first results."""

    max_pages: int = Field(
        5, ge=1, le=100,
        description="Most pages read per poll, newest first. The first poll reads this much history; "
                    "later polls stop at the first page holding an already-stored review.",
    )


def polite_session(settings: HttpSettings, http: Any, *, obey_robots: bool) -> PoliteSession:
    """The source's PoliteSession (reading robots.txt with wildcards, see sources.robots).
    `http` (from the app or a test) may supply the transport: a `requests.Session`, or a
    PoliteSession whose underlying session is reused."""
    transport = http.session if isinstance(http, PoliteSession) else http
    if transport is not None and not isinstance(transport, requests.Session):
        raise TypeError(f"http must be a requests.Session or a PoliteSession, not {type(http).__name__}")
    return PoliteSession(delay_seconds=settings.delay_seconds, timeout=settings.timeout_seconds,
                         obey_robots=obey_robots, session=transport)


def checked(name: str, probe: Callable[[], str]) -> CheckResult:
    """Run a source's probe and turn any failure into words; `check` never raises."""
    try:
        detail = probe()
    except (SourceError, MissingSecret) as exc:
        return CheckResult(False, f"{name}: {exc}")
    except Exception as exc:  # check must answer, whatever happened; the traceback goes to the log
        log.exception("%s: check failed unexpectedly", name)
        return CheckResult(False, f"{name}: unexpected {type(exc).__name__} while checking")
    return CheckResult(True, f"{name}: {detail}")


def require_secrets(name: str, **secrets: Secret | None) -> None:
    """Refuse to start, in words, when a configured secret's environment variable is empty."""
    missing = [f"{secret.env} ({key})" for key, secret in secrets.items() if secret and not secret.is_set()]
    if missing:
        raise NotConfigured(f"{name}: environment variable {', '.join(missing)} is not set")


def secret_value(secret: Secret, what: str) -> str:
    """The secret's value; an environment emptied since start-up is a config error, not a bug."""
    try:
        return secret.get()
    except MissingSecret as exc:
        raise SourceConfigError(f"{what}: {exc}") from None


def is_not_found(exc: SourceConfigError) -> bool:
    """Whether a sorted failure was a 404/410 (a page past the last one, on some sites)."""
    text = str(exc)
    return "not found (404)" in text or "not found (410)" in text


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}
