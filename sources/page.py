"""Any HTML page of reviews, described in config by CSS selectors.

For a review site nobody wrote a source for: `item` selects each review on the page, and the
other selectors are looked up inside it. Example (config.toml):

    [sources.page]
    enabled = true
    url = "https://reviews.example/acme"
    item = "div.review"
    text = ".body"
    author = ".who"
    date = "time"                 # the `datetime` attribute, else the element's text
    rating = ".stars"
    rating_attr = "aria-label"    # "Rated 4 out of 5": the first number is taken
    link = "a.permalink"

The id of an item is, in order: the attribute `id_attr` of the `id` element (or of the item
itself), or that element's text; else the link; else a hash of author, date and text. Items with a date are picked by the watermark (newest date
plus the ids seen at it); items without one are remembered by id. robots.txt is obeyed.
"""
from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from typing import Any, ClassVar, Mapping
from urllib.parse import urljoin

import soupsieve
from bs4 import BeautifulSoup
from pydantic import Field, field_validator

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from sources.base import CheckResult, Source
from sources.review_cursor import (Review, UndatedIds, Watermark, read_marks, read_undated, select_new,
                                   write_cursor)
from sources.review_fields import BadField, as_utc, clean, ident, iso_time, parse_each, stars
from sources.review_http import HttpSettings, HttpUrl, checked, polite_session

log = logging.getLogger("replywatch.sources")

SELECTORS = ("item", "text", "title", "author", "rating", "date", "link", "id")


class PageSettings(HttpSettings):
    url: HttpUrl = Field(..., description="The page listing the reviews.")
    item: str = Field(..., description="CSS selector of one review on the page.")
    text: str = Field(..., description="CSS selector of the review text, inside an item.")
    title: str | None = Field(None, description="CSS selector of the review title, inside an item.")
    author: str | None = Field(None, description="CSS selector of the author's name, inside an item.")
    rating: str | None = Field(None, description="CSS selector of the rating, inside an item.")
    rating_attr: str | None = Field(None, description="Attribute holding the rating (data-rating, aria-label); "
                                                      "default: the element's text.")
    rating_pattern: str = Field(r"(\d+(?:[.,]\d+)?)", description="Regular expression whose first group "
                                                                  "(or whole match) is the rating number.")
    rating_scale: float = Field(5, gt=0, le=100, allow_inf_nan=False,
                                description="The site's best rating (10 for marks out of 10); scaled to 1-5.")
    date: str | None = Field(None, description="CSS selector of the review date, inside an item.")
    date_attr: str = Field("datetime", description="Attribute holding the date, if present; else the text.")
    date_format: str | None = Field(None, description="strptime format of the date (default: ISO 8601).")
    link: str | None = Field(None, description="CSS selector of the review's permalink, inside an item.")
    link_attr: str = Field("href", description="Attribute holding the link.")
    id: str | None = Field(None, description="CSS selector of the element carrying the review id, inside "
                                             "an item (default: the item itself, when id_attr is set).")
    id_attr: str | None = Field(None, description="Attribute holding the id, e.g. data-review-id "
                                                  "(default: the id element's text).")

    @field_validator(*SELECTORS)
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                soupsieve.compile(value)
            except Exception as exc:  # soupsieve raises its own SelectorSyntaxError (and others)
                raise ValueError(f"not a CSS selector: {exc}") from None
        return value

    @field_validator("rating_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        if compiled.groups > 1:
            raise ValueError("use at most one group: the rating number")
        return value


class PageSource(Source):
    """Cursor: {"marks": {<url>: watermark}, "undated": {<url>: [ids]}}."""

    name: ClassVar[str] = "page"
    Settings: ClassVar[type[HttpSettings]] = PageSettings

    settings: PageSettings

    def __init__(self, settings: PageSettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.session = polite_session(settings, http, obey_robots=True)

    def check(self) -> CheckResult:
        def probe() -> str:
            dated, undated, errors = self._read()
            return f"{len(dated) + len(undated)} items read, {errors} unreadable, on {self.settings.url}"
        return checked(self.name, probe)

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        marks = read_marks(cursor, what=self.name)
        undated = read_undated(cursor, what=self.name)
        url = self.settings.url
        dated, plain, errors = self._read()
        mentions, marks[url] = select_new(dated, marks.get(url, Watermark()))
        seen = UndatedIds(undated.get(url, []))
        mentions += seen.fresh(plain)
        undated[url] = seen.ids
        return FetchResult(mentions, write_cursor(marks, {k: v for k, v in undated.items() if v}), errors=errors)

    def _read(self) -> tuple[list[Review], list[Mention], int]:
        response = self.session.get(self.settings.url, what=f"page {self.settings.url}")
        return parse_page(response.text, self.settings, clock=self.clock)


def parse_page(html: str, settings: PageSettings, *, clock: Clock) -> tuple[list[Review], list[Mention], int]:
    """(dated items, undated items, malformed items skipped)."""
    soup = BeautifulSoup(html, "html.parser")
    root = soup.find("html")
    language = root.get("lang") if root is not None else None
    items = soup.select(settings.item)
    if not items:  # a review page without reviews is rarer than a selector the site's redesign broke
        log.warning("page: no item matches %r on %s (counted as an error)", settings.item, settings.url)
        return [], [], 1
    parsed, errors = parse_each(items, lambda el: parse_item(el, settings, language=language, clock=clock),
                                what=f"page {settings.url}")
    return [Review(m, m.created_at) for m, dated in parsed if dated], [m for m, dated in parsed if not dated], errors


def parse_item(item: Any, s: PageSettings, *, language: Any, clock: Clock) -> tuple[Mention, bool]:
    text = _text(item, s.text)
    if text is None:
        raise BadField(f"text: no element matches {s.text!r}")
    author = _text(item, s.author)
    date_el = item.select_one(s.date) if s.date else None
    when = _date(date_el, s) if date_el is not None else None
    link_el = item.select_one(s.link) if s.link else None
    link = link_el.get(s.link_attr) if link_el is not None else None
    link = urljoin(s.url, link) if isinstance(link, str) and link.strip() else None
    item_id = _id(item, s, link, author, when, text)
    lang = item.get("lang") or language
    raw = {"page": s.url, "id": item_id, "text": text, "author": author, "date": when.isoformat() if when else None,
           "link": link, "html": clean(str(item))[:20000]}
    mention = Mention(
        source="page",
        external_id=item_id,
        text=text,
        created_at=when or clock.now(),
        url=link,
        author=author,
        title=_text(item, s.title),
        rating=_rating(item, s),
        language=lang if isinstance(lang, str) and lang else None,
        fetched_at=clock.now(),
        raw=raw,
    )
    return mention, when is not None


def _text(item: Any, selector: str | None) -> str | None:
    element = item.select_one(selector) if selector else None
    return clean(element.get_text(" ", strip=True)) if element is not None else None


def _date(element: Any, s: PageSettings) -> datetime:
    value = element.get(s.date_attr) or element.get_text(" ", strip=True)
    if not isinstance(value, str):
        raise BadField("date: not text")
    if s.date_format:
        try:
            return as_utc(datetime.strptime(value.strip(), s.date_format))
        except ValueError:
            raise BadField("date: does not match date_format") from None
    return iso_time(value)


def _rating(item: Any, s: PageSettings) -> int | None:
    element = item.select_one(s.rating) if s.rating else None
    if element is None:
        return None
    value = element.get(s.rating_attr) if s.rating_attr else element.get_text(" ", strip=True)
    match = re.search(s.rating_pattern, value) if isinstance(value, str) else None
    if match is None:
        raise BadField("rating: no number found")
    number = float((match.group(1) if match.groups() else match.group(0)).replace(",", "."))
    scaled = number * 5 / s.rating_scale
    if not 0 < scaled <= 5:
        raise BadField("rating: outside the configured scale")
    return stars(max(1, round(scaled)))


def _id(item: Any, s: PageSettings, link: str | None, author: str | None, when: datetime | None, text: str) -> str:
    element = item.select_one(s.id) if s.id else (item if s.id_attr else None)
    if element is not None:
        value = element.get(s.id_attr) if s.id_attr else element.get_text(" ", strip=True)
        return ident(value, "id")
    if link:
        return ident(link, "link")
    digest = hashlib.sha256(f"{author}\x1f{when}\x1f{text}".encode("utf-8", "replace")).hexdigest()
    return f"sha256:{digest[:32]}"
