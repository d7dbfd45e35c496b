"""Apple App Store: the per-country customer-reviews feed, newest first.

`GET {base_url}/{country}/rss/customerreviews/page={n}/id={app_id}/sortby=mostrecent/json`,
50 reviews a page, at most 10 pages, one feed per storefront (country). Apple gives no review
language (only the storefront) and no per-review link.

robots.txt: itunes.apple.com/robots.txt disallows `/*/rss/*`. This source obeys robots.txt by
default, so out of the box it refuses to poll and says why. A user who has checked that Apple's
terms allow their use of the feed opts in with `ignore_robots = true`. Replies cannot be posted
from here (Apple's App Store Connect API can reply, with other ids; a later issue).
"""
from __future__ import annotations

import re
from typing import Any, ClassVar, Iterator, Mapping

from pydantic import Field, field_validator

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from monitor.secrets import Secret
from sources.base import CheckResult, Source
from sources.errors import MalformedPayload, SourceConfigError
from sources.review_cursor import Page, Review, Watermark, read_marks, read_newest_first, write_cursor
from sources.review_fields import BadField, dig, ident, iso_time, parse_each, stars, string
from sources.review_http import PagedSettings, HttpUrl, checked, polite_session

ROBOTS_HINT = ("Apple's robots.txt disallows the customer-reviews feed; if Apple's terms allow your use, "
               "set ignore_robots = true in [sources.app_store]")
_LAST_PAGE = re.compile(r"/page=(\d{1,6})/")


class AppStoreSettings(PagedSettings):
    app_id: str = Field(..., pattern=r"^\d{1,20}$",
                        description="The app's numeric id, as in apps.apple.com/us/app/name/id<app_id>.")
    countries: list[str] = Field(["us"], min_length=1, max_length=200,
                                 description="Storefronts to watch, as two-letter codes: ['us', 'gb', 'de'].")
    base_url: HttpUrl = Field("https://itunes.apple.com", description="Apple's feed host (or a test server).")
    max_pages: int = Field(3, ge=1, le=10, description="Most pages (50 reviews each, Apple serves 10) per "
                                                       "country and poll; the first poll reads this much history.")
    ignore_robots: bool = Field(
        False, description="itunes.apple.com/robots.txt disallows /*/rss/*. Set true only after checking "
                           "that Apple's terms allow your use of the customer-reviews feed.")
    # Posting replies (responders.app_store) goes through the App Store Connect API instead:
    asc_key_id: str | None = Field(None, pattern=r"^[A-Z0-9]{6,20}$",
                                   description="App Store Connect API key id (Users and Access → Integrations).")
    asc_issuer_id: str | None = Field(None, description="The issuer id shown above that team's API keys.")
    asc_private_key: Secret | None = Field(
        None, description="The key's .p8 contents, or the path of the .p8 file (signed with PyJWT).")
    asc_token: Secret | None = Field(None, description="A ready App Store Connect bearer token (JWT) instead "
                                                       "of a key; it expires within 20 minutes.")
    asc_base_url: HttpUrl = Field("https://api.appstoreconnect.apple.com", description="App Store Connect API host.")

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        codes = [c.strip().lower() for c in value]
        if not all(re.fullmatch(r"[a-z]{2}", c) for c in codes):
            raise ValueError("each country must be a two-letter code such as 'us'")
        return list(dict.fromkeys(codes))


class AppStoreSource(Source):
    """Cursor: {"marks": {<country>: watermark}}."""

    name: ClassVar[str] = "app_store"
    Settings: ClassVar[type[PagedSettings]] = AppStoreSettings

    settings: AppStoreSettings

    def __init__(self, settings: AppStoreSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.session = polite_session(settings, http, obey_robots=not settings.ignore_robots)

    def check(self) -> CheckResult:
        def probe() -> str:
            counts = [f"{c}: {len(self._page(c, 1).reviews)}" for c in self.settings.countries]
            return "reviews on the newest page, " + ", ".join(counts)
        return checked(self.name, probe)

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        marks = read_marks(cursor, what=self.name)
        mentions: list[Mention] = []
        errors = 0
        taken: set[str] = set()
        for country in self.settings.countries:
            walk = read_newest_first(self._pages(country), marks.get(country, Watermark()),
                                     what=f"{self.name} {country}")
            marks[country] = walk.mark
            errors += walk.errors
            for mention in walk.mentions:  # a review id is Apple-wide; never hand one out twice
                if mention.external_id not in taken:
                    taken.add(mention.external_id)
                    mentions.append(mention)
        return FetchResult(mentions, write_cursor(marks), errors=errors)

    def _pages(self, country: str) -> Iterator[Page]:
        for number in range(1, self.settings.max_pages + 1):
            page = self._page(country, number)
            yield page
            if page.last_page is not None and number >= page.last_page:
                return

    def _page(self, country: str, number: int) -> Page:
        s = self.settings
        url = f"{s.base_url}/{country}/rss/customerreviews/page={number}/id={s.app_id}/sortby=mostrecent/json"
        try:
            body = self.session.get_json(url, what=f"App Store reviews ({country}) page {number}")
        except SourceConfigError as exc:
            if "robots.txt" in str(exc):
                raise SourceConfigError(f"{exc}. {ROBOTS_HINT}") from None
            raise
        return parse_feed(body, country=country, app_id=s.app_id, clock=self.clock)


def parse_feed(body: Any, *, country: str, app_id: str, clock: Clock) -> Page:
    """One page of the customer-reviews JSON feed."""
    feed = dig(body, "feed", default=None)
    if not isinstance(feed, dict):
        raise MalformedPayload("App Store feed: no 'feed' object")
    entries = feed.get("entry", [])
    if isinstance(entries, dict):  # Apple sends a lone entry as an object, not a list
        entries = [entries]
    if not isinstance(entries, list):
        raise MalformedPayload("App Store feed: 'entry' is neither a list nor an object")
    entries = [e for e in entries if not _is_app_entry(e)]
    parsed, errors = parse_each(entries, lambda e: parse_entry(e, country=country, app_id=app_id, clock=clock),
                                what=f"app_store {country}")
    return Page([Review.of(m) for m in parsed], errors, _last_page(feed))


def parse_entry(entry: Any, *, country: str, app_id: str, clock: Clock) -> Mention:
    if not isinstance(entry, dict):
        raise BadField(f"entry: expected an object, got {type(entry).__name__}")
    review_id = ident(dig(entry, "id", "label"), "id.label")
    url = string(entry, "link", "attributes", "href", optional=True)
    return Mention(
        source="app_store",
        external_id=review_id,
        text=_content(entry),
        created_at=iso_time(dig(entry, "updated", "label"), "updated.label"),
        url=url or f"https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews",
        author=string(entry, "author", "name", "label", optional=True),
        title=string(entry, "title", "label", optional=True),
        rating=stars(dig(entry, "im:rating", "label"), "im:rating"),
        fetched_at=clock.now(),
        raw=entry,
    )


def _content(entry: dict[str, Any]) -> str:
    content = entry.get("content")
    if isinstance(content, list):  # older feeds: one text and one html version
        texts = [c for c in content if dig(c, "attributes", "type", default=None) == "text"]
        content = (texts or content or [None])[0]
    return string({"content": content}, "content", "label", optional=True) or ""


def _is_app_entry(entry: Any) -> bool:
    """Older feeds open page 1 with an entry describing the app itself: not a review, not an error."""
    return isinstance(entry, dict) and "im:rating" not in entry and "im:name" in entry


def _last_page(feed: dict[str, Any]) -> int | None:
    links = feed.get("link")
    for link in links if isinstance(links, list) else []:
        if dig(link, "attributes", "rel", default=None) == "last":
            match = _LAST_PAGE.search(str(dig(link, "attributes", "href", default="")))
            if match:
                return int(match.group(1))
    return None
