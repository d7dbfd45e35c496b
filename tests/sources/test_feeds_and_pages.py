"""The generic `feed` (RSS/Atom) and `page` (CSS selectors) sources against a local replay server.

No recording exists for these (they read whatever site the user points them at), so every feed
and page here is hand-built, following RSS 2.0, Atom 1.0 and ordinary review-page markup.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import pytest
from pydantic import ValidationError

from monitor.clock import FakeClock
from sources.errors import SourceConfigError, TransientSourceError
from sources.feed import FeedSource
from sources.page import PageSource
from sources.registry import source_class
from tests.fakes.replay_server import ReplayServer

FAST = {"delay_seconds": 0, "timeout_seconds": 5}
RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
ATOM_TYPE = {"Content-Type": "application/atom+xml; charset=utf-8"}


@pytest.fixture
def server(replay_server):
    """The shared replay server, reset; unscripted requests (robots.txt, say) are allowed here."""
    return replay_server.reset()


def roundtrip(cursor: Any) -> Any:
    return json.loads(json.dumps(cursor))


def ids(result) -> list[str]:
    return [m.external_id for m in result.mentions]


# --- feeds ----------------------------------------------------------------------------------


def rss_item(guid: str | None, date: str | None, title: str, body: str, link: str | None = None) -> str:
    parts = [f"<title>{title}</title>", f"<description><![CDATA[{body}]]></description>"]
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link:
        parts.append(f"<link>{link}</link>")
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    return f"<item>{''.join(parts)}<author>kunde@example.invalid (Kunde)</author></item>"


def rss(*items: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Acme Bewertungen</title>'
            f'<link>https://reviews.example/acme</link><language>de</language>{"".join(items)}</channel></rss>')


RSS_ITEMS = [
    rss_item("r-3", "Tue, 05 Mar 2024 10:00:00 +0100", "Paket kaputt",
             "<p>Die Ware kam <b>beschädigt</b> an.<script>alert(1)</script></p>"),
    rss_item("r-2", "Tue, 05 Mar 2024 09:00:00 +0000", "Gleiche Sekunde A", "Erste von zwei"),
    rss_item("r-1", "Tue, 05 Mar 2024 09:00:00 +0000", "Gleiche Sekunde B", "Zweite von zwei"),
    rss_item(None, "Mon, 04 Mar 2024 08:00:00 +0000", "Nur Link", "Ohne guid", link="https://reviews.example/acme/r-0"),
]

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Acme on Example Forum</title><id>urn:example:acme</id><updated>2024-03-05T12:00:00Z</updated>
  <entry>
    <id>urn:example:post:9</id><title type="text">Refund?</title>
    <link rel="alternate" href="https://forum.example/t/9"/>
    <published>2024-03-05T11:00:00Z</published><updated>2024-03-05T11:30:00Z</updated>
    <author><name>Sam</name></author>
    <content type="html">&lt;p&gt;Still waiting for my &lt;em&gt;refund&lt;/em&gt;.&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>urn:example:post:8</id><title>Same time one</title>
    <link href="https://forum.example/t/8"/><updated>2024-03-05T10:00:00Z</updated>
    <summary>First of two at ten</summary>
  </entry>
  <entry>
    <id>urn:example:post:7</id><title>Same time two</title>
    <link href="https://forum.example/t/7"/><updated>2024-03-05T10:00:00Z</updated>
    <summary>Second of two at ten</summary>
  </entry>
</feed>"""


def feed_source(server: ReplayServer, *paths: str, **settings) -> FeedSource:
    urls = [f"{server.url}{p}" for p in paths or ("/acme.rss",)]
    return FeedSource(FeedSource.Settings(**({"urls": urls} | FAST | settings)), clock=FakeClock())


def test_rss_and_atom_entries_become_mentions_once_then_nothing_new(server):
    server.add("GET", "/acme.rss", body=rss(*RSS_ITEMS), headers=RSS_TYPE, repeat=True)
    server.add("GET", "/forum.atom", body=ATOM, headers=ATOM_TYPE, repeat=True)
    source = feed_source(server, "/acme.rss", "/forum.atom")

    first = source.fetch(None)

    assert ids(first) == ["r-3", "r-2", "r-1", "https://reviews.example/acme/r-0",
                          "urn:example:post:9", "urn:example:post:8", "urn:example:post:7"]
    assert first.errors == 0
    broken = first.mentions[0]
    assert broken.title == "Paket kaputt" and broken.text == "Die Ware kam beschädigt an."  # no markup, no script
    assert broken.created_at == datetime(2024, 3, 5, 9, 0, tzinfo=timezone.utc)
    assert (broken.language, broken.author) == ("de", "kunde@example.invalid (Kunde)")
    refund = first.mentions[4]
    assert (refund.text, refund.author, refund.url) == ("Still waiting for my refund .", "Sam", "https://forum.example/t/9")
    assert refund.created_at == datetime(2024, 3, 5, 11, 0, tzinfo=timezone.utc)  # published before updated
    assert refund.language == "en" and refund.raw["feed"] == f"{server.url}/forum.atom"

    again = feed_source(server, "/acme.rss", "/forum.atom").fetch(roundtrip(first.cursor))
    assert again.mentions == [] and again.errors == 0


def test_a_new_entry_sharing_the_newest_timestamp_is_picked_up(server):
    server.add("GET", "/forum.atom", body=ATOM, headers=ATOM_TYPE)
    cursor = roundtrip(feed_source(server, "/forum.atom").fetch(None).cursor)
    twin = ATOM.replace("<entry>", """<entry><id>urn:example:post:10</id><title>Twin</title>
        <link href="https://forum.example/t/10"/><published>2024-03-05T11:00:00Z</published>
        <summary>Same second as post 9</summary></entry><entry>""", 1)
    server.add("GET", "/forum.atom", body=twin, headers=ATOM_TYPE)

    result = feed_source(server, "/forum.atom").fetch(cursor)

    assert ids(result) == ["urn:example:post:10"]


def test_undated_entries_are_remembered_by_id(server):
    undated = [rss_item("u-1", None, "Ohne Datum", "eins"), rss_item("u-2", None, "Ohne Datum", "zwei")]
    server.add("GET", "/acme.rss", body=rss(*undated), headers=RSS_TYPE)
    first = feed_source(server).fetch(None)
    server.add("GET", "/acme.rss", body=rss(rss_item("u-3", None, "Neu", "drei"), *undated), headers=RSS_TYPE)

    second = feed_source(server).fetch(roundtrip(first.cursor))

    assert ids(first) == ["u-1", "u-2"] and ids(second) == ["u-3"]
    assert first.mentions[0].created_at == FakeClock().now()  # no date: the time it was found


def test_an_entry_without_id_or_link_is_skipped_and_counted(server):
    server.add("GET", "/acme.rss", body=rss(rss_item(None, "Tue, 05 Mar 2024 09:00:00 +0000", "?", "anonymous"),
                                            *RSS_ITEMS[:2]), headers=RSS_TYPE)

    result = feed_source(server).fetch(None)

    assert ids(result) == ["r-3", "r-2"] and result.errors == 1


def test_a_body_that_is_not_a_feed_is_one_error_and_the_other_feeds_are_still_read(server):
    server.add("GET", "/acme.rss", body="/etc/hostname", headers={"Content-Type": "text/plain"})
    server.add("GET", "/forum.atom", body=ATOM, headers=ATOM_TYPE)

    result = feed_source(server, "/acme.rss", "/forum.atom").fetch(None)

    # feedparser is handed the bytes as a file: a body naming a local path is never opened
    assert result.errors == 1 and len(result.mentions) == 3
    assert f"{server.url}/acme.rss" not in result.cursor["marks"]


# --- pages ----------------------------------------------------------------------------------

REVIEW_PAGE = """<!doctype html><html lang="en"><body><h1>Acme reviews</h1>
<div class="review" data-review-id="p-3">
  <h3 class="title">Broken on arrival</h3><span class="who">Dana</span>
  <span class="stars" aria-label="Rated 1 out of 5"></span>
  <time datetime="2024-03-05T10:00:00+01:00">5 March</time>
  <div class="body">The kettle <b>leaked</b> on day one. <script>alert('x')</script></div>
  <a class="permalink" href="/acme/reviews/p-3">link</a>
</div>
<div class="review" data-review-id="p-2">
  <span class="who">Eli</span><span class="stars" aria-label="Rated 5 out of 5"></span>
  <time datetime="2024-03-05T08:00:00Z">5 March</time><div class="body">Lovely, fast delivery.</div>
  <a class="permalink" href="/acme/reviews/p-2">link</a>
</div>
<div class="review" data-review-id="p-1" lang="de">
  <span class="who">Fritz</span><span class="stars" aria-label="Rated 3 out of 5"></span>
  <time datetime="2024-03-05T08:00:00Z">5. März</time><div class="body">Geht so.</div>
  <a class="permalink" href="/acme/reviews/p-1">link</a>
</div>
</body></html>"""

PAGE_SELECTORS = {"item": "div.review", "text": ".body", "title": ".title", "author": ".who",
                  "rating": ".stars", "rating_attr": "aria-label", "date": "time",
                  "link": "a.permalink", "id_attr": "data-review-id"}


def page_source(server: ReplayServer, **settings) -> PageSource:
    base = {"url": f"{server.url}/acme/reviews", **PAGE_SELECTORS, **FAST}
    return PageSource(PageSource.Settings(**(base | settings)), clock=FakeClock())


def test_page_items_become_mentions_once_then_nothing_new(server):
    server.add("GET", "/acme/reviews", body=REVIEW_PAGE, repeat=True)
    first = page_source(server, id=None, id_attr=None).fetch(None)  # without an id selector: the link

    assert ids(first) == [f"{server.url}/acme/reviews/p-{n}" for n in (3, 2, 1)] and first.errors == 0
    kettle = first.mentions[0]
    assert (kettle.title, kettle.author, kettle.rating) == ("Broken on arrival", "Dana", 1)
    assert kettle.text == "The kettle leaked on day one."
    assert kettle.created_at == datetime(2024, 3, 5, 9, 0, tzinfo=timezone.utc)
    assert (kettle.language, first.mentions[2].language) == ("en", "de")

    assert page_source(server, id=None, id_attr=None).fetch(roundtrip(first.cursor)).mentions == []


def test_page_item_sharing_the_newest_timestamp_is_picked_up(server):
    server.add("GET", "/acme/reviews", body=REVIEW_PAGE)
    cursor = roundtrip(page_source(server).fetch(None).cursor)
    newcomer = REVIEW_PAGE.replace('<div class="review" data-review-id="p-3">', """
        <div class="review" data-review-id="p-4"><span class="who">Gus</span>
        <time datetime="2024-03-05T09:00:00Z">now</time><div class="body">Same second as p-3.</div></div>
        <div class="review" data-review-id="p-3">""")
    server.add("GET", "/acme/reviews", body=newcomer)

    result = page_source(server).fetch(cursor)

    assert ids(result) == ["p-4"] and result.mentions[0].rating is None  # no stars element: no rating


@pytest.mark.parametrize("markup, settings, expected", [
    ('<span class="stars" data-rating="8">8/10</span>', {"rating_attr": "data-rating", "rating_scale": 10}, 4),
    ('<span class="stars">4,5 / 5</span>', {"rating_attr": None}, 4),  # 4.5 rounds half to even
    ('<span class="stars">★★★☆☆ (3)</span>', {"rating_attr": None, "rating_pattern": r"\((\d)\)"}, 3),
])
def test_page_ratings_come_from_text_or_attributes(server, markup, settings, expected):
    html = f'<div class="review"><div class="body">ok</div>{markup}</div>'
    server.add("GET", "/acme/reviews", body=html)

    result = page_source(server, **({"date": None, "id_attr": None, "link": None} | settings)).fetch(None)

    assert [m.rating for m in result.mentions] == [expected]


def test_page_dates_in_a_site_format_and_undated_items_remembered_by_content(server):
    html = """<ul><li class="r"><p>Great</p><small>05.03.2024</small></li>
              <li class="r"><p>No date here</p></li></ul>"""
    server.add("GET", "/acme/reviews", body=html, repeat=True)
    settings = {"item": "li.r", "text": "p", "date": "small", "date_format": "%d.%m.%Y",
                "title": None, "author": None, "rating": None, "link": None, "id_attr": None}

    first = page_source(server, **settings).fetch(None)
    again = page_source(server, **settings).fetch(roundtrip(first.cursor))

    assert [m.created_at for m in first.mentions] == [datetime(2024, 3, 5, tzinfo=timezone.utc), FakeClock().now()]
    assert first.mentions[1].external_id.startswith("sha256:")
    assert again.mentions == []


def test_page_item_with_an_unreadable_rating_is_skipped_and_counted(server):
    server.add("GET", "/acme/reviews", body=REVIEW_PAGE.replace("Rated 5 out of 5", "Rated well"))

    result = page_source(server).fetch(None)

    assert ids(result) == ["p-3", "p-1"] and result.errors == 1


def test_page_where_no_item_matches_counts_one_error(server):
    server.add("GET", "/acme/reviews", body="<html><body><p>Redesigned!</p></body></html>")

    result = page_source(server).fetch(None)

    assert result.mentions == [] and result.errors == 1


def test_page_settings_reject_bad_selectors_and_patterns():
    base = {"url": "https://reviews.example/acme", "item": "div.review", "text": ".body"}
    with pytest.raises(ValidationError, match="item"):
        PageSource.Settings(**(base | {"item": "div[[["}))
    with pytest.raises(ValidationError, match="at most one group"):
        PageSource.Settings(**(base | {"rating_pattern": r"(\d)/(\d)"}))
    with pytest.raises(ValidationError, match="http"):
        PageSource.Settings(**(base | {"url": "file:///etc/passwd"}))
    with pytest.raises(ValidationError, match="selector_typo"):
        PageSource.Settings(**(base | {"selector_typo": "x"}))


# --- what both do the same way ----------------------------------------------------------------


@dataclass
class Kind:
    build: Callable[..., Any]
    path: str
    body: str


KINDS = {
    "feed": Kind(lambda s, **kw: feed_source(s, **kw), "/acme.rss", rss(*RSS_ITEMS)),
    "page": Kind(page_source, "/acme/reviews", REVIEW_PAGE),
}
BOTH = pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())


@BOTH
def test_rate_limit_is_transient_with_the_retry_after_hint(server, kind):
    server.add("GET", kind.path, status=429, headers={"Retry-After": "30"})
    with pytest.raises(TransientSourceError) as caught:
        kind.build(server).fetch(None)
    assert caught.value.retry_after == 30


@BOTH
@pytest.mark.parametrize("status", [401, 403])
def test_refused_access_is_a_config_error(server, kind, status):
    server.add("GET", kind.path, status=status)
    with pytest.raises(SourceConfigError, match=f"\\({status}\\)"):
        kind.build(server).fetch(None)


@BOTH
def test_robots_txt_disallow_is_a_config_error_naming_the_rule(server, kind):
    server.add("GET", "/robots.txt", body="User-agent: *\nDisallow: /*.rss$\nDisallow: /acme/\n")
    with pytest.raises(SourceConfigError, match="robots.txt of 127.0.0.1:\\d+ disallows"):
        kind.build(server).fetch(None)
    assert [r.path for r in server.requests] == ["/robots.txt"]


@BOTH
def test_a_server_that_hangs_past_the_timeout_is_transient(server, kind):
    server.add("GET", kind.path, body=kind.body, delay=1.0)
    with pytest.raises(TransientSourceError, match="timed out"):
        kind.build(server, timeout_seconds=0.2).fetch(None)


@BOTH
def test_check_answers_in_words_and_never_raises(server, kind):
    server.add("GET", kind.path, body=kind.body)
    server.add("GET", kind.path, status=403)
    source = kind.build(server)

    good, refused = source.check(), source.check()

    assert good.ok and good.detail.startswith(f"{source.name}: ")
    assert not refused.ok and "(403)" in refused.detail


def test_registry_resolves_feed_and_page():
    assert source_class("feed") is FeedSource and source_class("page") is PageSource
