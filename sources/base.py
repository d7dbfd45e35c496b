"""The interface every platform source implements.

A source is one small class in one file: a `name`, a pydantic `Settings` model for its config
section, `from_settings(...)`, `check()` and `fetch(cursor)`. Client libraries are imported
inside the source (never at module import), so a disabled source costs nothing.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Mapping
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from monitor.clock import Clock, SystemClock
from monitor.models import FetchResult


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an http(s) URL such as https://www.example.com")
    return value.rstrip("/")


#: A base URL setting: http(s) with a host, no trailing slash (so sources can join paths to it).
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class SourceSettings(BaseModel):
    """Keys every source section accepts; a source subclasses this to add its own."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, description="Poll this source.")
    interval_seconds: float = Field(300, gt=0, description="Seconds between polls.")
    deadline_minutes: int | None = Field(
        None, gt=0, description="Override of deadlines.response_minutes for this source."
    )
    max_reply_chars: int | None = Field(
        None, gt=0, description="The platform's reply length limit (None: no limit)."
    )


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str


class Source(ABC):
    name: ClassVar[str]
    Settings: ClassVar[type[SourceSettings]] = SourceSettings

    def __init__(self, settings: SourceSettings, *, http: Any = None, clock: Clock | None = None):
        self.settings = settings
        self.http = http
        self.clock = clock or SystemClock()

    @classmethod
    def from_settings(
        cls, settings: SourceSettings, *, http: Any = None, clock: Clock | None = None
    ) -> "Source":
        return cls(settings, http=http, clock=clock)

    @abstractmethod
    def check(self) -> CheckResult:
        """Can this source reach its platform with its credentials? Say why not, in words."""

    @abstractmethod
    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        """New mentions since `cursor`, and the cursor to resume from next time.

        Must raise a `sources.errors.SourceError` subclass for sorted failures.
        """
