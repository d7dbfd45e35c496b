"""Trustpilot: a company's public review pages, newest first.

`GET {base_url}/review/{domain}?sort=recency&languages=all&page=N`. The page is a Next.js page:
its `<script id="__NEXT_DATA__">` JSON holds the reviews at `props.pageProps.reviews` and the
page count at `props.pageProps.filters.pagination.totalPages`. When that script is missing or
unreadable, the review cards of the HTML are read instead (`article` elements marked
`data-service-review-card-paper`, with Trustpilot's `data-service-review-*` attributes).

This is a scraped public page: robots.txt is obeyed. Replies cannot be posted from here; that
needs Trustpilot's Business API (a paid plan), left for a later issue.
"""
from __future__ import annotations

import json
import logging
from typing import Any, ClassVar, Iterator, Mapping
from urllib.parse import quote

from bs4 import BeautifulSoup
from pydantic import Field

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from monitor.secrets import Secret
from sources.base import CheckResult, Source
from sources.errors import MalformedPayload, SourceConfigError
from sources.review_cursor import Page, Review, Watermark, read_marks, read_newest_first, write_cursor
from sources.review_fields import BadField, clean, dig, ident, iso_time, parse_each, stars, string
from sources.review_http import PagedSettings, HttpUrl, checked, is_not_found, polite_session

log = logging.getLogger("replywatch.sources")


class TrustpilotSettings(PagedSettings):
    domain: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$",
                        description="The company's page on Trustpilot: trustpilot.com/review/<domain>.")
    base_url: HttpUrl = Field("https://www.trustpilot.com", description="Trustpilot's address (or a test server).")
    languages: str = Field("all", pattern=r"^[A-Za-z-]+$",
                           description="Trustpilot's language filter: 'all', or a code such as 'en'.")
    # Posting replies (responders.trustpilot) needs Trustpilot's Business API:
    business_user_id: str | None = Field(None, pattern=r"^[0-9A-Za-z]{1,64}$",
                                         description="The business user who signs replies (authorBusinessUserId).")
    business_access_token: Secret | None = Field(None, description="A ready business-user access token, or:")
    api_key: Secret | None = Field(None, description="Business API key, with api_secret, business_username "
                                                     "and business_password (password grant).")
    api_secret: Secret | None = Field(None, description="Business API secret.")
    business_username: Secret | None = Field(None, description="The business user's login e-mail.")
    business_password: Secret | None = Field(None, description="The business user's password.")
    api_url: HttpUrl = Field("https://api.trustpilot.com", description="Trustpilot's Business API host.")


class TrustpilotSource(Source):
    """Cursor: {"marks": {<domain>: watermark}} (see sources.review_cursor)."""

    name: ClassVar[str] = "trustpilot"
    Settings: ClassVar[type[PagedSettings]] = TrustpilotSettings

    settings: TrustpilotSettings

    def __init__(self, settings: TrustpilotSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.session = polite_session(settings, http, obey_robots=True)

    def check(self) -> CheckResult:
        def probe() -> str:
            page = self._page(1)
            return f"{len(page.reviews)} reviews on the newest page of {self.settings.domain}"
        return checked(self.name, probe)

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        marks = read_marks(cursor, what=self.name)
        key = self.settings.domain
        walk = read_newest_first(self._pages(), marks.get(key, Watermark()), what=self.name)
        marks[key] = walk.mark
        return FetchResult(walk.mentions, write_cursor(marks), errors=walk.errors)

    def _pages(self) -> Iterator[Page]:
        for number in range(1, self.settings.max_pages + 1):
            try:
                page = self._page(number)
            except SourceConfigError as exc:
                if number > 1 and is_not_found(exc):  # asked past the last page
                    return
                raise
            yield page
            if page.last_page is not None and number >= page.last_page:
                return

    def _page(self, number: int) -> Page:
        s = self.settings
        url = f"{s.base_url}/review/{quote(s.domain, safe='')}"
        params = {"sort": "recency", "languages": s.languages, "page": number}
        response = self.session.get(url, params=params, what=f"Trustpilot page {number} of {s.domain}")
        return parse_page(response.text, base_url=s.base_url, clock=self.clock)


def parse_page(html: str, *, base_url: str, clock: Clock) -> Page:
    """Reviews of one page, from __NEXT_DATA__ or else from the review cards."""
    soup = BeautifulSoup(html, "html.parser")
    data = _next_data(soup)
    reviews = dig(data, "props", "pageProps", "reviews", default=None)
    if isinstance(reviews, list):
        parsed, errors = parse_each(reviews, lambda r: parse_review(r, base_url=base_url, clock=clock),
                                    what="trustpilot")
        total = dig(data, "props", "pageProps", "filters", "pagination", "totalPages", default=None)
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        return Page([Review.of(m) for m in parsed], errors, last_page=total)
    cards = _cards(soup)
    if not cards:
        raise MalformedPayload("Trustpilot page: neither __NEXT_DATA__ reviews nor review cards found")
    log.info("trustpilot: no __NEXT_DATA__ reviews on the page; read %d review cards instead", len(cards))
    parsed, errors = parse_each(cards, lambda c: parse_card(c, base_url=base_url, clock=clock), what="trustpilot")
    return Page([Review.of(m) for m in parsed], errors)


def parse_review(review: Any, *, base_url: str, clock: Clock) -> Mention:
    """One review object of `props.pageProps.reviews`."""
    if not isinstance(review, dict):
        raise BadField(f"review: expected an object, got {type(review).__name__}")
    review_id = ident(dig(review, "id"))
    return Mention(
        source="trustpilot",
        external_id=review_id,
        text=string(review, "text", optional=True) or "",
        created_at=iso_time(dig(review, "dates", "publishedDate"), "dates.publishedDate"),
        url=f"{base_url}/reviews/{quote(review_id, safe='')}",
        author=string(review, "consumer", "displayName", optional=True),
        title=string(review, "title", optional=True),
        rating=stars(dig(review, "rating")),
        language=string(review, "language", optional=True),
        fetched_at=clock.now(),
        reply_to=review_id,
        raw=review,
    )


def parse_card(card: Any, *, base_url: str, clock: Clock) -> Mention:
    """One review card of the HTML (Trustpilot's markup attributes, 2023-2024)."""
    link = card.find("a", href=lambda h: isinstance(h, str) and "/reviews/" in h)
    if link is None:
        raise BadField("card: no link to /reviews/<id>")
    review_id = ident(link["href"].split("/reviews/", 1)[1].split("?")[0].split("#")[0].strip("/"))
    rating_el = card.find(attrs={"data-service-review-rating": True})
    time_el = card.find("time", attrs={"datetime": True})
    if rating_el is None or time_el is None:
        raise BadField("card: no rating or no <time datetime>")
    title = _text_of(card, "data-service-review-title-typography") or _text_of(card, "data-review-title-typography")
    fields = {
        "id": review_id,
        "rating": rating_el["data-service-review-rating"],
        "title": title,
        "text": _text_of(card, "data-service-review-text-typography") or "",
        "publishedDate": time_el["datetime"],
        "author": _text_of(card, "data-consumer-name-typography"),
        "language": card.get("lang"),
        "parsed_from": "html",
    }
    return Mention(
        source="trustpilot",
        external_id=review_id,
        text=fields["text"],
        created_at=iso_time(fields["publishedDate"], "time.datetime"),
        url=f"{base_url}/reviews/{quote(review_id, safe='')}",
        author=fields["author"],
        title=title,
        rating=stars(fields["rating"]),
        language=fields["language"] if isinstance(fields["language"], str) else None,
        fetched_at=clock.now(),
        reply_to=review_id,
        raw=fields,
    )


def _next_data(soup: BeautifulSoup) -> Any:
    script = soup.find("script", id="__NEXT_DATA__")
    if script is None:
        return None
    try:
        return json.loads(script.string or "")
    except (ValueError, RecursionError):
        log.info("trustpilot: __NEXT_DATA__ is not readable JSON")
        return None


def _cards(soup: BeautifulSoup) -> list[Any]:
    cards = soup.find_all(["article", "section"], attrs={"data-service-review-card-paper": True})
    if not cards:
        cards = [a for a in soup.find_all("article") if a.find(attrs={"data-service-review-rating": True})]
    return cards


def _text_of(card: Any, attribute: str) -> str | None:
    element = card.find(attrs={attribute: True})
    if element is None:
        return None
    return clean(element.get_text("\n", strip=True))
