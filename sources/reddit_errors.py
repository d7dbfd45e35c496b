"""The one table that sorts praw/prawcore failures into the kinds of sources.errors."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from sources.errors import MalformedPayload, SourceConfigError, SourceError, TransientSourceError
from sources.http import parse_retry_after, reset_header_delay

_CODE = re.compile(r"[A-Z0-9_]{1,60}")  # Reddit's error codes (USER_REQUIRED); anything else is not shown


def sort_error(exc: BaseException) -> SourceError | None:
    """The one table for praw/prawcore failures; None for anything else (a bug)."""
    from praw.exceptions import ClientException, RedditAPIException
    from prawcore import exceptions as pc

    if isinstance(exc, pc.RequestException):
        return TransientSourceError(f"reddit: cannot reach Reddit ({type(exc.original_exception).__name__})")
    if isinstance(exc, pc.OAuthException):
        detail = f"{exc.error}: {exc.description}" if exc.description else exc.error
        return SourceConfigError(f"reddit: invalid credentials ({detail})")
    if isinstance(exc, pc.ResponseException):
        response = exc.response
        status, where = response.status_code, urlsplit(response.url or "").path
        token = where.endswith("/api/v1/access_token")
        if status == 429:
            delay = parse_retry_after(response.headers.get("retry-after")) or reset_header_delay(response.headers)
            return TransientSourceError("reddit: rate limited (429)", retry_after=delay)
        if isinstance(exc, pc.BadJSON):
            return MalformedPayload(f"reddit: {where} answered something that is not JSON")
        if status >= 500 or status == 408:
            return TransientSourceError(f"reddit: server error ({status})",
                                        retry_after=parse_retry_after(response.headers.get("retry-after")))
        if isinstance(exc, pc.InvalidToken) or (token and status in (400, 401, 403)):
            return SourceConfigError(f"reddit: invalid credentials ({status})")
        if isinstance(exc, pc.InsufficientScope):
            return SourceConfigError(f"reddit: access refused ({status}, the app lacks a scope) at {where}")
        if isinstance(exc, pc.Redirect):
            return SourceConfigError(f"reddit: {where} redirects to {exc.path}; check the subreddit names")
        if status in (401, 403):
            return SourceConfigError(f"reddit: access refused ({status}) at {where}")
        if status == 404:
            return SourceConfigError(f"reddit: not found (404) at {where}; check the subreddit names")
        return SourceConfigError(f"reddit: request refused ({status}) at {where}")
    if isinstance(exc, RedditAPIException):
        items = [i.error_type if _CODE.fullmatch(i.error_type or "") else "no reason given" for i in exc.items]
        if "RATELIMIT" in items:
            return TransientSourceError("reddit: rate limited (RATELIMIT)")
        return SourceConfigError(f"reddit: Reddit refused the request ({', '.join(items)})")
    if isinstance(exc, ClientException):
        return MalformedPayload(f"reddit: unexpected answer ({type(exc).__name__})")
    if isinstance(exc, pc.InvalidInvocation):
        return SourceConfigError(f"reddit: invalid client settings ({exc})")
    return None
