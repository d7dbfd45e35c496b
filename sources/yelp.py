"""Yelp: reviews of your businesses through the Yelp Fusion API.

`GET {base_url}/v3/businesses/{id}/reviews?sort_by=newest&limit=..&offset=..`, with the API key
as a bearer token. Fusion returns only **3 review excerpts** per business on the standard plan
(the text is cut at about 160 characters; the link leads to the full review); larger plans
return more, paged with offset. Its `time_created` is Yelp's local time (US Pacific). The API
key needs no robots.txt (an authenticated API call, not crawling). Yelp offers no API to reply.

`parse_review` also reads Yelp's GraphQL review objects (encid, text.full, text.language,
rating, author.displayName, createdAt in UTC), the shape Yelp's own web pages use, so a future
reader of those can reuse it.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Iterator, Mapping
from urllib.parse import quote

from pydantic import Field

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from monitor.secrets import Secret
from sources.base import CheckResult, Source
from sources.errors import MalformedPayload, NotConfigured
from sources.review_cursor import Page, Review, Watermark, read_marks, read_newest_first, write_cursor
from sources.review_fields import BadField, as_utc, dig, ident, iso_time, parse_each, stars, string
from sources.review_http import HttpUrl, PagedSettings, bearer, checked, polite_session, secret_value

try:
    from zoneinfo import ZoneInfo

    PACIFIC: Any = ZoneInfo("America/Los_Angeles")
except Exception:  # no time zone database on this machine: standard time, off by an hour in summer
    PACIFIC = timezone(timedelta(hours=-8))


class YelpSettings(PagedSettings):
    businesses: list[str] = Field(..., min_length=1, description="Yelp business ids or aliases "
                                                                 "(yelp.com/biz/<alias>) to watch.")
    api_key: Secret = Field(..., description='Yelp Fusion API key, as { env = "NAME" }.')
    base_url: HttpUrl = Field("https://api.yelp.com", description="Yelp Fusion API host.")
    locale: str | None = Field(None, pattern=r"^[a-z]{2}_[A-Z]{2}$", description="Review locale, e.g. en_US.")
    page_size: int = Field(20, ge=1, le=50, description="Reviews asked for per request (the standard plan "
                                                        "returns 3 whatever is asked).")
    delay_seconds: float = Field(0.5, ge=0, le=3600, allow_inf_nan=False,
                                 description="Seconds between two requests to the API host.")


class YelpSource(Source):
    """Cursor: {"marks": {<business>: watermark}}."""

    name: ClassVar[str] = "yelp"
    Settings: ClassVar[type[PagedSettings]] = YelpSettings

    settings: YelpSettings

    def __init__(self, settings: YelpSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        if not settings.api_key.is_set():
            raise NotConfigured(f"{self.name}: no API key (environment variable {settings.api_key.env} is not set)")
        self.session = polite_session(settings, http, obey_robots=False)

    def check(self) -> CheckResult:
        def probe() -> str:
            counts = [f"{b}: {len(self._page(b, 0)[0].reviews)}" for b in self.settings.businesses]
            return "Fusion API answered; reviews returned, " + ", ".join(counts)
        return checked(self.name, probe)

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        marks = read_marks(cursor, what=self.name)
        mentions: list[Mention] = []
        errors = 0
        for business in self.settings.businesses:
            walk = read_newest_first(self._pages(business), marks.get(business, Watermark()),
                                     what=f"{self.name} {business}")
            marks[business] = walk.mark
            mentions += walk.mentions
            errors += walk.errors
        return FetchResult(mentions, write_cursor(marks), errors=errors)

    def _pages(self, business: str) -> Iterator[Page]:
        offset = 0
        for _ in range(self.settings.max_pages):
            page, total = self._page(business, offset)
            yield page
            offset += len(page.reviews) + page.errors
            if total is not None and offset >= total:
                return

    def _page(self, business: str, offset: int) -> tuple[Page, int | None]:
        s = self.settings
        params: dict[str, Any] = {"sort_by": "newest", "limit": s.page_size, "offset": offset}
        if s.locale:
            params["locale"] = s.locale
        body = self.session.get_json(f"{s.base_url}/v3/businesses/{quote(business, safe='')}/reviews",
                                     params=params, headers=bearer(secret_value(s.api_key, self.name)),
                                     what=f"Yelp reviews of {business}")
        return parse_page(body, clock=self.clock)


def parse_page(body: Any, *, clock: Clock) -> tuple[Page, int | None]:
    """A Fusion reviews answer: its reviews and the business's review total (paging is by offset)."""
    reviews = dig(body, "reviews", default=None)
    if not isinstance(reviews, list):
        raise MalformedPayload("Yelp Fusion: no list of reviews in the answer")
    parsed, errors = parse_each(reviews, lambda r: parse_review(r, clock=clock), what="yelp")
    total = body.get("total")
    total = total if isinstance(total, int) and not isinstance(total, bool) else None
    return Page([Review.of(m) for m in parsed], errors), total


def parse_review(review: Any, *, clock: Clock) -> Mention:
    """A Fusion review, or a GraphQL review object (recognised by its `encid`)."""
    if not isinstance(review, dict):
        raise BadField(f"review: expected an object, got {type(review).__name__}")
    if "encid" in review:
        return _graphql_review(review, clock)
    return Mention(
        source="yelp",
        external_id=ident(dig(review, "id")),
        text=string(review, "text", optional=True) or "",
        created_at=_pacific(dig(review, "time_created")),
        url=string(review, "url", optional=True),
        author=string(review, "user", "name", optional=True),
        rating=stars(dig(review, "rating")),
        fetched_at=clock.now(),
        raw=review,
    )


def _graphql_review(review: dict[str, Any], clock: Clock) -> Mention:
    review_id = ident(dig(review, "encid"), "encid")
    alias = string(review, "business", "alias", optional=True)
    return Mention(
        source="yelp",
        external_id=review_id,
        text=string(review, "text", "full", optional=True) or "",
        created_at=iso_time(dig(review, "createdAt"), "createdAt"),
        url=f"https://www.yelp.com/biz/{quote(alias, safe='')}?hrid={quote(review_id, safe='')}" if alias else None,
        author=string(review, "author", "displayName", optional=True),
        rating=stars(dig(review, "rating")),
        language=string(review, "text", "language", optional=True),
        fetched_at=clock.now(),
        raw=review,
    )


def _pacific(value: Any) -> datetime:
    """Fusion's "2016-08-29 00:41:13", in Yelp's local time (US Pacific), as UTC."""
    if not isinstance(value, str):
        raise BadField(f"time_created: expected text, got {type(value).__name__}")
    try:
        when = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise BadField("time_created: not YYYY-MM-DD HH:MM:SS") from None
    return as_utc(when.replace(tzinfo=PACIFIC), "time_created")
