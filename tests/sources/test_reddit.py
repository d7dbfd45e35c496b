"""The Reddit source: real praw/prawcore talking HTTP to a local server that replays traffic
recorded against the real Reddit (PRAW's and prawcore's cassettes, ../shared/fixtures/praw).

prawcore sleeps 0-2 s and then 2-4 s between its retries of a 5xx, a 401 or a timeout, and has
no public switch for that, so only three tests go through those retries: the 401, the 503 and
the timeout tests (about 5 s together on average).
"""
from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic import ValidationError

from monitor.pipeline import Dedupe, Normalize, Pipeline
from monitor.polling import SourcePoller
from sources.errors import MalformedPayload, NotConfigured, SourceConfigError, TransientSourceError
from sources.reddit import RedditSource, sort_error
from sources.reddit_convert import SITE, read_page
from tests.conftest import REPO
from tests.fakes.praw_cassettes import Interaction, listing, load, replay, serve
from tests.fakes.replay_server import ReplayServer

ENV = {
    "RW_REDDIT_ID": "id-Zx81kq-never-shown",
    "RW_REDDIT_SECRET": "secret-Qp27vb-never-shown",
    "RW_REDDIT_USER": "replywatch_test",
    "RW_REDDIT_PASSWORD": "pw-Hk55tt-never-shown",
}
SECRET_VALUES = [ENV["RW_REDDIT_ID"], ENV["RW_REDDIT_SECRET"], ENV["RW_REDDIT_PASSWORD"]]
ACCOUNT = {"username": {"env": "RW_REDDIT_USER"}, "password": {"env": "RW_REDDIT_PASSWORD"}}
SEARCH = "/r/all/search/"
KEYWORD = "praw oauth search"  # the query recorded in TestSubreddit.test_search


@pytest.fixture(autouse=True)
def reddit_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)



def token_url(server: ReplayServer) -> str:
    """The same server under another host name, as on Reddit (www. for tokens, oauth. for the
    API). prawcore asks for tokens with `Connection: close`, which ReplayServer does not echo, so
    one shared connection pool could reuse the socket the server is closing (a flaky 'Remote end
    closed connection', then a prawcore retry)."""
    return server.url.replace("127.0.0.1", "localhost")


def make_source(server: ReplayServer, clock=None, **settings: Any) -> RedditSource:
    section = {"enabled": True, "client_id": {"env": "RW_REDDIT_ID"}, "client_secret": {"env": "RW_REDDIT_SECRET"},
               "oauth_url": server.url, "reddit_url": token_url(server), **settings}
    return RedditSource.from_settings(RedditSource.Settings(**section), clock=clock)


def names(interaction: Interaction) -> list[str]:
    return [child["data"]["name"] for child in interaction.json()["data"]["children"]]


def ids(result) -> list[str]:
    return [m.external_id for m in result.mentions]


def roundtrip(cursor):
    return json.loads(json.dumps(cursor))


def gets(server: ReplayServer, path: str):
    return [r for r in server.requests if r.method == "GET" and r.path == path]


# --- recorded listings: search, subreddits, inbox -------------------------------------------


def test_search_stores_every_recorded_submission_once(server, store, clock):
    recorded = replay(server, "praw/TestSubreddit.test_search")
    replay(server, "praw/TestSubreddit.test_search")  # the same answer again for the second poll
    source = make_source(server, clock, keywords=[KEYWORD])
    poller = SourcePoller("reddit", source, store, Pipeline([Normalize(), Dedupe(store)], store, clock), clock,
                          deadline_minutes=60, max_reply_chars=None, lease_seconds=60)
    expected = names(listing(recorded, SEARCH))

    assert len(expected) == len(set(expected)) == 6
    first = poller.poll()
    assert (first.status, first.stored) == ("ok", 6)
    assert store.known_ids("reddit", expected) == set(expected)
    second = poller.poll()  # resumes from the cursor the store saved with the first batch
    assert (second.status, second.stored, second.duplicates) == ("ok", 0, 0)
    assert store.mention_count("reddit") == 6
    asked = gets(server, SEARCH)[0].query
    assert (asked["q"], asked["sort"], asked["restrict_sr"]) == ([KEYWORD], ["new"], ["False"])


def test_search_results_become_mentions(server, clock):
    recorded = replay(server, "praw/TestSubreddit.test_search")
    result = make_source(server, clock, keywords=[KEYWORD]).fetch(None)
    data = next(c["data"] for c in listing(recorded, SEARCH).json()["data"]["children"] if c["data"]["name"] == "t3_3gpbiu")
    m = next(m for m in result.mentions if m.external_id == "t3_3gpbiu")
    assert m.source == RedditSource.name == "reddit"  # replies go to m.reply_to
    assert m.reply_to == "t3_3gpbiu" and m.key == "reddit:t3_3gpbiu"
    assert m.url == SITE + "/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/"
    assert (m.title, m.text, m.author) == (data["title"], data["selftext"], "dClauzel")
    assert m.created_at == datetime(2015, 8, 12, 9, 8, 34, tzinfo=timezone.utc) == datetime.fromtimestamp(
        data["created_utc"], tz=timezone.utc)
    assert (m.language, m.author_reach, m.rating, m.fetched_at) == (None, None, None, clock.now())
    assert m.raw == data
    json.dumps([dict(x.raw) for x in result.mentions])  # the raw payload is storable as JSON
    assert result.errors == 0


def test_second_poll_returns_nothing_new(server, clock):
    replay(server, "praw/TestSubreddit.test_search")
    replay(server, "praw/TestSubreddit.test_search")
    source = make_source(server, clock, keywords=[KEYWORD])
    first = source.fetch(None)
    assert len(first.mentions) == 6
    cursor = roundtrip(first.cursor)
    second = source.fetch(cursor)
    assert second.mentions == [] and second.errors == 0
    assert roundtrip(second.cursor) == cursor


def test_items_sharing_a_timestamp_are_not_lost(server, clock):
    """Built from the recorded search listing: sorted newest first (as sort=new answers), and the
    newest submission given the created_utc of the next one. The first poll sees the listing
    without that submission (say Reddit indexed it late); the second sees all of it."""
    recorded = listing(load("praw/TestSubreddit.test_search"), SEARCH)
    page = recorded.json()
    children = sorted(page["data"]["children"], key=lambda c: -c["data"]["created_utc"])
    children[0]["data"]["created_utc"] = children[1]["data"]["created_utc"]
    late = children[0]["data"]["name"]
    without = {**page, "data": {**page["data"], "children": children[1:]}}
    full = {**page, "data": {**page["data"], "children": children}}
    serve(server, [i for i in load("praw/TestSubreddit.test_search") if i.method == "POST"])  # the token
    serve(server, [recorded.with_json(without), recorded.with_json(full)])
    source = make_source(server, clock, keywords=[KEYWORD])

    first = source.fetch(None)
    assert late not in ids(first) and len(first.mentions) == 5
    newest = roundtrip(first.cursor)["streams"][f"search:{KEYWORD}"]["newest"]
    assert newest == children[0]["data"]["created_utc"]  # a "newer than" filter alone would drop it
    second = source.fetch(roundtrip(first.cursor))
    assert ids(second) == [late]


def test_new_submissions_and_comments_of_a_watched_subreddit(server, clock):
    new = replay(server, "praw/TestSubredditListings.test_new")
    comments = replay(server, "praw/TestSubredditListings.test_comments")
    result = make_source(server, clock, watch_subreddits=["askreddit"]).fetch(None)
    expected = names(listing(new, "/r/askreddit/new")) + names(listing(comments, "/r/askreddit/comments/"))
    assert ids(result) == expected and len(set(expected)) == 200
    assert result.errors == 0
    submission = result.mentions[0]
    assert submission.title and submission.url.startswith(SITE + "/r/AskReddit/comments/48fbm9/")
    comment = result.mentions[100]
    raw = listing(comments, "/r/askreddit/comments/").json()["data"]["children"][0]["data"]
    assert "permalink" not in raw  # 2016 comment listings had none: the URL is built from link_id
    assert comment.url == f"{SITE}/r/AskReddit/comments/4r4inc/_/d4y8bdp/"
    assert (comment.title, comment.text, comment.author) == (None, raw["body"], "preppypuppy")
    assert set(roundtrip(result.cursor)["streams"]) == {"new:askreddit", "comments:askreddit"}


def test_submission_stream_resumes_with_before(server, clock):
    recorded = replay(server, "praw/TestSubredditStreams.test_submissions")
    source = make_source(server, clock, watch_subreddits=["all"], watch_kinds=["submissions"])
    first = source.fetch(None)
    page = listing(recorded, "/r/all/new").json()["data"]["children"]
    stamps = [c["data"]["created_utc"] for c in page]
    assert len(set(stamps)) < len(stamps)  # r/all is busy: real items share their second
    assert ids(first) == names(listing(recorded, "/r/all/new")) and len(set(ids(first))) == 100
    cursor = roundtrip(first.cursor)
    assert cursor["streams"]["new:all"]["before"] == "t3_5jo13y"

    second = source.fetch(cursor)
    assert gets(server, "/r/all/new")[-1].query["before"] == ["t3_5jo13y"]
    assert ids(second) == names(listing(recorded, "/r/all/new", before="t3_5jo13y")) == [
        "t3_5jo144", "t3_5jo143", "t3_5jo141", "t3_5jo140"]
    assert roundtrip(second.cursor)["streams"]["new:all"]["before"] == "t3_5jo144"


def test_an_empty_before_answer_falls_back_to_the_newest_page(server, clock):
    """TestSubredditStreams.test_comments__with_pause: before=<newest> answered an empty listing,
    then the newest page held one new comment."""
    recorded = replay(server, "praw/TestSubredditStreams.test_comments__with_pause")
    source = make_source(server, clock, watch_subreddits=["kakapo"], watch_kinds=["comments"])
    first = source.fetch(None)
    assert len(first.mentions) == 16
    second = source.fetch(roundtrip(first.cursor))
    asked = [r.query.get("before") for r in gets(server, "/r/kakapo/comments/")]
    assert asked == [None, ["t1_dgauydy"], None]
    assert ids(second) == ["t1_dgd9bcm"]
    assert len(names(recorded[3])) == 17


def test_inbox_mentions_and_replies(server, clock):
    for _ in range(2):  # each recording twice: the second poll sees the same inbox
        mentions = replay(server, "praw/TestInbox.test_mentions")
        comment_replies = replay(server, "praw/TestInbox.test_comment_replies")
        submission_replies = replay(server, "praw/TestInbox.test_submission_replies")
    source = make_source(server, clock, inbox=True, **ACCOUNT)
    result = source.fetch(None)
    expected = (names(listing(mentions, "/message/mentions")) + names(listing(comment_replies, "/message/comments/"))
                + names(listing(submission_replies, "/message/selfreply/")))
    assert ids(result) == list(dict.fromkeys(expected)) and len(result.mentions) == 16 + 64 + 64
    token = next(r for r in server.requests if r.method == "POST")
    assert b"grant_type=password" in token.body and b"username=replywatch_test" in token.body
    first = result.mentions[0]
    assert first.external_id == "t1_ekftbox" and first.title is None and first.author == "2Botter2Loop"
    assert first.url == SITE + "/r/RemovedByBotter/comments/bb24k7/just_a_normal_girl_going_for_her_10th_class_exam/ekftbox/"
    assert "/u/replywatch_test" in first.text and first.raw["dest"] == "replywatch_test"

    again = source.fetch(roundtrip(result.cursor))
    assert again.mentions == []
    assert all("after" not in r.query for r in server.requests)  # nothing new: never paged back


def test_inbox_pages_back_until_it_reaches_what_it_saw(server, clock):
    """Built from the recorded comment replies (64, newest first): the first poll sees the oldest
    24; the second sees a first page of 20 new ones pointing `after` to a page that reaches them."""
    recorded = load("praw/TestInbox.test_comment_replies")
    page = listing(recorded, "/message/comments/")
    children = page.json()["data"]["children"]

    def part(chunk, after=None):
        return page.with_json({"kind": "Listing", "data": {"children": chunk, "after": after, "before": None}})

    cut = children[19]["data"]["name"]
    serve(server, [i for i in recorded if i.method == "POST"])
    serve(server, [part(children[40:]), part(children[:20], after=cut), replace(part(children[20:45]), query={"after": cut})])
    source = make_source(server, clock, inbox=True, **ACCOUNT)
    server.add("GET", "/message/mentions", body=part([]).body, repeat=True)
    server.add("GET", "/message/selfreply/", body=part([]).body, repeat=True)

    first = source.fetch(None)
    assert ids(first) == [c["data"]["name"] for c in children[40:]]
    second = source.fetch(roundtrip(first.cursor))
    assert ids(second) == [c["data"]["name"] for c in children[:40]]
    assert [r.query.get("after") for r in gets(server, "/message/comments/")] == [None, None, [cut]]


def test_rate_limit_budget_stops_paging_until_the_window_resets(server, clock):
    """Built from the recorded r/askreddit listings, with the x-ratelimit headers of the
    submissions answer set to 1 request left, resetting in 1 s."""
    new = listing(load("praw/TestSubredditListings.test_new"), "/r/askreddit/new")
    spent = replace(new, headers={**new.headers, "x-ratelimit-remaining": "1.0", "x-ratelimit-used": "599",
                                  "x-ratelimit-reset": "1"})
    empty = load("praw/TestSubredditStreams.test_comments__with_pause")[2]
    replay(server, "praw/TestSubredditListings.test_comments")
    serve(server, [spent, new, replace(empty, path="/r/askreddit/new", query={"before": "t3_48fbm9"})])
    source = make_source(server, clock, watch_subreddits=["askreddit"])

    first = source.fetch(None)
    assert len(first.mentions) == 100 and gets(server, "/r/askreddit/comments/") == []
    assert set(first.cursor["streams"]) == {"new:askreddit"}  # comments wait for the next poll
    clock.advance(seconds=2)
    second = source.fetch(roundtrip(first.cursor))
    assert len(second.mentions) == 100 and all(m.external_id.startswith("t1_") for m in second.mentions)


# --- failures, sorted once --------------------------------------------------------------------


def test_429_is_transient_with_retry_after(server, clock):
    replay(server, "prawcore/TestSession.test_request__too__many_requests__with_retry_headers", at=SEARCH)
    with pytest.raises(TransientSourceError) as caught:
        make_source(server, clock, keywords=[KEYWORD]).fetch(None)
    assert caught.value.retry_after == 4.0 and str(caught.value) == "reddit: rate limited (429)"


def test_429_without_retry_after_uses_the_ratelimit_reset(server, clock):
    """The recorded 429, with Retry-After swapped for Reddit's x-ratelimit-* headers."""
    token, limited = load("prawcore/TestSession.test_request__too__many_requests__with_retry_headers")
    headers = {k: v for k, v in limited.headers.items() if k.lower() != "retry-after"}
    headers.update({"x-ratelimit-remaining": "0", "x-ratelimit-used": "600", "x-ratelimit-reset": "42"})
    serve(server, [token, replace(limited, headers=headers)], at=SEARCH)
    with pytest.raises(TransientSourceError) as caught:
        make_source(server, clock, keywords=[KEYWORD]).fetch(None)
    assert caught.value.retry_after == 42.0


def test_429_from_the_token_endpoint_is_transient(server, clock):
    replay(server, "prawcore/TestSession.test_request__too__many_requests__without_retry_headers")
    with pytest.raises(TransientSourceError) as caught:
        make_source(server, clock, keywords=[KEYWORD]).fetch(None)
    assert caught.value.retry_after is None and "429" in str(caught.value)


def test_401_pauses_source_with_reason(server, store, clock):
    """prawcore refreshes the token and retries twice (sleeping 0-2 s, then 2-4 s) before giving up."""
    replay(server, "prawcore/TestSession.test_request__with_invalid_access_token", at=SEARCH, repeat=True)
    source = make_source(server, clock, keywords=[KEYWORD])
    poller = SourcePoller("reddit", source, store, Pipeline([], store, clock), clock,
                          deadline_minutes=60, max_reply_chars=None, lease_seconds=60)
    outcome = poller.poll()
    assert (outcome.status, outcome.detail) == ("paused", "reddit: invalid credentials (401)")
    assert store.health.get("reddit")["state"] == "paused"
    assert [a["payload"]["title"] for a in store.outbox.all()] == ["reddit: paused"]
    assert len(gets(server, SEARCH)) == 3 and sum(r.method == "POST" for r in server.requests) == 3


@pytest.mark.parametrize("cassette, reason", [
    ("prawcore/TestSession.test_request__forbidden", "reddit: access refused (403) at /r/all/search/"),
    ("praw/TestInbox.test_message__unauthorized", "reddit: access refused (403) at /r/all/search/"),
    ("prawcore/TestSession.test_request__not_found",
     "reddit: not found (404) at /r/all/search/; check the subreddit names"),
    ("prawcore/TestSession.test_request__bad_request", "reddit: Reddit refused the request (GOLD_REQUIRED)"),
    ("praw/TestReddit.test_bare_badrequest", "reddit: request refused (400) at /r/all/search/"),
    ("praw/TestReddit.test_bad_request_without_json_text_html_response",
     "reddit: Reddit refused the request (no reason given)"),
    ("prawcore/TestSession.test_request__unavailable_for_legal_reasons", "reddit: request refused (451) at /r/all/search/"),
])
def test_refusals_are_config_errors(server, clock, cassette, reason):
    replay(server, cassette, at=SEARCH)
    with pytest.raises(SourceConfigError) as caught:
        make_source(server, clock, keywords=[KEYWORD]).fetch(None)
    assert str(caught.value) == reason


def test_api_error_in_a_200_answer_is_a_config_error(server, clock):
    """TestObjector.test_raise_api_exception: HTTP 200 with json.errors=[["USER_REQUIRED", ...]]
    (recorded for POST /api/approve/, served here where the source searches)."""
    recorded = load("praw/TestObjector.test_raise_api_exception")
    serve(server, recorded, at=SEARCH)
    with pytest.raises(SourceConfigError, match=r"^reddit: Reddit refused the request \(USER_REQUIRED\)$"):
        make_source(server, clock, keywords=[KEYWORD]).fetch(None)


def test_bad_credentials_are_a_config_error_and_check_says_so(server, clock):
    """The token endpoint answers 200 with {"error": "unauthorized_client"} (prawcore's recording)."""
    replay(server, "prawcore/TestScriptAuthorizer.test_refresh__with_invalid_username_or_password", repeat=True)
    source = make_source(server, clock, keywords=[KEYWORD], **ACCOUNT)
    with pytest.raises(SourceConfigError) as caught:
        source.fetch(None)
    expected = "reddit: invalid credentials (unauthorized_client: Only script apps may use password auth)"
    assert str(caught.value) == expected
    check = source.check()
    assert (check.ok, check.detail) == (False, expected)


def test_server_errors_are_transient_after_prawcore_retries(server, clock):
    """Three recorded 503s: prawcore's own retries (not ours) use them all; slow (2-6 s)."""
    replay(server, "prawcore/TestSession.test_request__service_unavailable", at=SEARCH)
    with pytest.raises(TransientSourceError, match=r"^reddit: server error \(503\)$"):
        make_source(server, clock, keywords=[KEYWORD]).fetch(None)
    assert len(gets(server, SEARCH)) == 3


@pytest.mark.parametrize("cassette", [
    "internal_server_error", "bad_gateway", "service_unavailable", "gateway_timeout",
    "cloudflare_unknown_error", "cloudflare_connection_timed_out"])
def test_every_recorded_server_error_is_transient(server, cassette):
    """The recorded answer, fetched over HTTP, classified by prawcore's own status table, then ours."""
    from prawcore.sessions import Session

    recorded = load(f"prawcore/TestSession.test_request__{cassette}")[1]
    serve(server, [recorded])
    response = requests.get(server.url + recorded.path, timeout=5)
    error = sort_error(Session.STATUS_EXCEPTIONS[response.status_code](response))
    assert isinstance(error, TransientSourceError) and str(error) == f"reddit: server error ({recorded.status})"


@pytest.mark.parametrize("original", [requests.exceptions.ReadTimeout("read timed out"),
                                      requests.exceptions.ConnectionError("connection refused")])
def test_timeouts_and_connection_errors_are_transient(original):
    from prawcore.exceptions import RequestException

    error = sort_error(RequestException(original, ("GET", "https://oauth.reddit.com/"), {}))
    assert isinstance(error, TransientSourceError)
    assert str(error) == f"reddit: cannot reach Reddit ({type(original).__name__})"


def test_timeout_seconds_applies_to_api_calls(server, clock):
    """praw 8 gives prawcore a fixed 16 s; the source's Requestor applies timeout_seconds. The
    first answer comes after 0.5 s, so with a 0.2 s timeout prawcore retries (0-2 s later)."""
    recorded = load("praw/TestSubreddit.test_search")
    serve(server, [recorded[0]])
    server.add("GET", SEARCH, body=recorded[1].body, headers=recorded[1].headers, delay=0.5)
    server.add("GET", SEARCH, body=recorded[1].body, headers=recorded[1].headers)
    result = make_source(server, clock, keywords=[KEYWORD], timeout_seconds=0.2).fetch(None)
    assert len(result.mentions) == 6 and len(gets(server, SEARCH)) == 2


def truncated_listing() -> Interaction:
    recorded = listing(load("praw/TestSubredditListings.test_new"), "/r/askreddit/new")
    return replace(recorded, body=recorded.body[: len(recorded.body) // 2])


@pytest.mark.parametrize("answer", [
    pytest.param(lambda: load("praw/TestModNotes.test_delete_note__all_notes")[0], id="not-a-listing"),
    pytest.param(lambda: load("praw/TestComment.test_reply__none")[1], id="json-errors-empty"),
    pytest.param(truncated_listing, id="truncated-json"),
    pytest.param(lambda: truncated_listing().with_json({"json": {"errors": [[None, 5]]}}), id="junk-error-list"),
])
def test_a_page_that_is_not_a_listing_is_counted_and_the_other_streams_go_on(server, clock, answer):
    replay(server, "praw/TestSubreddit.test_search")
    serve(server, [answer()], at="/r/askreddit/new")
    result = make_source(server, clock, keywords=[KEYWORD], watch_subreddits=["askreddit"],
                         watch_kinds=["submissions"]).fetch(None)
    assert len(result.mentions) == 6 and result.errors == 1
    assert set(result.cursor["streams"]) == {f"search:{KEYWORD}"}  # the broken stream is read again next time


def test_malformed_items_are_skipped_counted_and_logged(server, clock, caplog):
    recorded = listing(load("praw/TestSubredditListings.test_new"), "/r/askreddit/new")
    page = recorded.json()
    children = page["data"]["children"]
    del children[3]["data"]["name"]
    children[5]["data"]["created_utc"] = "yesterday"
    children[7]["data"]["title"] = {"nested": True}
    children[9] = "not an object"
    serve(server, [load("praw/TestSubredditListings.test_new")[0], recorded.with_json(page)])
    with caplog.at_level(logging.WARNING, logger="replywatch.sources.reddit"):
        result = make_source(server, clock, watch_subreddits=["askreddit"], watch_kinds=["submissions"]).fetch(None)
    assert len(result.mentions) == 96 and result.errors == 4
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) == 4


# --- check, settings, secrets -----------------------------------------------------------------


def test_check_reads_one_item_with_app_credentials(server, clock):
    replay(server, "praw/TestSubredditListings.test_new")
    check = make_source(server, clock, watch_subreddits=["askreddit"]).check()
    assert (check.ok, check.detail) == (True, "reddit: ok (read-only app credentials)")
    assert gets(server, "/r/askreddit/new")[0].query["limit"] == ["1"]


@pytest.mark.parametrize("cassette, detail", [
    ("prawcore/TestSession.test_request__too__many_requests__with_retry_headers", "reddit: rate limited (429)"),
    ("prawcore/TestSession.test_request__with_insufficient_scope",
     "reddit: access refused (403, the app lacks a scope) at /api/v1/me"),
])
def test_check_says_why_it_cannot_read_the_account(server, clock, cassette, detail):
    replay(server, cassette)  # both recorded GET /api/v1/me, which check() reads when a username is set
    result = make_source(server, clock, inbox=True, **ACCOUNT).check()
    assert (result.ok, result.detail) == (False, detail)


def test_check_never_raises_when_a_secret_is_missing(clock, monkeypatch):
    monkeypatch.delenv("RW_REDDIT_SECRET")
    source = RedditSource(RedditSource.Settings(enabled=True, client_id={"env": "RW_REDDIT_ID"},
                                                client_secret={"env": "RW_REDDIT_SECRET"}, keywords=["x"]), clock=clock)
    result = source.check()
    assert (result.ok, result.detail) == (False, "reddit: environment variable RW_REDDIT_SECRET is not set")


def test_a_missing_environment_variable_stops_the_source_at_start(server, monkeypatch):
    monkeypatch.delenv("RW_REDDIT_PASSWORD")
    with pytest.raises(NotConfigured, match=r"^reddit: no password \(environment variable RW_REDDIT_PASSWORD is not set\)$"):
        make_source(server, inbox=True, **ACCOUNT)


@pytest.mark.parametrize("section, key", [
    ({"inbox": True}, "inbox needs username and password"),
    ({}, "nothing to watch"),
    ({"keywords": ["x"], "watch_subreddits": ["../api"]}, "not a subreddit name"),
    ({"keywords": ["x"], "client_secret": "plain-text-secret"}, "reference to an environment variable"),
    ({"keywords": ["x"], "page_size": 500}, "page_size"),
])
def test_bad_settings_name_the_problem(section, key):
    base = {"enabled": True, "client_id": {"env": "A"}, "client_secret": {"env": "B"}}
    with pytest.raises(ValidationError, match=key):
        RedditSource.Settings(**{**base, **section})


def test_subreddit_names_accept_an_r_prefix():
    settings = RedditSource.Settings(client_id={"env": "A"}, client_secret={"env": "B"}, subreddits=["r/AskReddit"])
    assert settings.subreddits == ["AskReddit"]


def test_secrets_not_in_error_text(server, clock, caplog):
    caplog.set_level(logging.DEBUG)  # prawcore, urllib3 and ours, at their most talkative
    replay(server, "prawcore/TestScriptAuthorizer.test_refresh__with_invalid_username_or_password", repeat=True)
    source = make_source(server, clock, keywords=[KEYWORD], **ACCOUNT)
    texts = [source.check().detail]
    with pytest.raises(SourceConfigError) as config:
        source.fetch(None)
    server.clear()
    replay(server, "prawcore/TestSession.test_request__too__many_requests__with_retry_headers", at=SEARCH)
    with pytest.raises(TransientSourceError) as transient:
        make_source(server, clock, keywords=[KEYWORD], **ACCOUNT).fetch(None)
    texts += [str(config.value), str(transient.value), repr(source.settings), caplog.text]
    token = next(r for r in server.requests if r.method == "POST")
    assert ENV["RW_REDDIT_PASSWORD"].encode() in token.body  # the secrets were really used ...
    for text in texts:
        for value in SECRET_VALUES:
            assert value not in text  # ... and never shown


def test_endpoints_are_overridden_without_praws_warning(server, tmp_path):
    """PRAW warns when a praw.ini in the current directory sets oauth_url/reddit_url; the source
    passes them as keyword arguments, so (in a fresh process, warnings as errors) none appears.
    The same process shows that importing the source does not import praw."""
    replay(server, "praw/TestSubredditListings.test_new")
    script = (
        "import sys\n"
        "from sources.reddit import RedditSource\n"
        "assert 'praw' not in sys.modules, 'praw imported with the module'\n"
        f"s = RedditSource.Settings(enabled=True, client_id={{'env': 'RW_REDDIT_ID'}}, "
        f"client_secret={{'env': 'RW_REDDIT_SECRET'}}, watch_subreddits=['askreddit'], "
        f"oauth_url={server.url!r}, reddit_url={token_url(server)!r})\n"
        "print(RedditSource.from_settings(s).check().detail)\n"
    )
    done = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "reddit: ok (read-only app credentials)"
    assert [r.path for r in server.requests] == ["/api/v1/access_token", "/r/askreddit/new"]


# --- conversion of hostile listings -------------------------------------------------------------

RECORDED_CHILDREN = [
    child
    for name, path in [("praw/TestSubredditListings.test_new", "/r/askreddit/new"),
                       ("praw/TestSubredditListings.test_comments", "/r/askreddit/comments/"),
                       ("praw/TestInbox.test_mentions", "/message/mentions")]
    for child in listing(load(name), path).json()["data"]["children"][:5]
]
KEYS = ["kind", "data", "name", "created_utc", "title", "selftext", "body", "author", "permalink", "context",
        "subreddit", "link_id"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
    | st.sampled_from(["t3_", "t1_zz", "t3_abc", "//evil.example/x", "/r/x/comments/1/ü b/", "\x00", "[deleted]"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def hostile_child(draw):
    child = json.loads(json.dumps(draw(st.sampled_from(RECORDED_CHILDREN))))
    for _ in range(draw(st.integers(0, 4))):
        key = draw(st.sampled_from(KEYS))
        target = child if key in ("kind", "data") or not isinstance(child.get("data"), dict) else child["data"]
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(json_values)
    return child if draw(st.integers(0, 9)) else draw(json_values)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(children=st.lists(hostile_child(), max_size=6), after=json_values)
def test_hostile_listing_items_never_crash_the_conversion(children, after):
    payload = {"kind": "Listing", "data": {"children": children, "after": after}}
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    entries, next_after, problems = read_page(payload, fetched_at=now)
    assert len(entries) + len(problems) == len(children)
    assert next_after is None or next_after.startswith(("t1_", "t3_"))
    for entry in entries:
        m = entry.mention
        assert m.external_id == m.reply_to == entry.fullname and m.external_id[:3] in ("t1_", "t3_")
        assert m.created_at.tzinfo == timezone.utc and math.isfinite(entry.created_utc)
        assert isinstance(m.text, str) and (m.title is None or isinstance(m.title, str))
        assert m.url is None or (m.url.startswith(SITE + "/") and " " not in m.url)
        json.dumps(m.raw)


@settings(max_examples=200, deadline=None)
@given(payload=json_values | st.builds(lambda text, cut: text[:cut], st.just(json.dumps(RECORDED_CHILDREN[0])),
                                        st.integers(0, 400)))
def test_anything_that_is_not_a_listing_is_one_malformed_page(payload):
    try:
        read_page(payload, fetched_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    except MalformedPayload:
        pass
