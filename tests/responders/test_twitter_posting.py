"""Posting to X with real tweepy against a local server: tweepy's recorded answers
(../shared/fixtures/tweepy) where they exist, X's documented "problem" error format where no
recording does (tweepy's cassettes hold no error and no reply)."""
from __future__ import annotations

import pytest

from monitor.models import CaseState
from responders.posting import deliver_approved, post_pending
from tests.fakes.tweepy_cassettes import load_cassette, problem, serve
from tests.responders.helpers import REPLY, T0, mention, open_case, sent, settings

TWEET = "1600000000000000001"  # the complaint we answer
ME = "1072250532645998596"  # the account of tweepy's recorded GET /2/users/me
OUR_TWEETS = f"/2/users/{ME}/tweets"
REPLY_NOT_ALLOWED = ("Reply to this conversation is not allowed because you have not been mentioned or otherwise "
                     "engaged by the author of the post you are replying to.")
KEYS = {"RW_X_CONSUMER_KEY": "ck-Tt61-never-shown", "RW_X_CONSUMER_SECRET": "cs-Uu72-never-shown",
        "RW_X_ACCESS_TOKEN": f"{ME}-at-Vv83-never-shown", "RW_X_ACCESS_SECRET": "as-Ww94-never-shown"}


@pytest.fixture(autouse=True)
def env(monkeypatch):
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


def x_settings(server, **extra):
    return settings(twitter={
        "consumer_key": {"env": "RW_X_CONSUMER_KEY"}, "consumer_secret": {"env": "RW_X_CONSUMER_SECRET"},
        "access_token": {"env": "RW_X_ACCESS_TOKEN"}, "access_token_secret": {"env": "RW_X_ACCESS_SECRET"},
        "base_url": server.url, "queries": ["acme"], **extra})


def x_case(store, text=REPLY):
    m = mention("twitter", TWEET, reply_to=TWEET, url=f"https://x.com/anna/status/{TWEET}", author="@anna")
    return open_case(store, m, text)


def approve(store, cfg, case_id, clock):
    return deliver_approved(store, cfg, store.case(case_id), actor="lead@acme", text=None, clock=clock)


def serve_created(server):
    """tweepy's recorded POST /2/tweets → 201 (its request was {"text": "Test Tweet"}, without a
    reply field; the route matches on the path, and the reply field is asserted separately)."""
    return serve(server, load_cassette("test_client_create_and_delete_tweet")[0])


def serve_our_tweets(server, *extra_tweets):
    """GET /2/users/me (recorded) and our timeline: the page tweepy recorded for GET
    /2/users/:id/tweets, served at our account's path, with `extra_tweets` first; its next_token
    leads to an empty last page (X's documented `{"meta": {"result_count": 0}}`)."""
    serve(server, load_cassette("test_client_get_me")[0])
    page = load_cassette("test_client_get_users_tweets")[0]
    body = page.json()
    body["data"] = [*extra_tweets, *body["data"]]
    server.add("GET", OUR_TWEETS, body={"meta": {"result_count": 0}},
               query={"pagination_token": body["meta"]["next_token"]})
    server.add("GET", OUR_TWEETS, body=body, headers=page.headers)


def test_a_reply_goes_out_in_reply_to_the_tweet_with_user_context(server, db, clock):
    serve_created(server)
    case_id = x_case(db)
    outcome = approve(db, x_settings(server), case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.POSTED and case.posted_ref == "1456012973835788293"
    assert "https://x.com/i/status/1456012973835788293" in outcome
    (request,) = sent(server, "POST", "/2/tweets")
    assert request.json() == {"text": REPLY, "reply": {"in_reply_to_tweet_id": TWEET}}
    assert request.headers["Authorization"].startswith("OAuth ")  # OAuth 1.0a, the brand account


def test_429_waits_for_the_reset_then_looks_for_our_reply_then_posts_once(server, db, clock):
    reset = int(T0.timestamp()) + 300
    server.add("POST", "/2/tweets", status=429, body=problem(429, "Too Many Requests", "Too Many Requests"),
               headers={"x-rate-limit-limit": "200", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
    case_id = x_case(db)
    cfg = x_settings(server)
    outcome = approve(db, cfg, case_id, clock)
    assert "rate limited by X (429)" in outcome and "retrying at 2026-03-02 09:05:00 UTC" in outcome

    clock.advance(seconds=299)
    assert post_pending(db, cfg, clock) == []
    clock.advance(seconds=2)
    serve_our_tweets(server)
    serve_created(server)
    (done,) = post_pending(db, cfg, clock)
    assert done.state is CaseState.POSTED and len(sent(server, "POST", "/2/tweets")) == 2
    first_page = sent(server, "GET", OUR_TWEETS)[0]
    assert first_page.query["since_id"] == [TWEET] and "referenced_tweets" in first_page.query["tweet.fields"][0]


def test_an_unfinished_reply_is_found_among_our_tweets_and_not_posted_again(server, db, clock):
    """X answered 503 after taking the reply. Our timeline holds it: a tweet object of the
    recorded page's shape with X's documented `referenced_tweets` field."""
    server.add("POST", "/2/tweets", status=503, body=problem(503, "Service Unavailable", "Service Unavailable"))
    case_id = x_case(db)
    cfg = x_settings(server)
    approve(db, cfg, case_id, clock)
    assert db.case(case_id).state is CaseState.FAILED

    clock.advance(minutes=2)
    ours = {"edit_history_tweet_ids": ["1600000000000000099"], "id": "1600000000000000099", "text": REPLY,
            "referenced_tweets": [{"type": "replied_to", "id": TWEET}]}
    serve_our_tweets(server, ours)
    (done,) = post_pending(db, cfg, clock)
    assert done.state is CaseState.POSTED and done.ref == "1600000000000000099"
    assert len(sent(server, "POST", "/2/tweets")) == 1


def test_xs_reply_rule_hands_the_case_to_a_person_with_xs_words(server, db, clock):
    """Since Feb 2026 an app may reply only to posts that mention or quote its account; X answers
    403 in its problem format (the detail as other API users report it)."""
    server.add("POST", "/2/tweets", status=403, body=problem(403, "Forbidden", REPLY_NOT_ALLOWED))
    case_id = x_case(db)
    cfg = x_settings(server)
    outcome = approve(db, cfg, case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.POST_MANUALLY and REPLY_NOT_ALLOWED in case.last_error
    assert "post it manually" in outcome and "https://x.com/anna/status/" in outcome
    clock.advance(hours=1)
    assert post_pending(db, cfg, clock) == [] and len(server.requests) == 1


def test_a_duplicate_refusal_is_checked_against_our_tweets_first(server, db, clock):
    server.add("POST", "/2/tweets", status=403,
               body=problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."))
    serve_our_tweets(server, {"id": "1600000000000000077", "text": REPLY,
                              "referenced_tweets": [{"type": "replied_to", "id": TWEET}]})
    case_id = x_case(db)
    approve(db, x_settings(server), case_id, clock)
    assert db.case(case_id).state is CaseState.POSTED and db.case(case_id).posted_ref == "1600000000000000077"


def test_401_fails_with_the_reason_and_no_secret_and_is_not_retried(server, db, clock):
    server.add("POST", "/2/tweets", status=401, body=problem(401, "Unauthorized", "Unauthorized"))
    case_id = x_case(db)
    cfg = x_settings(server)
    approve(db, cfg, case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.FAILED and "X refused the credentials (401: Unauthorized" in case.last_error
    assert not any(value in case.last_error for value in KEYS.values())
    clock.advance(hours=2)
    assert post_pending(db, cfg, clock) == []


def test_a_reply_over_xs_weighted_limit_is_not_sent(server, db, clock):
    case_id = x_case(db, text="ご迷惑をおかけして申し訳ございません。" * 8)  # 152 characters, weighing 304
    outcome = approve(db, x_settings(server), case_id, clock)
    assert "304 characters long as twitter counts them; it allows 280" in outcome
    assert db.case(case_id).state is CaseState.FAILED and server.requests == []


def test_without_the_brand_accounts_keys_replies_are_posted_by_hand(server, db, clock, monkeypatch):
    monkeypatch.delenv("RW_X_ACCESS_SECRET")
    case_id = x_case(db)
    outcome = approve(db, x_settings(server), case_id, clock)
    assert "RW_X_ACCESS_SECRET is not set" in outcome and db.case(case_id).state is CaseState.POST_MANUALLY
