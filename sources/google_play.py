"""Google Play: an app's reviews, from the Play Developer API when credentials are configured,
else from the public details page.

API (the app's own developer account): `GET {api_base}/androidpublisher/v3/applications/
{package}/reviews`, newest change first, 100 a page, `token` for the next page. Google returns
only reviews created or changed in the last seven days, and allows a limited number of these
calls per day (see its quota page). robots.txt is not consulted for the API: it is an
authenticated API call under Google's API terms, not crawling.

Public page (no credentials): `GET {base_url}/store/apps/details?id={package}&hl=..&gl=..`. The
reviews are embedded in the page's `AF_initDataCallback({key: 'ds:N', ... data: ...})` blobs as
arrays opening with a `gp:` review id. The page shows a few "most relevant" reviews, not a
complete newest-first list, and its layout changes: when no review data is found the page is
counted as one error (and logged), never a crash. robots.txt is obeyed.

Replies: the API has `reviews.reply`, used by responders/google_play.py.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, ClassVar, Iterator, Mapping
from urllib.parse import quote

from pydantic import Field

from monitor.clock import Clock
from monitor.models import FetchResult, Mention
from monitor.secrets import Secret
from sources.base import CheckResult, Source
from sources.errors import MalformedPayload
from sources.google_oauth import GoogleAuthSettings, GoogleToken
from sources.review_cursor import (Page, Review, Watermark, read_marks, read_newest_first, select_new,
                                   write_cursor)
from sources.review_fields import BadField, dig, epoch_time, ident, parse_each, stars, string
from sources.review_http import HttpUrl, bearer, checked, polite_session

log = logging.getLogger("replywatch.sources")

SCOPE = "https://www.googleapis.com/auth/androidpublisher"
_BLOB = re.compile(r"AF_initDataCallback\(\s*\{\s*key:\s*'(ds:\d+)'[^{}]{0,300}?data:\s*(?:function\s*\(\)\s*\{\s*return\s*)?",
                   re.DOTALL)
MAX_DEPTH = 40


class GooglePlaySettings(GoogleAuthSettings):
    package: str = Field(..., pattern=r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$",
                         description="The app's package name, as in play.google.com/store/apps/details?id=<package>.")
    service_account_file: Secret | None = Field(
        None, description='Path of a service account JSON key, as { env = "NAME" } holding the path '
                          "(needs the google-auth package). The account must be invited in Play Console.")
    api_base: HttpUrl = Field("https://androidpublisher.googleapis.com", description="Play Developer API host.")
    base_url: HttpUrl = Field("https://play.google.com", description="Google Play's public site (page mode).")
    language: str = Field("en", pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$",
                          description="Page mode: the hl= language of the details page.")
    country: str = Field("us", pattern=r"^[A-Za-z]{2}$", description="Page mode: the gl= country of the details page.")


class GooglePlaySource(Source):
    """Cursor: {"marks": {"api": watermark}} or {"marks": {"page": watermark}}."""

    name: ClassVar[str] = "google_play"
    Settings: ClassVar[type[GoogleAuthSettings]] = GooglePlaySettings

    settings: GooglePlaySettings

    def __init__(self, settings: GooglePlaySettings, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.use_api = settings.has_credentials()
        self.session = polite_session(settings, http, obey_robots=not self.use_api)
        self.token = GoogleToken(settings, self.session, self.clock, what=self.name, scope=SCOPE) if self.use_api else None

    def check(self) -> CheckResult:
        def probe() -> str:
            if self.use_api:
                page, _ = self._api_page(None)
                return f"Play Developer API answered, {len(page.reviews)} reviews changed in the last week on its first page"
            page = self._details_page()
            return f"public details page read, {len(page.reviews)} reviews on it (no API credentials configured)"
        return checked(self.name, probe)

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        marks = read_marks(cursor, what=self.name)
        if self.use_api:
            walk = read_newest_first(self._api_pages(), marks.get("api", Watermark()), what=self.name)
            marks["api"] = walk.mark
            return FetchResult(walk.mentions, write_cursor(marks), errors=walk.errors)
        try:
            page = self._details_page()
        except MalformedPayload as exc:
            return FetchResult([], cursor, errors=_logged(exc))
        mentions, marks["page"] = select_new(page.reviews, marks.get("page", Watermark()))
        return FetchResult(mentions, write_cursor(marks), errors=page.errors)

    # -- the Developer API ----------------------------------------------------------------------

    def _api_pages(self) -> Iterator[Page]:
        token = None
        for _ in range(self.settings.max_pages):
            page, token = self._api_page(token)
            yield page
            if not token:
                return

    def _api_page(self, page_token: str | None) -> tuple[Page, str | None]:
        s = self.settings
        url = f"{s.api_base}/androidpublisher/v3/applications/{quote(s.package, safe='')}/reviews"
        params = {"maxResults": 100, **({"token": page_token} if page_token else {})}
        assert self.token is not None
        body = self.session.get_json(url, params=params, headers=bearer(self.token.get()),
                                     what="Play Developer API reviews")
        return parse_api_page(body, package=s.package, base_url=s.base_url, clock=self.clock)

    # -- the public page ------------------------------------------------------------------------

    def _details_page(self) -> Page:
        s = self.settings
        response = self.session.get(f"{s.base_url}/store/apps/details",
                                    params={"id": s.package, "hl": s.language, "gl": s.country},
                                    what="Google Play details page")
        return parse_details_page(response.text, package=s.package, base_url=s.base_url, clock=self.clock)


def parse_api_page(body: Any, *, package: str, base_url: str, clock: Clock) -> tuple[Page, str | None]:
    """One `reviews.list` answer: the reviews and the next page token."""
    if not isinstance(body, dict):
        raise MalformedPayload("Play Developer API: the answer is not a JSON object")
    reviews = body.get("reviews", [])
    if not isinstance(reviews, list):
        raise MalformedPayload("Play Developer API: 'reviews' is not a list")
    parsed, errors = parse_each(reviews, lambda r: parse_api_review(r, package=package, base_url=base_url,
                                                                    clock=clock), what="google_play api")
    token = dig(body, "tokenPagination", "nextPageToken", default=None)
    return Page([Review.of(m) for m in parsed], errors), token if isinstance(token, str) and token else None


def parse_api_review(review: Any, *, package: str, base_url: str, clock: Clock) -> Mention:
    if not isinstance(review, dict):
        raise BadField(f"review: expected an object, got {type(review).__name__}")
    review_id = ident(dig(review, "reviewId"), "reviewId")
    comments = dig(review, "comments")
    users = [c["userComment"] for c in comments if isinstance(c, dict) and isinstance(c.get("userComment"), dict)] \
        if isinstance(comments, list) else []
    if not users:
        raise BadField("comments: no userComment")
    comment = users[0]
    title, text = _split_title(string(comment, "text", optional=True) or "")
    modified = dig(comment, "lastModified")
    return Mention(
        source="google_play",
        external_id=review_id,
        text=text,
        title=title,
        created_at=epoch_time(dig(modified, "seconds"), dig(modified, "nanos", default=0),
                              what="userComment.lastModified"),
        url=_review_url(base_url, package, review_id),
        author=string(review, "authorName", optional=True),
        rating=stars(dig(comment, "starRating"), "userComment.starRating"),
        language=string(comment, "reviewerLanguage", optional=True),
        fetched_at=clock.now(),
        reply_to=review_id,
        raw=review,
    )


def parse_details_page(html: str, *, package: str, base_url: str, clock: Clock) -> Page:
    """The reviews embedded in a details page's `ds:*` blobs; MalformedPayload if none are found."""
    blobs = list(_blobs(html))
    arrays = [a for blob in blobs for a in _review_arrays(blob, 0)]
    if not arrays:
        found = f"{len(blobs)} data blobs but no review arrays" if blobs else "no AF_initDataCallback data"
        raise MalformedPayload(f"Google Play details page: {found} (the page layout may have changed)")
    parsed, errors = parse_each(arrays, lambda a: parse_page_review(a, package=package, base_url=base_url,
                                                                    clock=clock), what="google_play page")
    return Page([Review.of(m) for m in parsed], errors)


def parse_page_review(review: Any, *, package: str, base_url: str, clock: Clock) -> Mention:
    """[id, [author, avatar], stars, _, text, [seconds, nanos], thumbs up, reply, ..., version]."""
    review_id = ident(dig(review, 0))
    raw = {"id": review_id, "author": dig(review, 1, 0, default=None), "rating": dig(review, 2),
           "text": dig(review, 4, default=None), "at": dig(review, 5), "app_version": dig(review, 10, default=None),
           "reply": dig(review, 7, default=None), "array": review}
    return Mention(
        source="google_play",
        external_id=review_id,
        text=string(review, 4, optional=True) or "",
        created_at=epoch_time(dig(review, 5, 0), dig(review, 5, 1, default=0), what="review time"),
        url=_review_url(base_url, package, review_id),
        author=string(review, 1, 0, optional=True),
        rating=stars(dig(review, 2)),
        fetched_at=clock.now(),
        reply_to=review_id,
        raw=raw,
    )


def _blobs(html: str) -> Iterator[Any]:
    decoder = json.JSONDecoder()
    for match in _BLOB.finditer(html):
        try:
            value, _ = decoder.raw_decode(html, match.end())
        except (ValueError, RecursionError):
            continue
        yield value


def _review_arrays(value: Any, depth: int) -> Iterator[list[Any]]:
    if not isinstance(value, list) or depth > MAX_DEPTH:
        return
    if value and isinstance(value[0], str) and value[0].startswith("gp:") and len(value) > 5:
        yield value
        return
    for child in value:
        yield from _review_arrays(child, depth + 1)


def _split_title(text: str) -> tuple[str | None, str]:
    """The API joins a review's title and body with a tab ("title\\tbody", or "\\tbody")."""
    if "\t" in text:
        title, body = text.split("\t", 1)
        return (title.strip() or None), body.strip()
    return None, text.strip()


def _review_url(base_url: str, package: str, review_id: str) -> str:
    return f"{base_url}/store/apps/details?id={quote(package)}&reviewId={quote(review_id, safe=':')}"


def _logged(exc: MalformedPayload) -> int:
    log.warning("google_play: skipped an unreadable page: %s", exc)
    return 1
