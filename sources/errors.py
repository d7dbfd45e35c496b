"""Every failure at a source boundary is sorted once, into one of three kinds.

- `SourceConfigError`: the source cannot work until a human acts (bad credentials, 401/403,
  a bad setting). The source pauses; `check` and Slack say why, once.
- `TransientSourceError`: try again later (timeouts, 5xx, 429). `retry_after` carries the
  platform's Retry-After / reset hint in seconds when it gave one.
- `MalformedPayload`: one item or page could not be parsed. It is skipped with a logged,
  counted error; the rest goes on.
Anything else is a bug: it propagates with its traceback.
"""
from __future__ import annotations


class SourceError(Exception):
    """Base of every sorted source failure."""


class SourceConfigError(SourceError):
    pass


class TransientSourceError(SourceError):
    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class MalformedPayload(SourceError):
    pass


class NotConfigured(SourceError):
    """A source that cannot start (missing library or credentials); said once, the rest start."""
