"""The X source against tweepy's real recorded traffic, replayed over HTTP by a local server.

The recordings (../shared/fixtures/tweepy) are bare tweets: tweepy's tests asked for no fields,
so they prove paging, ids, text, since_id and the creation time carried inside each id. Authors,
followers and languages are tested on pages built from X's documented v2 format, and so are all
error responses: no recording of an X 4xx or 429 exists. Each such test says so.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from pydantic import ValidationError

from monitor.clock import FakeClock
from monitor.store import Record
from sources.errors import MalformedPayload, NotConfigured, SourceConfigError, TransientSourceError
from sources.registry import source_class
from sources.twitter import TwitterSource, page_mentions
from tests.fakes.tweepy_cassettes import load_cassette, problem, serve

TOKEN = "AAAAAAAAAAAAAAAAAAAAAJ7s%2Ftest-bearer-9f3c2e"
SEARCH = "/2/tweets/search/recent"
MENTIONS = "/2/users/783214/mentions"
EMPTY = {"meta": {"result_count": 0}}  # X's documented answer when nothing matches

RECENT = load_cassette("test_client_search_recent_tweets")[0]  # 22:24-22:42 UTC, 7 Oct 2022
RECENT_LATER = load_cassette("test_asyncclient_search_recent_tweets")[0]  # same query, 22:54-23:06
ALL = load_cassette("test_client_search_all_tweets")[0]  # full-archive search, 22:42-22:58
MENTIONED = load_cassette("test_client_get_users_mentions")[0]  # mentions of @Twitter, 22:42-22:43
MENTIONED_LATER = load_cassette("test_asyncclient_get_users_mentions")[0]  # 23:07, two newer ones


@pytest.fixture(autouse=True)
def bearer(monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)



@pytest.fixture
def clock():
    return FakeClock()


def make_source(server, clock, **settings):
    settings.setdefault("queries", ["Tweepy"])
    settings.setdefault("timeout_seconds", 2)
    return TwitterSource(TwitterSource.Settings(bearer_token={"env": "X_BEARER_TOKEN"}, base_url=server.url,
                                                **settings), clock=clock)


def chain_pages(server):
    """Page 1 matches the query; pages 2-4 match on the next_token that leads to them."""
    serve(server, ALL, match={"next_token": RECENT_LATER.json()["meta"]["next_token"]}, path=SEARCH)
    serve(server, RECENT, match={"next_token": ALL.json()["meta"]["next_token"]})
    server.add("GET", SEARCH, body=EMPTY, query={"next_token": RECENT.json()["meta"]["next_token"]})
    serve(server, RECENT_LATER, match={"query": "Tweepy"})


def ids(result):
    return [m.external_id for m in result.mentions]


def recorded_ids(*interactions):
    return [t["id"] for i in interactions for t in i.json()["data"]]


# --- recorded traffic ----------------------------------------------------------------------


def test_first_poll_reads_the_newest_recorded_page_and_asks_for_fields(server, clock):
    serve(server, RECENT, match={"query": "Tweepy"})

    result = make_source(server, clock).fetch(None)

    assert ids(result) == recorded_ids(RECENT) and result.errors == 0
    assert len(server.requests) == 1, "a first poll does not walk back through history (backfill_pages=1)"
    sent = server.requests[0]
    assert sent.path == SEARCH and sent.query["query"] == ["Tweepy"]
    assert set(sent.query["tweet.fields"][0].split(",")) >= {"created_at", "lang", "author_id"}
    assert sent.query["expansions"] == ["author_id"]
    assert set(sent.query["user.fields"][0].split(",")) == {"username", "public_metrics"}
    assert sent.query["max_results"] == ["100"] and "since_id" not in sent.query
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["User-Agent"].startswith("Replywatch/")
    assert result.cursor["streams"]["search:Tweepy"] == {"since_id": RECENT.json()["meta"]["newest_id"]}


def test_recorded_tweets_become_mentions_with_the_time_inside_their_ids(server, clock):
    serve(server, RECENT, match={"query": "Tweepy"})

    result = make_source(server, clock).fetch(None)

    recorded = RECENT.json()["data"]
    for mention, tweet in zip(result.mentions, recorded):
        assert mention.key == f"twitter:{tweet['id']}" and mention.reply_to == tweet["id"]
        assert mention.text == tweet["text"]
        assert mention.url == f"https://x.com/i/status/{tweet['id']}"  # recorded without the author expansion
        assert mention.author is None and mention.author_reach is None and mention.language is None
        assert mention.raw == {"tweet": tweet, "author": None}
        assert mention.fetched_at == clock.now()
        # these test tweets print their own posting time: the id's timestamp agrees to the second
        assert mention.created_at.strftime("%Y-%m-%d %H:%M:%S") == tweet["text"][:19]


def test_pages_are_followed_and_every_tweet_comes_out_once(server, clock):
    """Three real recordings of the query "Tweepy", served as pages 1-3 of one sweep.

    They were recorded minutes apart (page 2 is tweepy's full-archive recording, served on the
    recent-search path), so they overlap by a few tweets: each must still come out once. The
    chain of next_tokens is theirs; page 4 is X's documented empty page.
    """
    chain_pages(server)
    result = make_source(server, clock, backfill_pages=10).fetch(None)

    unique = list(dict.fromkeys(recorded_ids(RECENT_LATER, ALL, RECENT)))
    assert len(unique) == 25 and ids(result) == unique
    assert [r.query.get("next_token") for r in server.requests] == [
        None, [RECENT_LATER.json()["meta"]["next_token"]], [ALL.json()["meta"]["next_token"]],
        [RECENT.json()["meta"]["next_token"]]]
    assert result.cursor["streams"]["search:Tweepy"] == {"since_id": RECENT_LATER.json()["meta"]["newest_id"]}


def test_every_recorded_tweet_is_stored_once_and_the_cursor_survives_the_store(server, clock, store):
    """The chained recordings through the real store: 25 tweets stored, then a since_id poll stores none."""
    chain_pages(server)
    server.add("GET", SEARCH, body=EMPTY, query={"since_id": RECENT_LATER.json()["meta"]["newest_id"]})
    source = make_source(server, clock, backfill_pages=10)

    first = source.fetch(store.cursors.get("twitter"))
    stored = store.ingest("twitter", [Record(m) for m in first.mentions], first.cursor, now=clock.now())
    second = source.fetch(store.cursors.get("twitter"))  # read back from the database (JSON)
    again = store.ingest("twitter", [Record(m) for m in second.mentions], second.cursor, now=clock.now())

    assert (stored.stored, again.stored, store.mention_count("twitter")) == (25, 0, 25)
    assert server.requests[-1].query["since_id"] == [RECENT_LATER.json()["meta"]["newest_id"]]


def test_second_poll_sends_since_id_and_stores_nothing_new(server, clock):
    newest = RECENT.json()["meta"]["newest_id"]
    server.add("GET", SEARCH, body=EMPTY, query={"since_id": newest})
    serve(server, RECENT, match={"query": "Tweepy"})
    source = make_source(server, clock)
    first = source.fetch(None)

    second = source.fetch(first.cursor)

    assert second.mentions == [] and second.errors == 0
    assert server.requests[-1].query["since_id"] == [newest]
    assert second.cursor["streams"] == first.cursor["streams"]


def test_mentions_of_the_brand_then_only_the_newer_ones(server, clock):
    """Mentions of @Twitter recorded at 22:43, then tweepy's later recording (23:07) as the since_id poll."""
    first_newest = MENTIONED.json()["meta"]["newest_id"]
    serve(server, MENTIONED_LATER, match={"since_id": first_newest})
    server.add("GET", MENTIONS, body=EMPTY, query={"pagination_token": MENTIONED_LATER.json()["meta"]["next_token"]})
    serve(server, MENTIONED)
    source = make_source(server, clock, queries=[], brand_user_id="783214")

    first = source.fetch(None)
    second = source.fetch(first.cursor)

    assert ids(first) == recorded_ids(MENTIONED)
    assert any("respond to my ticket" in m.text for m in first.mentions)
    assert ids(second) == recorded_ids(MENTIONED_LATER)
    assert not set(ids(first)) & set(ids(second))
    assert second.cursor["streams"]["mentions:783214"] == {"since_id": MENTIONED_LATER.json()["meta"]["newest_id"]}
    assert [r.path for r in server.requests] == [MENTIONS] * 3


def test_a_sweep_cut_short_resumes_next_poll_and_skips_nothing(server, clock):
    """max_pages=1: each poll reads one page of the chained recordings and saves its place."""
    old = "1578500000000000000"
    chain_pages(server)
    source = make_source(server, clock, max_pages=1)
    cursor = {"streams": {"search:Tweepy": {"since_id": old}}}

    seen = []
    for _ in range(4):
        result = source.fetch(cursor)
        seen += ids(result)
        cursor = result.cursor

    assert sorted(set(seen)) == sorted(set(recorded_ids(RECENT_LATER, ALL, RECENT)))
    assert all(r.query["since_id"] == [old] for r in server.requests)
    assert cursor["streams"]["search:Tweepy"] == {"since_id": RECENT_LATER.json()["meta"]["newest_id"]}


def test_a_spent_rate_limit_window_stops_paging_until_it_resets(server, clock):
    """The recorded page with its x-rate-limit-remaining set to 0 and its reset moved to our clock."""
    reset = int(clock.now().timestamp()) + 600
    serve(server, RECENT_LATER, match={"query": "Tweepy"},
          headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
    source = make_source(server, clock, max_pages=5)
    cursor = {"streams": {"search:Tweepy": {"since_id": "1578500000000000000"}}}

    first = source.fetch(cursor)
    assert ids(first) == recorded_ids(RECENT_LATER) and len(server.requests) == 1
    waiting = source.fetch(first.cursor)
    assert waiting.mentions == [] and len(server.requests) == 1, "no request while the window is spent"

    clock.advance(seconds=601)
    serve(server, ALL, match={"next_token": RECENT_LATER.json()["meta"]["next_token"]}, path=SEARCH)
    server.add("GET", SEARCH, body=EMPTY, query={"next_token": ALL.json()["meta"]["next_token"]})
    resumed = source.fetch(waiting.cursor)
    assert server.requests[1].query["next_token"] == [RECENT_LATER.json()["meta"]["next_token"]]
    assert server.requests[1].query["since_id"] == ["1578500000000000000"], "since_id waits for the sweep's end"
    assert set(ids(resumed)) == set(recorded_ids(ALL))
    assert resumed.cursor["streams"]["search:Tweepy"] == {"since_id": RECENT_LATER.json()["meta"]["newest_id"]}


# --- errors (built from X's documented formats: no recording of them exists) -----------------


def test_429_is_transient_with_retry_after_from_the_reset_header(server, clock):
    """X's documented 429: x-rate-limit-* headers and a problem body."""
    reset = int(clock.now().timestamp()) + 300
    server.add("GET", SEARCH, status=429, body=problem(429, "Too Many Requests", "Too Many Requests"),
               headers={"x-rate-limit-limit": "60", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})

    with pytest.raises(TransientSourceError, match="rate limited") as caught:
        make_source(server, clock).fetch(None)
    assert caught.value.retry_after == 300


def test_a_spent_usage_cap_is_a_config_error(server, clock):
    """The 429 X sends when the monthly post cap is spent (type .../problems/usage-capped)."""
    server.add("GET", SEARCH, status=429, body=problem(
        429, "UsageCapExceeded", "Usage cap exceeded: Monthly product cap",
        type="https://api.twitter.com/2/problems/usage-capped", period="Monthly", scope="Product"))

    with pytest.raises(SourceConfigError, match="usage cap"):
        make_source(server, clock).fetch(None)


def test_401_is_a_config_error_that_names_the_variable_never_the_token(server, clock, caplog):
    server.add("GET", SEARCH, status=401, body=problem(401, "Unauthorized", "Unauthorized"))
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="tweepy")  # the CLI quiets tweepy; this test reads its debug log

    with pytest.raises(SourceConfigError) as caught:
        make_source(server, clock).fetch(None)

    message = str(caught.value)
    assert "refused the bearer token (401" in message and "X_BEARER_TOKEN" in message
    assert TOKEN not in message and TOKEN not in caplog.text
    assert "Bearer ***" in caplog.text, "tweepy's debug log of its headers was redacted, not silenced"
    assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_403_for_an_app_without_search_access_is_a_config_error_in_xs_words(server, clock):
    """X's documented client-forbidden problem."""
    detail = ("When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens "
              "from a Twitter developer App that is attached to a Project.")
    server.add("GET", SEARCH, status=403, body=problem(
        403, "Client Forbidden", detail, type="https://api.twitter.com/2/problems/client-forbidden",
        reason="client-not-enrolled", required_enrollment="Appropriate Level of API Access"))

    with pytest.raises(SourceConfigError, match="refused access \\(403: Client Forbidden: When authenticating"):
        make_source(server, clock).fetch(None)


def test_server_errors_and_timeouts_are_transient(server, clock):
    server.add("GET", SEARCH, status=503, body=problem(503, "Service Unavailable", "Service Unavailable"))
    with pytest.raises(TransientSourceError, match="server error 503"):
        make_source(server, clock).fetch(None)

    server.add("GET", SEARCH, body=EMPTY, delay=1.0)
    with pytest.raises(TransientSourceError, match="timed out"):
        make_source(server, clock, timeout_seconds=0.2).fetch(None)


def test_a_since_id_x_no_longer_accepts_starts_again_from_the_newest_page(server, clock):
    """X's documented invalid-request problem for a since_id older than the 7-day search window."""
    stale = "1000000000000000000"
    server.add("GET", SEARCH, status=400, query={"since_id": stale}, body=problem(
        400, "Invalid Request", "One or more parameters to your request was invalid.",
        type="https://api.twitter.com/2/problems/invalid-request",
        errors=[{"parameters": {"since_id": [stale]}, "message": "Invalid 'since_id'"}]))
    serve(server, RECENT, match={"query": "Tweepy"})

    result = make_source(server, clock).fetch({"streams": {"search:Tweepy": {"since_id": stale}}})

    assert ids(result) == recorded_ids(RECENT)
    assert "since_id" not in server.requests[-1].query


def test_a_bad_query_is_a_config_error(server, clock):
    server.add("GET", SEARCH, status=400,
               body=problem(400, "Invalid Request", "There were errors processing your request"))
    with pytest.raises(SourceConfigError, match="400"):
        make_source(server, clock).fetch(None)


# --- conversion (pages built from X's documented v2 format) -----------------------------------


def documented_page():
    return {
        "data": [
            {"id": "1800000000000000001", "text": "@acme where is my order??", "author_id": "2244994945",
             "created_at": "2024-06-01T10:00:00.000Z", "lang": "en", "edit_history_tweet_ids": ["1800000000000000001"]},
            {"id": "1800000000000000002", "text": "\U0001F621\U0001F621", "author_id": "6253282",
             "created_at": "2024-06-01T10:01:00.000Z", "lang": "und",
             "edit_history_tweet_ids": ["1800000000000000002"]},
            {"id": "1800000000000000003", "text": "A long post that X truncates…", "author_id": "999",
             "note_tweet": {"text": "A long post that X truncates at 280 characters, in full."},
             "created_at": "2024-06-01T10:02:00.000Z", "lang": "de", "edit_history_tweet_ids": ["1800000000000000003"]},
        ],
        "includes": {"users": [
            {"id": "2244994945", "name": "Developers", "username": "XDevelopers",
             "public_metrics": {"followers_count": 585000, "following_count": 2000, "tweet_count": 4000,
                                "listed_count": 1}},
            {"id": "6253282", "name": "API", "username": "API", "public_metrics": {"followers_count": 6000000}},
        ]},
        "meta": {"newest_id": "1800000000000000003", "oldest_id": "1800000000000000001", "result_count": 3},
    }


def test_authors_followers_and_languages_come_from_the_expansions():
    fetched = datetime(2024, 6, 1, 11, tzinfo=timezone.utc)
    mentions, errors = page_mentions(documented_page(), fetched_at=fetched)

    assert errors == 0
    first, second, third = mentions
    assert (first.author, first.author_reach, first.language) == ("@XDevelopers", 585000, "en")
    assert first.url == "https://x.com/XDevelopers/status/1800000000000000001"
    assert first.created_at == datetime(2024, 6, 1, 10, tzinfo=timezone.utc)
    assert first.raw["author"]["username"] == "XDevelopers"
    assert (second.author, second.author_reach, second.language) == ("@API", 6000000, None)  # "und"
    assert third.text.endswith("in full.") and third.author is None and third.url.startswith("https://x.com/i/")


def test_a_malformed_tweet_is_skipped_counted_and_logged_without_its_text(server, clock, caplog):
    page = documented_page()
    page["data"][0] = {"text": "private words of a customer", "author_id": "2244994945"}  # no id
    server.add("GET", SEARCH, body=page)

    result = make_source(server, clock).fetch(None)

    assert result.errors == 1 and ids(result) == ["1800000000000000002", "1800000000000000003"]
    assert "without a numeric id" in caplog.text and "private words" not in caplog.text


def test_a_page_that_is_not_json_is_transient(server, clock):
    server.add("GET", SEARCH, body="<html>upstream error</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(TransientSourceError, match="not JSON"):
        make_source(server, clock).fetch(None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
tweet_like = st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.from_regex(r"\A[0-9]{1,20}\Z"), json_values),
    "text": st.one_of(st.text(max_size=50), json_values),
    "created_at": st.one_of(st.just("2024-06-01T10:00:00.000Z"), st.text(max_size=30), json_values),
    "author_id": st.one_of(st.just("1"), json_values),
    "lang": st.one_of(st.sampled_from(["en", "und", "qme", ""]), json_values),
    "note_tweet": json_values,
})


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.lists(st.one_of(tweet_like, json_values), max_size=6),
       users=st.lists(st.one_of(st.fixed_dictionaries({"id": st.just("1"), "username": json_values,
                                                        "public_metrics": json_values}), json_values), max_size=3))
def test_conversion_never_crashes_and_counts_every_skipped_tweet(data, users):
    fetched = datetime(2024, 6, 1, tzinfo=timezone.utc)
    mentions, errors = page_mentions({"data": data, "includes": {"users": users}}, fetched_at=fetched)

    assert len(mentions) + errors == len(data)
    for m in mentions:
        assert m.text.strip() and m.external_id.isdigit() and m.created_at.utcoffset() == timedelta(0)
        assert m.author_reach is None or m.author_reach >= 0
        assert m.language not in ("und", "qme", "")


@given(body=json_values)
def test_a_page_of_the_wrong_shape_is_one_malformed_payload(body):
    try:
        page_mentions(body, fetched_at=datetime(2024, 6, 1, tzinfo=timezone.utc))
    except MalformedPayload:
        pass


# --- settings, check, registry ----------------------------------------------------------------


def test_without_a_bearer_token_the_source_says_so_in_words(monkeypatch, clock):
    with pytest.raises(NotConfigured, match="twitter: no bearer token"):
        TwitterSource(TwitterSource.Settings(queries=["acme"]), clock=clock)
    with pytest.raises(NotConfigured, match="nothing to watch"):
        TwitterSource(TwitterSource.Settings(bearer_token={"env": "X_BEARER_TOKEN"}), clock=clock)
    monkeypatch.delenv("X_BEARER_TOKEN")
    with pytest.raises(NotConfigured, match="X_BEARER_TOKEN is not set"):
        TwitterSource(TwitterSource.Settings(bearer_token={"env": "X_BEARER_TOKEN"}, queries=["acme"]), clock=clock)


def test_settings_reject_unknown_keys_a_handle_as_user_id_and_plain_secrets():
    with pytest.raises(ValidationError, match="query"):
        TwitterSource.Settings(query="acme")
    with pytest.raises(ValidationError, match="numeric id"):
        TwitterSource.Settings(brand_user_id="@acme")
    with pytest.raises(ValidationError, match="environment variable"):
        TwitterSource.Settings(bearer_token=TOKEN)


def test_check_reports_reach_and_never_raises(server, clock):
    serve(server, RECENT, match={"query": "Tweepy"})
    ok = make_source(server, clock).check()
    assert ok.ok and "448 requests left" in ok.detail
    assert server.requests[0].query["max_results"] == ["10"]

    server.add("GET", SEARCH, status=401, body=problem(401, "Unauthorized", "Unauthorized"))
    refused = make_source(server, clock).check()
    assert not refused.ok and "401" in refused.detail and TOKEN not in refused.detail

    down = TwitterSource(TwitterSource.Settings(bearer_token={"env": "X_BEARER_TOKEN"}, queries=["acme"],
                                                base_url="http://127.0.0.1:9"), clock=clock).check()
    assert not down.ok and "cannot reach X" in down.detail


def test_registry_resolves_twitter():
    assert source_class("twitter") is TwitterSource
