"""Review-site sources against a local replay server, with the real recordings where they exist.

Recordings (../shared/fixtures/reviews, see shared/DATA.md):
- Trustpilot: the `props.pageProps.reviews` list of three real review pages (60 reviews). No raw
  page was recorded, so `next_data_page` below builds a minimal page around it: a
  `<script id="__NEXT_DATA__">` holding the recorded reviews, as Trustpilot's Next.js page does.
- App Store: a real, raw customer-reviews JSON feed response (50 reviews), replayed as is.
- Google Play: a real, raw 2019 details page (40 embedded reviews), replayed as is.
- Google Maps: three real raw review arrays (the listugcposts shape).
- Yelp: Yelp GraphQL review objects as the site's scraper saved them (parser test only).
Where no recording exists (the Play Developer API, the Business Profile API, Yelp Fusion, an
empty App Store page, Trustpilot's HTML cards), the payloads are written here from the
platforms' documented formats and say so.
"""
from __future__ import annotations

import copy
import json
import sys
import types
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from pydantic import ValidationError

from monitor.clock import FakeClock
from sources.app_store import AppStoreSource
from sources.errors import NotConfigured, SourceConfigError, TransientSourceError
from sources.google_business import GoogleBusinessSource, parse_maps_review
from sources.google_play import GooglePlaySource
from sources.registry import source_class
from sources.trustpilot import TrustpilotSource
from sources.yelp import YelpSource, parse_review as parse_yelp_review
from tests.conftest import shared_dir
from tests.fakes.replay_server import ReplayServer

REVIEWS = shared_dir() / "fixtures" / "reviews"
TOKEN_ENV = "REPLYWATCH_TEST_REVIEW_TOKEN"
FAST = {"delay_seconds": 0, "timeout_seconds": 5}


def load(path: str) -> Any:
    return json.loads((REVIEWS / path).read_text(encoding="utf-8"))


def roundtrip(cursor: Any) -> Any:
    """The cursor as the store keeps it: through JSON and back."""
    return json.loads(json.dumps(cursor))


def ids(result) -> list[str]:
    return [m.external_id for m in result.mentions]


@pytest.fixture
def server(replay_server):
    """The shared replay server, reset; unscripted requests (robots.txt, say) are allowed here."""
    return replay_server.reset()


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "test-token-0123")


def secret() -> dict[str, str]:
    return {"env": TOKEN_ENV}


# --- Trustpilot ------------------------------------------------------------------------------

TRUSTPILOT = load("trustpilot/scrapfly_trustpilot_reviews.json")
# The scraper that saved the recording appended pages 2 and 3 in the order their downloads
# finished, so its items 40-59 are page 2 (their dates continue page 1's). Served in page order:
TRUSTPILOT_PAGES = [TRUSTPILOT[0:20], TRUSTPILOT[40:60], TRUSTPILOT[20:40]]


def next_data_page(reviews: list[Any], *, page: int = 1, total_pages: int = 1) -> str:
    """A minimal Trustpilot review page, built by this test around recorded review objects."""
    data = {"props": {"pageProps": {
        "reviews": reviews,
        "filters": {"pagination": {"currentPage": page, "perPage": 20, "totalPages": total_pages}},
    }}, "page": "/review/[businessUnit]"}
    payload = json.dumps(data).replace("<", "\\u003c")  # as Next.js escapes it inside <script>
    return ('<!DOCTYPE html><html lang="en"><head><title>Reviews</title></head><body><div id="__next"></div>'
            f'<script id="__NEXT_DATA__" type="application/json">{payload}</script></body></html>')


def trustpilot(server: ReplayServer, clock=None, **settings) -> TrustpilotSource:
    s = TrustpilotSource.Settings(**({"domain": "www.bhphotovideo.com", "base_url": server.url} | FAST | settings))
    return TrustpilotSource(s, clock=clock or FakeClock())


def serve_trustpilot(server: ReplayServer, pages: list[list[Any]]) -> None:
    for number, reviews in enumerate(pages, start=1):
        server.add("GET", "/review/www.bhphotovideo.com", query={"page": str(number)},
                   body=next_data_page(reviews, page=number, total_pages=len(pages)),
                   headers={"Content-Type": "text/html; charset=utf-8"})


def test_trustpilot_stores_every_recorded_review_once_then_nothing_new(server):
    serve_trustpilot(server, TRUSTPILOT_PAGES)
    source = trustpilot(server)

    first = source.fetch(None)

    assert sorted(ids(first)) == sorted(r["id"] for r in TRUSTPILOT) and len(first.mentions) == 60
    assert first.errors == 0
    assert Counter(m.rating for m in first.mentions) == {5: 57, 3: 2, 1: 1}
    pages_asked = [r.query["page"] for r in server.requests if r.path.startswith("/review/")]
    assert pages_asked == [["1"], ["2"], ["3"]]  # stops at totalPages
    assert all(r.query["sort"] == ["recency"] for r in server.requests if r.path.startswith("/review/"))
    assert all(r.headers["User-Agent"].startswith("Replywatch/") for r in server.requests)

    server.requests.clear()
    serve_trustpilot(server, TRUSTPILOT_PAGES[:1])
    again = trustpilot(server).fetch(roundtrip(first.cursor))
    assert again.mentions == [] and again.errors == 0
    assert [r.query.get("page") for r in server.requests if r.path.startswith("/review/")] == [["1"]]


def test_trustpilot_review_becomes_a_mention_with_every_field():
    from sources.trustpilot import parse_review

    clock = FakeClock()
    review = TRUSTPILOT[0]
    m = parse_review(review, base_url="https://www.trustpilot.com", clock=clock)

    assert (m.source, m.external_id, m.reply_to) == ("trustpilot", review["id"], review["id"])
    assert (m.title, m.text, m.rating, m.language) == (review["title"], review["text"], 5, "en")
    assert m.author == review["consumer"]["displayName"]
    assert m.created_at == datetime(2023, 12, 7, 11, 23, 40, tzinfo=timezone.utc)
    assert m.url == f"https://www.trustpilot.com/reviews/{review['id']}"
    assert m.raw == review and m.fetched_at == clock.now()
    replied = parse_review(TRUSTPILOT[24], base_url="https://x", clock=clock)
    assert replied.rating == 1 and replied.raw["reply"]["message"]  # the company's answer stays in raw


def test_trustpilot_newcomer_sharing_the_newest_timestamp_is_not_lost(server):
    serve_trustpilot(server, [TRUSTPILOT_PAGES[0]])
    cursor = roundtrip(trustpilot(server).fetch(None).cursor)
    newest = TRUSTPILOT_PAGES[0][0]
    twin = copy.deepcopy(newest) | {"id": "twin-at-the-same-second"}
    later = copy.deepcopy(TRUSTPILOT_PAGES[0][1]) | {"id": "later-one"}
    later["dates"] = dict(later["dates"], publishedDate="2023-12-08T09:00:00.000Z")
    server.clear()
    serve_trustpilot(server, [[later, twin] + TRUSTPILOT_PAGES[0]])

    result = trustpilot(server).fetch(cursor)

    assert ids(result) == ["later-one", "twin-at-the-same-second"]
    server.clear()
    serve_trustpilot(server, [[later, twin] + TRUSTPILOT_PAGES[0]])
    assert trustpilot(server).fetch(roundtrip(result.cursor)).mentions == []


def test_trustpilot_reads_the_html_review_cards_when_next_data_is_missing(server):
    # Hand-built HTML following Trustpilot's review-card markup (data-service-review-* attributes);
    # no raw Trustpilot page was recorded. Without pagination data, paging ends at a 404.
    card = """
    <article class="paper_paper styles_reviewCard" data-service-review-card-paper="true">
      <aside><a href="/users/abc" data-consumer-profile-link="true">
        <span data-consumer-name-typography="true">{author}</span></a></aside>
      <section class="styles_reviewContentwrapper">
        <div data-service-review-rating="{rating}"><img alt="Rated {rating} out of 5 stars"></div>
        <time datetime="{date}" data-service-review-date-time-ago="true">2 days ago</time>
        <div data-review-content="true">
          <a href="/reviews/{id}" data-review-title-typography="true">
            <h2 data-service-review-title-typography="true">{title}</h2></a>
          <p data-service-review-text-typography="true">{text}</p>
        </div>
      </section>
    </article>"""
    cards = [
        card.format(id="66aa01", author="Kim", rating=1, date="2024-03-02T10:00:00.000Z",
                    title="Never arrived", text="Paid two weeks ago, still no parcel."),
        card.format(id="66aa00", author="Lee", rating=5, date="2024-03-01T09:30:00.000Z",
                    title="Great", text="Fast &amp; friendly &lt;script&gt;alert(1)&lt;/script&gt;"),
        card.format(id="bad", author="X", rating="many", date="2024-03-01T09:00:00.000Z", title="t", text="t"),
    ]
    html = f"<html><body><main>{''.join(cards)}</main></body></html>"
    server.add("GET", "/review/www.bhphotovideo.com", query={"page": "1"}, body=html)
    server.add("GET", "/review/www.bhphotovideo.com", query={"page": "2"}, status=404, body="gone")

    result = trustpilot(server).fetch(None)

    assert ids(result) == ["66aa01", "66aa00"] and result.errors == 1
    first, second = result.mentions
    assert (first.author, first.rating, first.title, first.text) == ("Kim", 1, "Never arrived",
                                                                      "Paid two weeks ago, still no parcel.")
    assert first.created_at == datetime(2024, 3, 2, 10, 0, tzinfo=timezone.utc)
    assert second.text == "Fast & friendly <script>alert(1)</script>"  # text, never markup
    assert first.raw["parsed_from"] == "html"


# --- Apple App Store ------------------------------------------------------------------------

APPLE = load("apple_app_store/rss_customerreviews_id811377230.json")
APPLE_PATH = "/{country}/rss/customerreviews/page={page}/id=811377230/sortby=mostrecent/json"
# Written here (no recording): a page past the last one is a feed without entries, and a feed
# holding one review carries it as an object rather than a list (both as Apple's feed does).
EMPTY_FEED = {"feed": {"author": APPLE["feed"]["author"], "id": {"label": "empty"}, "link": []}}
ONE_ENTRY_FEED = {"feed": {"id": {"label": "gb"}, "entry": dict(copy.deepcopy(APPLE["feed"]["entry"][0]),
                                                                id={"label": "gb-only-review"})}}


def app_store(server: ReplayServer, **settings) -> AppStoreSource:
    base = {"app_id": "811377230", "base_url": server.url, "ignore_robots": True, **FAST}
    return AppStoreSource(AppStoreSource.Settings(**(base | settings)), clock=FakeClock())


def test_app_store_stores_every_recorded_review_once_then_nothing_new(server):
    server.add("GET", APPLE_PATH.format(country="us", page=1), body=APPLE, repeat=True)
    server.add("GET", APPLE_PATH.format(country="us", page=2), body=EMPTY_FEED)
    server.add("GET", APPLE_PATH.format(country="gb", page=1), body=ONE_ENTRY_FEED, repeat=True)
    server.add("GET", APPLE_PATH.format(country="gb", page=2), body=EMPTY_FEED)
    source = app_store(server, countries=["us", "GB"])

    first = source.fetch(None)

    entries = APPLE["feed"]["entry"]
    assert ids(first) == [e["id"]["label"] for e in entries] + ["gb-only-review"]
    assert first.errors == 0
    assert Counter(m.rating for m in first.mentions[:50]) == {5: 47, 4: 1, 2: 1, 1: 1}
    m = first.mentions[0]
    assert (m.title, m.author, m.rating) == ("Two Years", "Human #6293839583", 5)
    assert m.created_at == datetime(2022, 3, 3, 2, 5, 59, tzinfo=timezone.utc)  # -07:00 as UTC
    assert m.text.startswith("It\u2019s been a year now.") and m.raw == entries[0]
    assert set(first.cursor["marks"]) == {"us", "gb"}

    server.requests.clear()
    again = app_store(server, countries=["us", "gb"]).fetch(roundtrip(first.cursor))
    assert again.mentions == [] and again.errors == 0
    assert sorted(r.path for r in server.requests) == sorted(
        [APPLE_PATH.format(country="gb", page=1), APPLE_PATH.format(country="us", page=1)])


def test_app_store_obeys_apples_robots_rule_by_default_and_says_how_to_opt_in(server):
    server.add("GET", "/robots.txt", body="User-agent: *\nDisallow: /*/rss/*\n", repeat=True)
    server.add("GET", APPLE_PATH.format(country="us", page=1), body=APPLE)
    source = AppStoreSource(AppStoreSource.Settings(app_id="811377230", base_url=server.url, **FAST))

    with pytest.raises(SourceConfigError, match="robots.txt.*ignore_robots = true"):
        source.fetch(None)
    check = source.check()
    assert not check.ok and "ignore_robots" in check.detail
    assert not any("/rss/" in r.path for r in server.requests)


def test_app_store_skips_the_entry_describing_the_app_without_counting_an_error(server):
    feed = copy.deepcopy(APPLE)
    feed["feed"]["entry"].insert(0, {"im:name": {"label": "Hello Internet"}, "id": {"label": "app"}})
    server.add("GET", APPLE_PATH.format(country="us", page=1), body=feed)

    result = app_store(server, max_pages=1).fetch(None)

    assert len(result.mentions) == 50 and result.errors == 0


def test_app_store_settings_reject_bad_ids_and_countries():
    with pytest.raises(ValidationError, match="app_id"):
        AppStoreSource.Settings(app_id="../etc")
    with pytest.raises(ValidationError, match="two-letter"):
        AppStoreSource.Settings(app_id="1", countries=["usa"])
    with pytest.raises(ValidationError, match="ignore_robot"):
        AppStoreSource.Settings(app_id="1", ignore_robot=True)


# --- Google Play ----------------------------------------------------------------------------

PLAY_HTML = (REVIEWS / "google_play/details_page_com.instagram.igtv_2019.html").read_text(encoding="utf-8")
PLAY_API_PATH = "/androidpublisher/v3/applications/com.instagram.igtv/reviews"


def play_review(review_id: str, seconds: int, stars: int, text: str, language: str = "en") -> dict[str, Any]:
    """A `reviews.list` item written from Google's documented format (no recording exists)."""
    return {"reviewId": review_id, "authorName": f"Author {review_id}", "comments": [
        {"userComment": {"text": text, "lastModified": {"seconds": str(seconds), "nanos": 5000},
                         "starRating": stars, "reviewerLanguage": language, "device": "a12",
                         "androidOsVersion": 33, "appVersionCode": 120, "appVersionName": "1.2.0",
                         "thumbsUpCount": 0, "thumbsDownCount": 0}},
        {"developerComment": {"text": "Thanks!", "lastModified": {"seconds": str(seconds + 60), "nanos": 0}}},
    ]}


PLAY_API_PAGES = [
    {"reviews": [play_review("gp:r4", 1_700_000_400, 1, "Crashes\tCrashes on start since 1.2"),
                 play_review("gp:r3", 1_700_000_300, 2, "\tLogin loops forever", "de")],
     "tokenPagination": {"nextPageToken": "page-2"}},
    {"reviews": [play_review("gp:r2", 1_700_000_300, 5, "Love it"),  # same second as gp:r3
                 play_review("gp:r1", 1_700_000_100, 4, "Fine")],
     "tokenPagination": {}},
]


def google_play(server: ReplayServer, **settings) -> GooglePlaySource:
    base = {"package": "com.instagram.igtv", "base_url": server.url, "api_base": server.url, **FAST}
    return GooglePlaySource(GooglePlaySource.Settings(**(base | settings)), clock=FakeClock())


def test_google_play_page_mode_stores_every_review_of_the_2019_page_once(server):
    server.add("GET", "/store/apps/details", body=PLAY_HTML, repeat=True)
    source = google_play(server)

    first = source.fetch(None)

    assert len(first.mentions) == 40 and len(set(ids(first))) == 40 and first.errors == 0
    assert all(i.startswith("gp:AOqpTO") for i in ids(first))
    m = first.mentions[0]
    assert (m.author, m.rating) == ("Cazzie", 1) and m.text.startswith("I uploaded one video")
    assert m.created_at == datetime.fromtimestamp(1574145827.602, tz=timezone.utc)
    assert m.url == f"{server.url}/store/apps/details?id=com.instagram.igtv&reviewId={m.external_id}"
    seen = server.requests[-1]
    assert seen.query == {"id": ["com.instagram.igtv"], "hl": ["en"], "gl": ["us"]}
    assert "Authorization" not in seen.headers

    assert source.fetch(roundtrip(first.cursor)).mentions == []


def test_google_play_page_layout_without_reviews_is_one_counted_error_not_a_crash(server):
    server.add("GET", "/store/apps/details", body="<html><body>a new layout</body></html>")
    source = google_play(server)

    result = source.fetch({"marks": {}})

    assert result.mentions == [] and result.errors == 1 and result.cursor == {"marks": {}}


def test_google_play_api_pages_with_the_token_and_keeps_reviews_sharing_a_second(server):
    server.add("GET", PLAY_API_PATH, query={"token": "page-2"}, body=PLAY_API_PAGES[1])
    server.add("GET", PLAY_API_PATH, body=PLAY_API_PAGES[0])
    source = google_play(server, access_token=secret())

    first = source.fetch(None)

    assert ids(first) == ["gp:r4", "gp:r3", "gp:r2", "gp:r1"] and first.errors == 0
    crash = first.mentions[0]
    assert (crash.title, crash.text, crash.rating, crash.language) == ("Crashes", "Crashes on start since 1.2", 1, "en")
    assert first.mentions[1].title is None and first.mentions[1].text == "Login loops forever"
    assert crash.created_at == datetime.fromtimestamp(1_700_000_400, tz=timezone.utc) + timedelta(microseconds=5)
    assert crash.reply_to == "gp:r4"
    assert all(r.headers["Authorization"] == "Bearer test-token-0123" for r in server.requests)
    assert not any(r.path == "/robots.txt" for r in server.requests)  # an API, not a crawl

    # next poll: a review at the same second as the newest, and the known ones after it
    server.clear()
    server.requests.clear()
    server.add("GET", PLAY_API_PATH, body={"reviews": [play_review("gp:r5", 1_700_000_400, 3, "Meh")]
                                           + PLAY_API_PAGES[0]["reviews"],
                                           "tokenPagination": {"nextPageToken": "page-2"}}, repeat=True)
    again = google_play(server, access_token=secret()).fetch(roundtrip(first.cursor))
    assert ids(again) == ["gp:r5"]
    assert not any(r.query.get("token") for r in server.requests)  # stopped at the known review
    assert google_play(server, access_token=secret()).fetch(roundtrip(again.cursor)).mentions == []


def test_google_play_refreshes_an_oauth_token_and_reuses_it(server, monkeypatch):
    # Token endpoint answer written from Google's OAuth 2.0 documentation (no recording exists).
    for name in ("ID", "SECRET", "REFRESH"):
        monkeypatch.setenv(f"RW_TEST_GOOGLE_{name}", f"value-{name.lower()}")
    server.add("POST", "/token", body={"access_token": "fresh-token", "expires_in": 3599,
                                       "scope": "https://www.googleapis.com/auth/androidpublisher",
                                       "token_type": "Bearer"})
    server.add("GET", PLAY_API_PATH, body={"reviews": [], "tokenPagination": {}}, repeat=True)
    source = google_play(server, token_url=f"{server.url}/token",
                         oauth_client_id={"env": "RW_TEST_GOOGLE_ID"},
                         oauth_client_secret={"env": "RW_TEST_GOOGLE_SECRET"},
                         oauth_refresh_token={"env": "RW_TEST_GOOGLE_REFRESH"})

    source.fetch(None)
    source.fetch(None)

    token_calls = [r for r in server.requests if r.path == "/token"]
    assert len(token_calls) == 1
    assert b"grant_type=refresh_token" in token_calls[0].body and b"refresh_token=value-refresh" in token_calls[0].body
    api_calls = [r for r in server.requests if r.path == PLAY_API_PATH]
    assert [r.headers["Authorization"] for r in api_calls] == ["Bearer fresh-token"] * 2


def test_google_play_service_account_without_google_auth_says_what_to_install(monkeypatch):
    try:
        import google.oauth2  # noqa: F401
        pytest.skip("google-auth is installed here")
    except ImportError:
        pass
    monkeypatch.setenv("RW_TEST_KEYFILE", "/nonexistent/key.json")
    settings = GooglePlaySource.Settings(package="com.example.app", service_account_file={"env": "RW_TEST_KEYFILE"})
    with pytest.raises(NotConfigured, match="pip install google-auth"):
        GooglePlaySource(settings)


def test_google_play_service_account_key_is_exchanged_through_google_auth(server, monkeypatch):
    # google-auth is optional and may be absent: a stand-in with its interface shows the wiring
    # (key file path from the environment, the androidpublisher scope, refresh only when invalid).
    made = []

    class Credentials:
        def __init__(self, path, scopes):
            self.path, self.scopes, self.token, self.valid = path, scopes, None, False
            made.append(self)

        @classmethod
        def from_service_account_file(cls, path, scopes):
            return cls(path, scopes)

        def refresh(self, request):
            self.token, self.valid, self.session = "sa-token", True, request.session

    class Request:
        def __init__(self, session=None):
            self.session = session

    modules = {name: types.ModuleType(name) for name in (
        "google", "google.oauth2", "google.oauth2.service_account", "google.auth", "google.auth.transport",
        "google.auth.transport.requests", "google.auth.exceptions")}
    modules["google.oauth2.service_account"].Credentials = Credentials
    modules["google.auth.transport.requests"].Request = Request
    modules["google.auth.exceptions"].RefreshError = type("RefreshError", (Exception,), {})
    modules["google.auth.exceptions"].TransportError = type("TransportError", (Exception,), {})
    for name, module in modules.items():
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(modules[parent], child, module)
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setenv("RW_TEST_KEYFILE", "/secrets/play-key.json")
    server.add("GET", PLAY_API_PATH, body={"reviews": []}, repeat=True)
    source = google_play(server, service_account_file={"env": "RW_TEST_KEYFILE"})

    source.fetch(None)
    source.fetch(None)

    assert len(made) == 1 and made[0].path == "/secrets/play-key.json"
    assert made[0].scopes == ["https://www.googleapis.com/auth/androidpublisher"]
    assert [r.headers["Authorization"] for r in server.requests] == ["Bearer sa-token"] * 2


def test_google_play_oauth_settings_must_come_as_a_trio():
    with pytest.raises(ValidationError, match="go together"):
        GooglePlaySource.Settings(package="com.example.app", oauth_client_id=secret())


# --- Google Business Profile ----------------------------------------------------------------

GBP_PATH = "/v4/accounts/111/locations/222/reviews"


def gbp_review(review_id: str, stars: str, created: str, updated: str | None = None, comment: str | None = None):
    """A Business Profile `Review`, written from Google's documented format (no recording exists)."""
    review = {"name": f"accounts/111/locations/222/reviews/{review_id}", "reviewId": review_id,
              "reviewer": {"profilePhotoUrl": "https://example.invalid/p.png", "displayName": f"Reviewer {review_id}",
                           "isAnonymous": False},
              "starRating": stars, "createTime": created, "updateTime": updated or created}
    if comment is not None:
        review["comment"] = comment
    return review


GBP_PAGE = {"reviews": [
    gbp_review("c", "ONE", "2024-05-01T08:00:00Z", "2024-05-03T09:00:00.123456Z", "Rude staff at the desk"),
    gbp_review("b", "FIVE", "2024-05-02T10:00:00Z", comment="Lovely"),
    gbp_review("a", "THREE", "2024-05-01T10:00:00Z"),  # a rating without text
], "averageRating": 3, "totalReviewCount": 3}


def google_business(server: ReplayServer, **settings) -> GoogleBusinessSource:
    base = {"account": "111", "locations": ["222"], "base_url": server.url, "access_token": secret(), **FAST}
    return GoogleBusinessSource(GoogleBusinessSource.Settings(**(base | settings)), clock=FakeClock())


def test_google_business_api_stores_every_review_once_then_nothing_new(server):
    server.add("GET", GBP_PATH, body=GBP_PAGE, repeat=True)

    first = google_business(server).fetch(None)

    assert ids(first) == ["c", "b", "a"] and first.errors == 0
    rude = first.mentions[0]
    assert (rude.rating, rude.text, rude.author) == (1, "Rude staff at the desk", "Reviewer c")
    assert rude.created_at == datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    assert rude.reply_to == "accounts/111/locations/222/reviews/c"  # what PUT .../reply targets
    assert first.mentions[2].text == "" and first.mentions[2].rating == 3
    assert server.requests[-1].query["orderBy"] == ["updateTime desc"]
    # the watermark follows updateTime, the order Google lists them in
    assert first.cursor["marks"]["222"]["newest"] == "2024-05-03T09:00:00.123456+00:00"

    assert google_business(server).fetch(roundtrip(first.cursor)).mentions == []


def test_google_business_without_a_token_cannot_start():
    settings = GoogleBusinessSource.Settings(account="111", locations=["222"])
    with pytest.raises(NotConfigured, match="no access_token"):
        GoogleBusinessSource(settings)


def test_google_business_settings_name_what_each_mode_needs():
    with pytest.raises(ValidationError, match="needs account and locations"):
        GoogleBusinessSource.Settings(access_token=secret())
    with pytest.raises(ValidationError, match="needs maps_reviews_url"):
        GoogleBusinessSource.Settings(mode="maps")


MAPS_FILES = ["review_native_with_reply.json", "review_native_no_text.json", "review_native_no_translation.json"]


def test_google_maps_review_arrays_parse_into_mentions():
    clock = FakeClock()
    with_reply, no_text, no_translation = (
        parse_maps_review(load(f"google_maps/{name}")[0], clock=clock) for name in MAPS_FILES)

    assert (with_reply.rating, with_reply.language) == (1, "de")
    assert with_reply.text.startswith("Ich bin sehr enttäuscht")  # as written, not Google's translation
    assert with_reply.created_at == datetime.fromtimestamp(1772186522.193853, tz=timezone.utc)
    assert with_reply.raw["owner_reply"].startswith("Es tut uns sehr leid")
    assert with_reply.author == "E. Ö." and with_reply.url.startswith("https://www.google.com/maps/reviews/")
    assert (no_text.rating, no_text.text, no_text.raw["owner_reply"]) == (5, "", None)
    assert (no_translation.rating, no_translation.language) == (5, "en")
    assert no_translation.text.startswith("I had been recently in gynecologist")
    assert len({with_reply.external_id, no_text.external_id, no_translation.external_id}) == 3


def test_google_business_maps_mode_reads_the_recorded_reviews_once(server):
    # The envelope ()]}' + [null, next token, [items]]) is written here; the items are the recordings.
    items = [load(f"google_maps/{name}")[0] for name in MAPS_FILES]
    server.add("GET", "/maps/rpc/listugcposts", body=")]}'\n" + json.dumps([None, "next", items]), repeat=True)
    source = google_business(server, mode="maps", maps_reviews_url=f"{server.url}/maps/rpc/listugcposts?hl=en&pb=x",
                             access_token=None)

    first = source.fetch(None)

    assert len(first.mentions) == 3 and first.errors == 0
    assert source.fetch(roundtrip(first.cursor)).mentions == []


# --- Yelp -----------------------------------------------------------------------------------

YELP_PATH = "/v3/businesses/vons-1000-spirits-seattle-4/reviews"


def fusion_review(review_id: str, created: str, rating: int, text: str) -> dict[str, Any]:
    """A Fusion review, written from Yelp's documented format (no recording exists)."""
    return {"id": review_id, "rating": rating, "text": text, "time_created": created,
            "url": f"https://www.yelp.com/biz/vons-1000-spirits-seattle-4?hrid={review_id}",
            "user": {"id": f"u-{review_id}", "profile_url": "https://www.yelp.com/user_details?userid=u",
                     "image_url": None, "name": f"User {review_id}."}}


FUSION_PAGE = {"reviews": [fusion_review("y3", "2025-08-16 18:08:14", 1, "Cold food, waited an hour..."),
                           fusion_review("y2", "2025-01-16 11:05:24", 5, "Great pasta..."),
                           fusion_review("y1", "2025-01-16 11:05:24", 4, "Nice bar...")],
               "total": 3, "possible_languages": ["en"]}


def yelp(server: ReplayServer, **settings) -> YelpSource:
    base = {"businesses": ["vons-1000-spirits-seattle-4"], "api_key": secret(), "base_url": server.url, **FAST}
    return YelpSource(YelpSource.Settings(**(base | settings)), clock=FakeClock())


def test_yelp_fusion_stores_every_review_once_then_nothing_new(server):
    server.add("GET", YELP_PATH, body=FUSION_PAGE, repeat=True)

    first = yelp(server).fetch(None)

    assert ids(first) == ["y3", "y2", "y1"] and first.errors == 0
    cold = first.mentions[0]
    assert cold.created_at == datetime(2025, 8, 17, 1, 8, 14, tzinfo=timezone.utc)  # PDT + 7 h
    assert first.mentions[1].created_at == datetime(2025, 1, 16, 19, 5, 24, tzinfo=timezone.utc)  # PST + 8 h
    assert (cold.rating, cold.author, cold.reply_to) == (1, "User y3.", None)
    seen = server.requests[-1]
    assert seen.headers["Authorization"] == "Bearer test-token-0123"
    assert seen.query["sort_by"] == ["newest"] and len(server.requests) == 1  # total reached
    assert not any(r.path == "/robots.txt" for r in server.requests)

    assert yelp(server).fetch(roundtrip(first.cursor)).mentions == []


def test_yelp_graphql_review_objects_parse_too():
    clock = FakeClock()
    recorded = load("yelp/scrapfly_yelp_reviews.json")

    mentions = [parse_yelp_review(r, clock=clock) for r in recorded]

    assert len({m.external_id for m in mentions}) == 30
    assert Counter(m.rating for m in mentions) == {5: 22, 4: 4, 1: 4}
    first = mentions[0]
    assert (first.external_id, first.author, first.language) == ("BEKMpvESK6PzbN4gbXzntQ", "Anne W.", "en")
    assert first.created_at == datetime(2025, 8, 17, 1, 8, 14, tzinfo=timezone.utc)
    assert first.url == "https://www.yelp.com/biz/vons-1000-spirits-seattle-4?hrid=BEKMpvESK6PzbN4gbXzntQ"


def test_yelp_without_its_api_key_cannot_start(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(NotConfigured, match=f"yelp: no API key .*{TOKEN_ENV}"):
        YelpSource(YelpSource.Settings(businesses=["x"], api_key=secret()))


# --- what every review source does the same way ---------------------------------------------


@dataclass
class Site:
    build: Callable[..., Any]  # (server, **settings) -> Source
    path: str
    query: dict[str, str] | None
    body: Callable[[], Any]  # one good page
    count: int  # reviews on it
    broken: Callable[[], Any]  # the same page with one review malformed
    scraped: bool  # obeys robots.txt


def _tp_broken():
    reviews = copy.deepcopy(TRUSTPILOT_PAGES[0])
    reviews[3]["rating"] = "five stars"
    return next_data_page(reviews)


def _apple_broken():
    feed = copy.deepcopy(APPLE)
    feed["feed"]["entry"][7]["updated"] = {"label": 1648000000}
    return feed


def _play_api_broken():
    page = copy.deepcopy(PLAY_API_PAGES[1])
    del page["reviews"][0]["comments"]
    return page


def _gbp_broken():
    page = copy.deepcopy(GBP_PAGE)
    page["reviews"][1]["starRating"] = "SIX"
    return page


def _yelp_broken():
    page = copy.deepcopy(FUSION_PAGE)
    page["reviews"][0]["time_created"] = "yesterday"
    return page


SITES = {
    "trustpilot": Site(lambda s, **kw: trustpilot(s, **kw), "/review/www.bhphotovideo.com", {"page": "1"},
                       lambda: next_data_page(TRUSTPILOT_PAGES[0]), 20, _tp_broken, True),
    "app_store": Site(lambda s, **kw: app_store(s, **({"max_pages": 1, "ignore_robots": False} | kw)),
                      APPLE_PATH.format(country="us", page=1), None, lambda: APPLE, 50, _apple_broken, True),
    "google_play_page": Site(google_play, "/store/apps/details", None, lambda: PLAY_HTML, 40,
                             lambda: PLAY_HTML.replace("[1574145827,602000000]", '["soon",602000000]'), True),
    "google_play_api": Site(lambda s, **kw: google_play(s, access_token=secret(), **kw), PLAY_API_PATH, None,
                            lambda: PLAY_API_PAGES[1], 2, _play_api_broken, False),
    "google_business": Site(google_business, GBP_PATH, None, lambda: GBP_PAGE, 3, _gbp_broken, False),
    "yelp": Site(yelp, YELP_PATH, None, lambda: FUSION_PAGE, 3, _yelp_broken, False),
}
ALL = pytest.mark.parametrize("site", SITES.values(), ids=SITES.keys())


@ALL
def test_rate_limit_is_transient_with_the_retry_after_hint(server, site):
    server.add("GET", site.path, status=429, headers={"Retry-After": "120"}, body="slow down")

    with pytest.raises(TransientSourceError) as caught:
        site.build(server).fetch(None)
    assert caught.value.retry_after == 120


@ALL
@pytest.mark.parametrize("status", [401, 403])
def test_refused_access_is_a_config_error(server, site, status):
    server.add("GET", site.path, status=status, body="no")

    with pytest.raises(SourceConfigError, match=f"\\({status}\\)"):
        site.build(server).fetch(None)


@ALL
def test_one_malformed_review_is_skipped_and_counted_the_rest_stored(server, site):
    server.add("GET", site.path, query=site.query, body=site.broken())

    result = site.build(server).fetch(None)

    assert result.errors == 1 and len(result.mentions) == site.count - 1


@ALL
def test_a_server_that_hangs_past_the_timeout_is_transient(server, site):
    server.add("GET", site.path, body=site.body(), delay=1.0)

    with pytest.raises(TransientSourceError, match="timed out"):
        site.build(server, timeout_seconds=0.2).fetch(None)


@ALL
def test_robots_txt_is_obeyed_by_scrapers_and_not_asked_by_apis(server, site):
    server.add("GET", "/robots.txt", body="User-agent: *\nDisallow: /\n", repeat=True)
    server.add("GET", site.path, query=site.query, body=site.body(), repeat=True)
    source = site.build(server)

    if site.scraped:
        with pytest.raises(SourceConfigError, match="robots.txt of 127.0.0.1:\\d+ disallows"):
            source.fetch(None)
        assert [r.path for r in server.requests] == ["/robots.txt"]
    else:
        assert len(source.fetch(None).mentions) == site.count
        assert "/robots.txt" not in [r.path for r in server.requests]


@ALL
def test_check_answers_in_words_and_never_raises(server, site):
    server.add("GET", site.path, query=site.query, body=site.body())
    server.add("GET", site.path, status=403, body="no")
    source = site.build(server)

    good, refused = source.check(), source.check()

    assert good.ok and good.detail.startswith(source.name + ": ")
    assert not refused.ok and "(403)" in refused.detail and refused.detail.startswith(source.name + ": ")


@ALL
def test_an_unreadable_cursor_is_a_config_error(server, site):
    with pytest.raises(SourceConfigError, match="unreadable cursor"):
        site.build(server).fetch({"marks": {"x": {"newest": "last tuesday", "ids": []}}})


def test_registry_resolves_every_review_source():
    for name, cls in [("trustpilot", TrustpilotSource), ("app_store", AppStoreSource),
                      ("google_play", GooglePlaySource), ("google_business", GoogleBusinessSource),
                      ("yelp", YelpSource)]:
        assert source_class(name) is cls and cls.name == name


def test_a_configured_secret_whose_variable_is_empty_stops_the_source_at_start(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV)
    settings = GooglePlaySource.Settings(package="com.example.app", access_token=secret())
    with pytest.raises(NotConfigured, match=f"google_play: environment variable {TOKEN_ENV} \\(access_token\\)"):
        GooglePlaySource(settings)


def test_a_secret_emptied_after_start_is_a_config_error_not_a_crash(server, monkeypatch):
    source = yelp(server)
    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(SourceConfigError, match=TOKEN_ENV):
        source.fetch(None)
