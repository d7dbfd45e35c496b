"""Posting to Reddit with real praw/prawcore against a local server replaying Reddit's recorded
answers (PRAW's and prawcore's cassettes, ../shared/fixtures/praw, placeholders substituted as
PRAW's persister does: the account is u/replywatch_test unless a test names another)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from monitor.models import CaseState
from responders.posting import deliver_approved, post_pending
from responders.registry import responder_for
from tests.fakes import praw_cassettes
from tests.responders.helpers import (REDDIT_ENV, REPLY, kinds, mention, open_case, reddit_listing,
                                      reddit_section, sent, settings)

COMMENT = "/api/comment/"


@pytest.fixture(autouse=True)
def env(monkeypatch):
    for name, value in REDDIT_ENV.items():
        monkeypatch.setenv(name, value)


def reddit_case(store, reply_to):
    m = mention("reddit", reply_to, reply_to=reply_to, url=f"https://www.reddit.com/comments/{reply_to}")
    return open_case(store, m)


def approve(store, server, case_id, clock, **section):
    cfg = settings(reddit=reddit_section(server, **section))
    return cfg, deliver_approved(store, cfg, store.case(case_id), actor="lead@acme", text=None, clock=clock)


def posted_form(server):
    (request,) = sent(server, "POST", COMMENT)
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


def history(server, user, *things):
    server.add("GET", f"/user/{user}/comments", body=reddit_listing(*things))


@pytest.mark.parametrize("cassette, parent, ref, link", [
    ("praw/TestComment.test_reply", "t1_d1616q2", "t1_d1680wu", "4b1tfm/_/d1680wu"),
    ("praw/TestSubmission.test_reply", "t3_4b1tfm", "t1_d162ara", "4b1tfm/_/d162ara"),
])
def test_a_reply_is_posted_once_and_its_comment_id_kept(server, db, clock, cassette, parent, ref, link):
    praw_cassettes.replay(server, cassette)
    case_id = reddit_case(db, parent)
    _, outcome = approve(db, server, case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.POSTED and case.posted_ref == ref
    assert f"https://www.reddit.com/r/replywatch_test_sub/comments/{link}/" in outcome
    assert posted_form(server) == {"api_type": "json", "thing_id": parent, "text": REPLY}


@pytest.mark.parametrize("account, parent, ours", [
    ("paneer_burrito", "t3_2gmzqe", "t1_cklfmye"),  # a reply to the submission
    ("bboe", "t1_cklfmye", "t1_cklhv0f"),  # a reply to a comment
])
def test_accepted_with_nothing_back_is_found_in_our_comments_and_not_posted_again(server, db, clock, monkeypatch,
                                                                                   account, parent, ours):
    """Reddit answers 200 with `things: []` (PRAW's TestComment.test_reply__none): the reply was
    made but not returned. Our account's comments (a listing made of the real comment objects of
    PRAW's TestSubmission.test_comments, whose authors play our account) show it: posted, once."""
    monkeypatch.setenv("RW_REDDIT_USER", account)
    praw_cassettes.replay(server, "praw/TestComment.test_reply__none")
    recorded = praw_cassettes.load("praw/TestSubmission.test_comments")[1].json()
    top = recorded[1]["data"]["children"][0]
    comments = {"t1_cklfmye": top, "t1_cklhv0f": top["data"]["replies"]["data"]["children"][0]}
    history(server, account, comments[ours])
    case_id = reddit_case(db, parent)
    _, outcome = approve(db, server, case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.POSTED and case.posted_ref == ours
    assert "already on reddit, not posted again" in outcome
    assert len(sent(server, "POST", COMMENT)) == 1


def test_accepted_with_nothing_back_and_not_found_goes_to_a_person_and_is_never_resent(server, db, clock):
    praw_cassettes.replay(server, "praw/TestComment.test_reply__none")
    history(server, "replywatch_test")
    case_id = reddit_case(db, "t1_eear2ml")  # the parent of the recorded request
    cfg, outcome = approve(db, server, case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.POST_MANUALLY
    assert "Reddit accepted the reply but returned no comment" in case.last_error
    assert "check the post before answering it by hand" in outcome
    clock.advance(hours=1)
    assert post_pending(db, cfg, clock) == [] and len(sent(server, "POST", COMMENT)) == 1


def test_ratelimit_is_retried_after_the_wait_reddit_named(server, db, clock):
    """RATELIMIT comes as HTTP 200 with `json.errors` (the shape of PRAW's recorded
    TestObjector.test_raise_api_exception, whose USER_REQUIRED item is replaced by Reddit's
    RATELIMIT one). praw waits itself only up to ratelimit_seconds (5 s): 9 minutes is ours."""
    token, recorded_error = praw_cassettes.load("praw/TestObjector.test_raise_api_exception")
    limited = recorded_error.with_json({"json": {"errors": [[
        "RATELIMIT", "Looks like you've been doing that a lot. Take a break for 9 minutes before trying again.",
        "ratelimit"]]}})
    praw_cassettes.serve(server, [token])
    server.add("POST", COMMENT, status=limited.status, body=limited.body, headers=limited.headers)
    case_id = reddit_case(db, "t1_d1616q2")
    cfg, outcome = approve(db, server, case_id, clock)
    assert db.case(case_id).state is CaseState.FAILED
    assert "RATELIMIT" in outcome and "retrying at 2026-03-02 09:09:00 UTC" in outcome

    clock.advance(minutes=8)
    assert post_pending(db, cfg, clock) == []
    clock.advance(minutes=1, seconds=1)
    recorded = praw_cassettes.load("praw/TestComment.test_reply")
    server.add("POST", COMMENT, status=recorded[1].status, body=recorded[1].body, headers=recorded[1].headers)
    history(server, "replywatch_test")
    (done,) = post_pending(db, cfg, clock)
    assert done.state is CaseState.POSTED and done.ref == "t1_d1680wu"
    assert len(sent(server, "POST", COMMENT)) == 2  # the refused one, then the one Reddit took


@pytest.mark.parametrize("found", [False, True])
def test_a_5xx_on_the_reply_is_never_resent_only_looked_for(server, db, clock, found):
    """prawcore's recorded 503 (TestSession.test_request__service_unavailable), served for the
    reply: prawcore would send the same POST again twice; for posting its retries are off."""
    token, unavailable, *_ = praw_cassettes.load("prawcore/TestSession.test_request__service_unavailable")
    praw_cassettes.serve(server, [token])
    server.add("POST", COMMENT, status=unavailable.status, body=unavailable.body, headers=unavailable.headers)
    reply = praw_cassettes.load("praw/TestComment.test_reply")[1].json()["json"]["data"]["things"][0]
    history(server, "replywatch_test", *([reply] if found else []))
    case_id = reddit_case(db, "t1_d1616q2")
    approve(db, server, case_id, clock)

    assert len(sent(server, "POST", COMMENT)) == 1
    case = db.case(case_id)
    if found:
        assert case.state is CaseState.POSTED and case.posted_ref == "t1_d1680wu"
    else:
        assert case.state is CaseState.POST_MANUALLY and "Reddit answered 503" in case.last_error


def test_403_is_a_credentials_problem_with_its_reason_kept(server, db, clock):
    """The 403 PRAW recorded (TestInbox.test_message__unauthorized), served for the reply."""
    token, forbidden = praw_cassettes.load("praw/TestInbox.test_message__unauthorized")
    praw_cassettes.serve(server, [token])
    server.add("POST", COMMENT, status=forbidden.status, body=forbidden.body, headers=forbidden.headers)
    case_id = reddit_case(db, "t1_d1616q2")
    cfg, _ = approve(db, server, case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.FAILED and "access refused (403)" in case.last_error
    assert "not retried until the configuration changes" in case.last_error
    assert kinds(db, case_id)[-2:] == ["post_needs_config", "post_failed"]
    for secret in (REDDIT_ENV["RW_REDDIT_SECRET"], REDDIT_ENV["RW_REDDIT_PASSWORD"]):
        assert secret not in json.dumps(db.events(case_id), default=str)
    clock.advance(hours=1)
    assert post_pending(db, cfg, clock) == []


def test_posting_needs_the_script_apps_account_else_post_manually(server, db, clock):
    section = reddit_section(server)
    del section["username"], section["password"]
    assert responder_for("reddit", settings(reddit=section).source_settings()["reddit"]) is None
    case_id = reddit_case(db, "t1_d1616q2")
    outcome = deliver_approved(db, settings(reddit=section), db.case(case_id), actor="lead", text=None, clock=clock)
    assert "reddit: posting replies needs username (not configured)" in outcome
    assert db.case(case_id).state is CaseState.POST_MANUALLY and server.requests == []


def test_a_mention_that_is_not_a_reddit_thing_is_refused_without_a_request(server, db, clock):
    m = mention("reddit", "weird", reply_to="https://example.test/x")
    case_id = open_case(db, m)
    approve(db, server, case_id, clock)
    assert db.case(case_id).state is CaseState.POST_MANUALLY and server.requests == []
    assert "is not the id of a post or comment" in db.case(case_id).last_error


def test_a_rejected_token_is_renewed_and_the_reply_sent_once_more(server, db, clock):
    """prawcore's recorded 401 for an invalid access token (TestSession.test_request__with_invalid_access_token),
    served for the reply: Reddit took nothing, so after a new token the reply goes out (the recording of
    TestComment.test_reply)."""
    token, rejected = praw_cassettes.load("prawcore/TestSession.test_request__with_invalid_access_token")[:2]
    recorded = praw_cassettes.load("praw/TestComment.test_reply")
    praw_cassettes.serve(server, [recorded[0]])
    for answer in (rejected, recorded[1]):
        server.add("POST", COMMENT, status=answer.status, body=answer.body, headers=answer.headers)
    case_id = reddit_case(db, "t1_d1616q2")
    approve(db, server, case_id, clock)

    assert db.case(case_id).state is CaseState.POSTED and db.case(case_id).posted_ref == "t1_d1680wu"
    assert len(sent(server, "POST", COMMENT)) == 2 and len(sent(server, "POST", "/api/v1/access_token")) == 2
