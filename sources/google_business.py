"""Google Business Profile: the reviews of your own locations (Google Maps / Search).

Mode "api" (default): `GET {base_url}/v4/accounts/{account}/locations/{location}/reviews`,
ordered by `updateTime desc`, 50 a page, `pageToken` for the next one. It needs an OAuth token of
a user who manages the profile, with the `business.manage` scope, and a Google Cloud project
that Google has approved for the Business Profile APIs. robots.txt is not consulted for the API
(an authenticated API call, not crawling). Fields: reviewId, reviewer.displayName, starRating
ONE..FIVE, comment, createTime, updateTime, reviewReply; a review's `name` is what a reply
targets (`PUT {name}/reply`, a later issue).

Mode "maps" (owners without API access): one page of the reviews that Google Maps shows, read
from `maps_reviews_url`, the address of Maps' internal `listugcposts` request for your place
(copied from the browser's network panel, sorted newest first). Its answer is `)]}'` followed
by a JSON array whose third element lists the reviews in Maps' internal array shape. It is
undocumented, may change or be refused at any time, reads only the first page, and obeys
robots.txt.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, ClassVar, Iterator, Literal, Mapping
from urllib.parse import quote

from pydantic import Field, model_validator

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from sources.base import CheckResult, Source
from sources.errors import MalformedPayload, NotConfigured
from sources.google_oauth import GoogleAuthSettings, GoogleToken
from sources.review_cursor import (Page, Review, Watermark, read_marks, read_newest_first, select_new,
                                   write_cursor)
from sources.review_fields import BadField, dig, epoch_time, ident, iso_time, parse_each, string
from sources.review_http import HttpUrl, bearer, checked, polite_session

log = logging.getLogger("replywatch.sources")

SCOPE = "https://www.googleapis.com/auth/business.manage"
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
_ID = r"^[0-9A-Za-z_-]{1,64}$"


class GoogleBusinessSettings(GoogleAuthSettings):
    mode: Literal["api", "maps"] = Field("api", description="'api' (Business Profile API) or 'maps' "
                                                            "(the first page of Maps' public reviews).")
    account: str | None = Field(None, pattern=_ID, description="API mode: the account id (accounts/<account>).")
    locations: list[str] = Field([], description="API mode: location ids (locations/<id>) to watch.")
    base_url: HttpUrl = Field("https://mybusiness.googleapis.com", description="Business Profile API host.")
    maps_reviews_url: HttpUrl | None = Field(
        None, description="Maps mode: the listugcposts URL of your place, copied from the browser.")

    @model_validator(mode="after")
    def _mode_needs(self) -> "GoogleBusinessSettings":
        if self.mode == "api":
            if not self.account or not self.locations:
                raise ValueError("mode 'api' needs account and locations")
            bad = [loc for loc in self.locations if not _valid_id(loc)]
            if bad:
                raise ValueError("locations must be location ids (letters, digits, '-', '_')")
        elif not self.maps_reviews_url:
            raise ValueError("mode 'maps' needs maps_reviews_url")
        return self


class GoogleBusinessSource(Source):
    """Cursor: {"marks": {<location>: watermark}} (by updateTime), or {"marks": {"maps": ...}}."""

    name: ClassVar[str] = "google_business"
    Settings: ClassVar[type[GoogleAuthSettings]] = GoogleBusinessSettings

    settings: GoogleBusinessSettings

    def __init__(self, settings: GoogleBusinessSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        api = settings.mode == "api"
        if api and not settings.has_credentials():
            raise NotConfigured(f"{self.name}: no access_token or OAuth refresh token configured")
        self.session = polite_session(settings, http, obey_robots=not api)
        self.token = GoogleToken(settings, self.session, self.clock, what=self.name, scope=SCOPE) if api else None

    def check(self) -> CheckResult:
        def probe() -> str:
            if self.settings.mode == "maps":
                return f"Maps answered, {len(self._maps_page().reviews)} reviews on the first page"
            counts = [f"{loc}: {len(self._api_page(loc, None)[0].reviews)}" for loc in self.settings.locations]
            return "Business Profile API answered; reviews on the first page, " + ", ".join(counts)
        return checked(self.name, probe)

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        marks = read_marks(cursor, what=self.name)
        if self.settings.mode == "maps":
            try:
                page = self._maps_page()
            except MalformedPayload as exc:
                log.warning("%s: skipped an unreadable page: %s", self.name, exc)
                return FetchResult([], cursor, errors=1)
            mentions, marks["maps"] = select_new(page.reviews, marks.get("maps", Watermark()))
            return FetchResult(mentions, write_cursor(marks), errors=page.errors)
        mentions: list[Mention] = []
        errors = 0
        for location in self.settings.locations:
            walk = read_newest_first(self._api_pages(location), marks.get(location, Watermark()),
                                     what=f"{self.name} {location}")
            marks[location] = walk.mark
            mentions += walk.mentions
            errors += walk.errors
        return FetchResult(mentions, write_cursor(marks), errors=errors)

    def _api_pages(self, location: str) -> Iterator[Page]:
        token = None
        for _ in range(self.settings.max_pages):
            page, token = self._api_page(location, token)
            yield page
            if not token:
                return

    def _api_page(self, location: str, page_token: str | None) -> tuple[Page, str | None]:
        s = self.settings
        url = f"{s.base_url}/v4/accounts/{quote(s.account or '', safe='')}/locations/{quote(location, safe='')}/reviews"
        params = {"pageSize": 50, "orderBy": "updateTime desc", **({"pageToken": page_token} if page_token else {})}
        assert self.token is not None
        body = self.session.get_json(url, params=params, headers=bearer(self.token.get()),
                                     what=f"Business Profile reviews of location {location}")
        return parse_api_page(body, clock=self.clock)

    def _maps_page(self) -> Page:
        assert self.settings.maps_reviews_url
        response = self.session.get(self.settings.maps_reviews_url, what="Google Maps reviews")
        return parse_maps_page(response.text, clock=self.clock)


def parse_api_page(body: Any, *, clock: Clock) -> tuple[Page, str | None]:
    if not isinstance(body, dict):
        raise MalformedPayload("Business Profile API: the answer is not a JSON object")
    reviews = body.get("reviews", [])
    if not isinstance(reviews, list):
        raise MalformedPayload("Business Profile API: 'reviews' is not a list")
    parsed, errors = parse_each(reviews, lambda r: parse_api_review(r, clock=clock), what="google_business api")
    token = body.get("nextPageToken")
    return Page(parsed, errors), token if isinstance(token, str) and token else None


def parse_api_review(review: Any, *, clock: Clock) -> Review:
    """A Business Profile `Review`; sorted (and so watermarked) by its updateTime."""
    if not isinstance(review, dict):
        raise BadField(f"review: expected an object, got {type(review).__name__}")
    star = dig(review, "starRating")
    if star not in STARS:
        raise BadField("starRating: not ONE..FIVE")
    created = iso_time(dig(review, "createTime"), "createTime")
    updated = dig(review, "updateTime", default=None)
    mention = Mention(
        source="google_business",
        external_id=ident(dig(review, "reviewId"), "reviewId"),
        text=string(review, "comment", optional=True) or "",
        created_at=created,
        author=string(review, "reviewer", "displayName", optional=True),
        rating=STARS[star],
        fetched_at=clock.now(),
        reply_to=string(review, "name", optional=True),
        raw=review,
    )
    return Review(mention, iso_time(updated, "updateTime") if updated is not None else created)


def parse_maps_page(text: str, *, clock: Clock) -> Page:
    """A `listugcposts` answer: `)]}'` then [_, next token, [[review array, _, token], ...], ...]."""
    body = text.lstrip()
    if body.startswith(")]}'"):
        body = body[4:]
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedPayload("Google Maps reviews: the answer is not JSON") from None
    items = dig(data, 2, default=None)
    if not isinstance(items, list):
        raise MalformedPayload("Google Maps reviews: no list of reviews in the answer")
    parsed, errors = parse_each(items, lambda item: parse_maps_review(item, clock=clock), what="google_business maps")
    return Page([Review.of(m) for m in parsed], errors)


def parse_maps_review(item: Any, *, clock: Clock) -> Mention:
    """One Maps review: item[0] = [id, meta, content, owner reply, links, ...].

    meta[2]/meta[3]: created/updated in microseconds; meta[4][5][0]: author; content[0][0]: stars;
    content[14][0]: language; content[15][0][0]: the text as written (content[15][1]: Google's
    translation); owner reply[14][0][0]: the owner's answer; links[3][0]: the review's address.
    """
    review = dig(item, 0)
    meta, content = dig(review, 1), dig(review, 2)
    rating = dig(content, 0, 0)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise BadField("stars: not a whole number from 1 to 5")
    reply = dig(review, 3, 14, 0, 0, default=None)
    return Mention(
        source="google_business",
        external_id=ident(dig(review, 0)),
        text=string(content, 15, 0, 0, optional=True) or "",
        created_at=epoch_time(dig(meta, 2), what="created", scale=1e6),
        url=string(review, 4, 3, 0, optional=True),
        author=string(meta, 4, 5, 0, optional=True),
        rating=rating,
        language=string(content, 14, 0, optional=True),
        fetched_at=clock.now(),
        raw={"array": item, "owner_reply": reply if isinstance(reply, str) else None},
    )


def _valid_id(value: str) -> bool:
    return re.fullmatch(_ID, value) is not None
