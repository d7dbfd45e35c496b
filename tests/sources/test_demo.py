from collections import Counter
from datetime import timedelta

import pytest
from pydantic import ValidationError

from monitor.clock import FakeClock
from sources.demo import DemoSource, load_items
from sources.errors import SourceConfigError
from sources.registry import source_class

ITEMS = load_items()
CATEGORIES = {"delivery", "damaged", "refund", "staff", "app", "other"}
REVIEW_PLATFORMS = {"app_store", "google_play", "trustpilot"}
SOCIAL_PLATFORMS = {"reddit", "x"}


def make_source(clock, **settings):
    return DemoSource(DemoSource.Settings(**settings), clock=clock)


def ids(result):
    return [m.external_id for m in result.mentions]


# --- the sample set -------------------------------------------------------------------------


def test_sample_set_has_at_least_72_items_with_unique_stable_ids():
    assert len(ITEMS) >= 72
    assert len({item["id"] for item in ITEMS}) == len(ITEMS)
    assert all(item["id"] == f"demo-{n:03d}" for n, item in enumerate(ITEMS, start=1))


def test_every_item_has_the_documented_fields():
    for item in ITEMS:
        assert item["platform"] in REVIEW_PLATFORMS | SOCIAL_PLATFORMS, item["id"]
        assert isinstance(item["author"], str) and item["author"], item["id"]
        assert item["author_reach"] is None or isinstance(item["author_reach"], int), item["id"]
        assert item["title"] is None or isinstance(item["title"], str), item["id"]
        assert isinstance(item["text"], str) and item["text"].strip(), item["id"]
        assert item["url"] == f"https://reviews.example/{item['id']}"
        assert isinstance(item["offset_seconds"], (int, float)) and item["offset_seconds"] >= 0
        expect = item["expect"]
        assert isinstance(expect["needs_response"], bool), item["id"]
        assert expect["category"] is None or expect["category"] in CATEGORIES, item["id"]
        assert (expect["category"] is not None) == expect["needs_response"], item["id"]
        if item["platform"] in SOCIAL_PLATFORMS:  # found by searching for the brand
            assert "Acme" in f"{item['title']} {item['text']}", item["id"]


def test_sample_set_is_mostly_english_with_at_least_six_each_of_de_es_ja_ru():
    languages = Counter(item["language"] for item in ITEMS)
    assert languages.most_common(1)[0][0] == "en"
    assert languages["en"] > len(ITEMS) / 2
    for code in ("de", "es", "ja", "ru"):
        assert languages[code] >= 6, code
    assert all(languages[code] >= 1 for code in ("fr", "it", "pt"))
    assert languages["ko"] + languages["hu"] >= 1


def test_reviews_have_ratings_1_to_5_and_social_posts_have_none():
    reviews = [item for item in ITEMS if item["platform"] in REVIEW_PLATFORMS]
    posts = [item for item in ITEMS if item["platform"] in SOCIAL_PLATFORMS]
    assert {item["rating"] for item in reviews} == {1, 2, 3, 4, 5}
    assert all(item["rating"] is None for item in posts)
    assert any(item["author_reach"] for item in posts)


def test_every_complaint_category_and_kind_of_mention_is_present():
    categories = Counter(item["expect"]["category"] for item in ITEMS)
    assert CATEGORIES <= set(categories)
    kinds = {item["kind"] for item in ITEMS}
    assert {"complaint", "praise", "question", "sarcasm", "neutral"} <= kinds
    texts = [item["text"] for item in ITEMS]
    assert any("where is my order??" in text for text in texts)
    assert any("third time my package is 'out for delivery'" in text for text in texts)
    assert sum(not item["expect"]["needs_response"] for item in ITEMS) >= 20


def test_urgent_items_carry_legal_safety_or_health_words():
    urgent = " ".join(f"{i['title']} {i['text']}" for i in ITEMS if i["expect"]["urgent"])
    for word in ("lawyer", "allergic reaction", "caught fire", "scam"):
        assert word in urgent, word


def test_one_author_has_a_very_large_following_and_one_complains_twice():
    assert max(item["author_reach"] or 0 for item in ITEMS) >= 1_000_000
    complainers = Counter(item["author"] for item in ITEMS if item["expect"]["needs_response"])
    assert 2 in complainers.values()


def test_sample_set_includes_hostile_markup_in_text_and_author():
    hostile = [item for item in ITEMS if "<script>" in item["text"]]
    assert len(hostile) == 1
    assert "{{ 7*7 }}" in hostile[0]["text"]
    assert "<" in hostile[0]["author"] and "{{" in hostile[0]["author"]


def test_about_a_third_starts_at_zero_with_complaints_and_praise():
    first = [item for item in ITEMS if item["offset_seconds"] == 0]
    assert len(ITEMS) / 4 <= len(first) <= len(ITEMS) / 2.5
    assert sum(item["expect"]["needs_response"] for item in first) >= 5
    assert sum(item["kind"] == "praise" for item in first) >= 3
    assert max(item["offset_seconds"] for item in ITEMS) > 0


# --- fetching ------------------------------------------------------------------------------


def test_first_fetch_releases_the_offset_zero_items_as_mentions():
    clock = FakeClock()
    result = make_source(clock).fetch(None)

    expected = [item for item in ITEMS if item["offset_seconds"] == 0]
    assert ids(result) == [item["id"] for item in expected]
    first, item = result.mentions[0], expected[0]
    assert first.source == "demo" and first.key == f"demo:{item['id']}"
    assert (first.text, first.title, first.rating) == (item["text"], item["title"], item["rating"])
    assert (first.author, first.author_reach, first.url) == (
        item["author"], item["author_reach"], item["url"],
    )
    assert first.created_at == clock.now() and first.fetched_at == clock.now()
    assert first.created_at.utcoffset() == timedelta(0)
    assert first.raw == item
    assert all(m.language is None for m in result.mentions)
    assert result.cursor == {"started_at": clock.now().isoformat(), "released": len(expected)}


def test_second_fetch_at_the_same_time_releases_nothing():
    clock = FakeClock()
    source = make_source(clock)
    cursor = source.fetch(None).cursor

    again = source.fetch(cursor)

    assert again.mentions == []
    assert again.cursor == cursor


def test_advancing_the_clock_releases_more_in_order_with_their_release_times():
    clock = FakeClock()
    started = clock.now()
    source = make_source(clock)
    first = source.fetch(None)

    clock.advance(seconds=60)
    later = source.fetch(first.cursor)

    expected = [item for item in ITEMS if 0 < item["offset_seconds"] <= 60]
    assert expected and ids(later) == [item["id"] for item in expected]
    for mention, item in zip(later.mentions, expected):
        assert mention.created_at == started + timedelta(seconds=item["offset_seconds"])
        assert mention.fetched_at == clock.now()
    assert later.cursor["started_at"] == first.cursor["started_at"]


def test_offsets_are_scaled_to_release_seconds():
    clock = FakeClock()
    started = clock.now()
    source = make_source(clock, release_seconds=18)
    cursor = source.fetch(None).cursor

    clock.advance(seconds=17.9)
    almost = source.fetch(cursor)
    clock.advance(seconds=0.1)
    rest = source.fetch(almost.cursor)

    assert ids(rest) == [ITEMS[-1]["id"]]
    assert rest.mentions[0].created_at == started + timedelta(seconds=18)


def test_nothing_is_released_twice_across_fetches_and_a_restart():
    clock = FakeClock()
    source = make_source(clock)
    result = source.fetch(None)
    seen = ids(result)
    for step in range(1, 30):
        clock.advance(seconds=7)
        if step == 10:  # restart: a new source resumes from the saved cursor
            source = make_source(clock)
        result = source.fetch(result.cursor)
        seen += ids(result)

    assert seen == [item["id"] for item in ITEMS]
    assert make_source(clock).fetch(result.cursor).mentions == []


def test_items_sharing_a_release_time_are_all_released():
    offsets = Counter(item["offset_seconds"] for item in ITEMS if item["offset_seconds"] > 0)
    shared = min(offset for offset, count in offsets.items() if count > 1)
    clock = FakeClock()
    source = make_source(clock)
    cursor = source.fetch(None).cursor

    clock.advance(seconds=shared)
    result = source.fetch(cursor)

    assert ids(result)[-2:] == [i["id"] for i in ITEMS if i["offset_seconds"] == shared]


def test_release_seconds_zero_releases_everything_on_the_first_fetch():
    clock = FakeClock()
    source = make_source(clock, release_seconds=0)

    result = source.fetch(None)

    assert ids(result) == [item["id"] for item in ITEMS]
    assert all(m.created_at == clock.now() for m in result.mentions)
    assert source.fetch(result.cursor).mentions == []


def test_unreadable_cursor_is_a_config_error():
    source = make_source(FakeClock())
    for cursor in ({"released": 3}, {"started_at": "yesterday", "released": 3},
                   {"started_at": FakeClock().now().isoformat(), "released": -1}):
        with pytest.raises(SourceConfigError, match="demo: unreadable cursor"):
            source.fetch(cursor)


# --- settings, check, registry ------------------------------------------------------------


def test_settings_default_to_a_three_minute_release_polled_every_ten_seconds():
    settings = DemoSource.Settings()
    assert (settings.release_seconds, settings.interval_seconds) == (180, 10)


def test_settings_reject_unknown_keys_and_bad_release_seconds():
    with pytest.raises(ValidationError, match="release_secs"):
        DemoSource.Settings(release_secs=60)
    for bad in (-1, float("inf"), "soon"):
        with pytest.raises(ValidationError, match="release_seconds"):
            DemoSource.Settings(release_seconds=bad)


def test_check_reports_the_sample_size_and_release_window():
    result = make_source(FakeClock(), release_seconds=90).check()
    assert result.ok
    assert result.detail == f"demo: {len(ITEMS)} sample mentions, released over 90 s"


def test_registry_resolves_demo():
    assert source_class("demo") is DemoSource
