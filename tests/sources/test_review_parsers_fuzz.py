"""Broken, truncated and hostile payloads through every review parser: they never crash.

A parser either returns what it could read, with every skipped item counted, or raises
`MalformedPayload` for a page it cannot read at all. Anything else escaping is a bug.
Payloads are real recordings (see test_review_sites.py) mutated at random, cut short, or made up.
"""
from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.clock import FakeClock
from sources import app_store, feed, google_business, google_play, page, trustpilot, yelp
from sources.errors import MalformedPayload, SourceConfigError
from sources.review_cursor import Review, Watermark, read_marks, read_undated
from tests.conftest import shared_dir

REVIEWS = shared_dir() / "fixtures" / "reviews"
CLOCK = FakeClock()
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(path: str) -> Any:
    return json.loads((REVIEWS / path).read_text(encoding="utf-8"))


TRUSTPILOT = load("trustpilot/scrapfly_trustpilot_reviews.json")[:5]
APPLE = load("apple_app_store/rss_customerreviews_id811377230.json")
APPLE["feed"]["entry"] = APPLE["feed"]["entry"][:5]
YELP_GRAPHQL = load("yelp/scrapfly_yelp_reviews.json")[:3]
MAPS = [load(f"google_maps/review_native_{n}.json")[0] for n in ("with_reply", "no_text", "no_translation")]
PLAY_HTML = (REVIEWS / "google_play/details_page_com.instagram.igtv_2019.html").read_text(encoding="utf-8")
PLAY_API = {"reviews": [{"reviewId": "gp:1", "authorName": "A", "comments": [{"userComment": {
    "text": "t\tbody", "lastModified": {"seconds": "1700000000", "nanos": 1}, "starRating": 2,
    "reviewerLanguage": "en"}}]}], "tokenPagination": {"nextPageToken": "n"}}
GBP = {"reviews": [{"name": "accounts/1/locations/2/reviews/r", "reviewId": "r", "reviewer": {"displayName": "B"},
                    "starRating": "TWO", "comment": "c", "createTime": "2024-01-01T00:00:00Z",
                    "updateTime": "2024-01-02T00:00:00Z"}], "nextPageToken": "p"}
FUSION = {"reviews": [{"id": "y", "rating": 3, "text": "t", "time_created": "2024-01-01 10:00:00",
                       "url": "https://www.yelp.com/biz/x?hrid=y", "user": {"name": "C"}}], "total": 1}

HOSTILE_TEXT = st.sampled_from([
    "<script>alert(1)</script>", "</script><script>alert(1)</script>", "\x00\x01\x7f", "{{ 7*7 }}",
    "\u202egnp.exe", "9" * 5000, "1e309", "NaN", "-1", "0", "5.5", "ONE", "2024-13-45T99:99:99Z",
    "gp:", ")]}'", "", " ", "\ud7ff" * 3,
])
JSON_SCALARS = (st.none() | st.booleans() | st.integers() | st.sampled_from([10**400, -(10**400), 2**63])
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30) | HOSTILE_TEXT)
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10) | st.sampled_from(["id", "reviews", "feed", "entry"]),
                                      inner, max_size=4), max_leaves=25)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place inside a JSON value that a mutation can replace."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, prefix + (index,))
    return found


def mutate(data: st.DataObject, original: Any, times: int = 3) -> Any:
    """The recording with a few values (or whole branches) swapped for random or hostile ones."""
    value = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(1, times))):
        where = data.draw(st.sampled_from(paths(value)))
        replacement = data.draw(JSON)
        if not where:
            return replacement
        parent = value
        for step in where[:-1]:
            parent = parent[step]
        parent[where[-1]] = replacement
    return value


def sane(reviews: list[Review]) -> None:
    for review in reviews:
        m = review.mention
        assert isinstance(m.external_id, str) and m.external_id
        assert isinstance(m.text, str) and "\x00" not in m.text
        assert m.rating is None or m.rating in (1, 2, 3, 4, 5)
        assert m.created_at.utcoffset() == timedelta(0) and review.at.utcoffset() == timedelta(0)
        json.dumps(m.raw)  # the raw payload stays storable


def survives(parse: Callable[[], Any], items: int | None = None) -> None:
    """Run a page parser: a Page (or (Page, token)) with every item read or counted, or MalformedPayload."""
    try:
        result = parse()
    except MalformedPayload:
        return
    found = result[0] if isinstance(result, tuple) else result
    sane(found.reviews)
    if items is not None:
        assert len(found.reviews) + found.errors == items


def item_count(body: Any, *path: str | int) -> int | None:
    for step in path:
        if isinstance(step, int):
            body = body[step] if isinstance(body, list) and len(body) > step else None
        else:
            body = body.get(step) if isinstance(body, dict) else None
    return len(body) if isinstance(body, list) else None


# --- JSON payloads ----------------------------------------------------------------------------


@FUZZ
@given(st.data())
def test_app_store_feed_parser_never_crashes(data):
    body = mutate(data, APPLE)
    survives(lambda: app_store.parse_feed(body, country="us", app_id="1", clock=CLOCK))


@FUZZ
@given(st.data())
def test_play_api_parser_never_crashes_and_counts_every_item(data):
    body = mutate(data, PLAY_API)
    survives(lambda: google_play.parse_api_page(body, package="a.b", base_url="https://p", clock=CLOCK),
             item_count(body, "reviews"))


@FUZZ
@given(st.data())
def test_business_profile_parser_never_crashes_and_counts_every_item(data):
    body = mutate(data, GBP)
    survives(lambda: google_business.parse_api_page(body, clock=CLOCK), item_count(body, "reviews"))


@FUZZ
@given(st.data())
def test_yelp_parser_never_crashes_on_fusion_or_graphql_shapes(data):
    body = mutate(data, {"reviews": FUSION["reviews"] + YELP_GRAPHQL, "total": 4})
    survives(lambda: yelp.parse_page(body, clock=CLOCK), item_count(body, "reviews"))


@FUZZ
@given(st.data())
def test_maps_parser_never_crashes_and_counts_every_item(data):
    body = mutate(data, [None, "token", MAPS])
    text = ")]}'\n" + json.dumps(body)
    survives(lambda: google_business.parse_maps_page(text, clock=CLOCK), item_count(body, 2))


@FUZZ
@given(JSON)
def test_every_json_parser_survives_any_json(value):
    survives(lambda: app_store.parse_feed(value, country="us", app_id="1", clock=CLOCK))
    survives(lambda: google_play.parse_api_page(value, package="a.b", base_url="https://p", clock=CLOCK))
    survives(lambda: google_business.parse_api_page(value, clock=CLOCK))
    survives(lambda: yelp.parse_page(value, clock=CLOCK))
    survives(lambda: google_business.parse_maps_page(json.dumps(value), clock=CLOCK))


# --- HTML and XML ----------------------------------------------------------------------------


def next_data_page(reviews: Any) -> str:
    payload = json.dumps({"props": {"pageProps": {"reviews": reviews}}}).replace("<", "\\u003c")
    return f'<html><body><script id="__NEXT_DATA__" type="application/json">{payload}</script></body></html>'


@FUZZ
@given(st.data())
def test_trustpilot_page_parser_never_crashes_on_mutated_or_cut_pages(data):
    reviews = mutate(data, TRUSTPILOT)
    html = next_data_page(reviews)
    cut = data.draw(st.integers(0, len(html)))
    survives(lambda: trustpilot.parse_page(html, base_url="https://t", clock=CLOCK), item_count(reviews))
    survives(lambda: trustpilot.parse_page(html[:cut], base_url="https://t", clock=CLOCK))


@FUZZ
@given(st.text(max_size=300), HOSTILE_TEXT, st.sampled_from(["1", "5", "0", "x", "9" * 400, ""]))
def test_trustpilot_card_parser_never_crashes_on_hostile_cards(noise, text, rating):
    card = (f'<article data-service-review-card-paper="true"><a href="/reviews/{noise[:20]}">'
            f'<h2 data-service-review-title-typography="true">{text}</h2></a>'
            f'<div data-service-review-rating="{rating}"></div><time datetime="{noise}"></time>'
            f'<p data-service-review-text-typography="true">{text}{noise}</p></article>')
    survives(lambda: trustpilot.parse_page(card * 2 + noise, base_url="https://t", clock=CLOCK), 2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(PLAY_HTML)), st.text(max_size=200))
def test_play_details_parser_never_crashes_on_cut_or_spliced_pages(cut, splice):
    survives(lambda: google_play.parse_details_page(PLAY_HTML[:cut], package="a.b", base_url="https://p",
                                                    clock=CLOCK))
    spliced = PLAY_HTML[:cut] + splice + PLAY_HTML[cut:]
    survives(lambda: google_play.parse_details_page(spliced, package="a.b", base_url="https://p", clock=CLOCK))


RSS = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
       '<item><guid>a</guid><title>{x}</title><description>{x}</description>'
       '<pubDate>Tue, 05 Mar 2024 10:00:00 +0100</pubDate></item>'
       '<item><link>https://e/b</link><pubDate>{x}</pubDate></item></channel></rss>')
ATOM = ('<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>{x}</id><updated>{x}</updated>'
        '<content type="html">{x}</content></entry></feed>')


@FUZZ
@given(st.sampled_from([RSS, ATOM]), st.text(max_size=100) | HOSTILE_TEXT, st.integers(0, 600),
       st.binary(max_size=200))
def test_feed_parser_never_crashes_on_hostile_cut_or_binary_feeds(template, text, cut, junk):
    document = template.replace("{x}", text).encode("utf-8", "surrogatepass")
    for body in (document, document[:cut], junk, document[:cut] + junk):
        try:
            dated, undated, errors = feed.parse_feed(body, url="https://e/f", clock=CLOCK)
        except MalformedPayload:
            continue
        sane(dated + [Review.of(m) for m in undated])
        assert errors >= 0


PAGE_SETTINGS = page.PageSettings(url="https://e/r", item="div.r", text=".t", author=".a", rating=".s",
                                  rating_attr="aria-label", date="time", link="a", id_attr="data-id")


@FUZZ
@given(st.lists(st.tuples(st.text(max_size=30) | HOSTILE_TEXT, st.text(max_size=30) | HOSTILE_TEXT), max_size=4),
       st.integers(0, 2000))
def test_page_parser_never_crashes_and_counts_every_item(fields, cut):
    items = "".join(
        f'<div class="r" data-id="{i}"><p class="t">{a}</p><b class="a">{b}</b><i class="s" aria-label="{a}"></i>'
        f'<time datetime="{b}">{a}</time><a href="{b}">x</a></div>'
        for i, (a, b) in enumerate(fields))
    html = f"<html><body>{items}</body></html>"
    dated, undated, errors = page.parse_page(html, PAGE_SETTINGS, clock=CLOCK)
    sane(dated + [Review.of(m) for m in undated])
    assert len(dated) + len(undated) + errors == max(len(fields), 1)  # no item at all counts one error
    page.parse_page(html[:cut], PAGE_SETTINGS, clock=CLOCK)


# --- cursors ---------------------------------------------------------------------------------


@FUZZ
@given(JSON)
def test_an_unreadable_cursor_is_a_config_error_never_a_crash(value):
    for read in (read_marks, read_undated):
        try:
            read(value if isinstance(value, dict) else {"marks": value, "undated": value}, what="fuzz")
        except SourceConfigError:
            pass


def test_watermark_survives_a_json_roundtrip():
    mark = Watermark().after([(CLOCK.now(), "b"), (CLOCK.now(), "a"), (CLOCK.now() - timedelta(days=1), "c")])
    again = Watermark.from_json(json.loads(json.dumps(mark.to_json())), what="t")
    assert again == mark and again.ids == {"a", "b"}
