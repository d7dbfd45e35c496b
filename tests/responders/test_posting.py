"""The posting state machine: approved -> posting -> posted | failed, never posting twice.

Most tests run it against a fake Mastodon instance on 127.0.0.1 (plain HTTP, real `requests`),
whose answers are built from Mastodon's documented API formats (Status and Account entities,
`{"error": ...}` bodies, the ISO-8601 `X-RateLimit-Reset` header); no recording of Mastodon
traffic exists. The crash tests use Reddit's real recorded reply (PRAW's cassettes) with praw,
in a child process that dies at the worst moments.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from monitor.models import CaseState
from responders import posting
from responders.posting import deliver_approved, post_pending
from tests.conftest import REPO
from tests.fakes import praw_cassettes
from tests.responders.helpers import (REDDIT_ENV, REPLY, T0, approved, kinds, mention, open_case, reddit_listing,
                                      reddit_section, sent, settings)

TOKEN = "mastodon-token-Jq71-never-shown"
PARENT = "109912345678901234"
STATUSES = "/api/v1/statuses"
ME = {"id": "4242", "username": "acme", "acct": "acme", "display_name": "Acme Support"}


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("RW_MASTODON_TOKEN", TOKEN)
    for name, value in REDDIT_ENV.items():
        monkeypatch.setenv(name, value)


def mastodon(server, **extra):
    return settings(mastodon={"base_url": server.url, "access_token": {"env": "RW_MASTODON_TOKEN"},
                              "hashtags": ["acme"], **extra})


def toot(**extra):
    """A Status entity (Mastodon's documented format) as the source stored it."""
    return {"id": PARENT, "uri": f"https://mastodon.example/users/anna/statuses/{PARENT}",
            "url": f"https://mastodon.example/@anna/{PARENT}", "visibility": "public",
            "content": "<p>@acme my order never arrived</p>", "account": {"id": "77", "acct": "anna@mastodon.example"},
            **extra}


def mastodon_case(store, text=REPLY, **raw):
    status = toot(**raw)
    m = mention("mastodon", status["uri"], reply_to=PARENT, raw=status, url=status["url"],
                author="@anna@mastodon.example")
    return open_case(store, m, text)


def our_reply(status_id="109912345699999999"):
    return {"id": status_id, "in_reply_to_id": PARENT, "visibility": "public", "account": ME,
            "uri": f"https://mastodon.example/users/acme/statuses/{status_id}",
            "url": f"https://mastodon.example/@acme/{status_id}", "content": "<p>We're sorry</p>"}


def thread(server, *descendants):
    server.add("GET", "/api/v1/accounts/verify_credentials", body=ME)
    server.add("GET", f"{STATUSES}/{PARENT}/context", body={"ancestors": [], "descendants": list(descendants)})


def approve(store, cfg, case_id, clock):
    return deliver_approved(store, cfg, store.case(case_id), actor="lead@acme", text=None, clock=clock)


# -- posting at once, and "post manually" ---------------------------------------------------------


def test_approving_posts_at_once_with_the_authors_handle_and_an_idempotency_key(server, store, clock):
    case_id = mastodon_case(store)
    server.add("POST", STATUSES, body=our_reply())
    outcome = approve(store, mastodon(server), case_id, clock)

    case = store.case(case_id)
    assert case.state is CaseState.POSTED and case.posted_ref == "109912345699999999"
    assert "posted on mastodon: https://mastodon.example/@acme/109912345699999999" in outcome
    (request,) = sent(server, "POST", STATUSES)
    assert request.json() == {"status": f"@anna@mastodon.example {REPLY}", "in_reply_to_id": PARENT}
    assert request.headers["Idempotency-Key"] == f"replywatch-case-{case_id}"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert kinds(store, case_id)[-4:] == ["approved", "posting", "posted", "post_result"]


def test_the_demo_source_is_post_manually_with_the_text_and_the_link(store, clock):
    m = mention("demo", "d1", url="https://demo.example/reviews/d1")
    case_id = open_case(store, m)
    outcome = approve(store, settings(demo={"enabled": True}), case_id, clock)

    assert store.case(case_id).state is CaseState.POST_MANUALLY
    assert "post it manually on demo" in outcome and "demo has no posting API here" in outcome
    assert "link: https://demo.example/reviews/d1" in outcome and REPLY in outcome


def test_a_platform_whose_posting_credentials_are_missing_is_post_manually_and_says_why(server, store, clock,
                                                                                         monkeypatch):
    monkeypatch.delenv("RW_MASTODON_TOKEN")
    case_id = mastodon_case(store)
    outcome = approve(store, mastodon(server), case_id, clock)

    assert store.case(case_id).state is CaseState.POST_MANUALLY
    assert "environment variable RW_MASTODON_TOKEN is not set" in outcome and REPLY in outcome
    assert server.requests == []


def test_a_reply_over_the_platforms_limit_is_not_sent_and_fails_with_its_length(server, store, clock):
    case_id = mastodon_case(store)
    cfg = mastodon(server, max_reply_chars=60)
    outcome = approve(store, cfg, case_id, clock)

    case = store.case(case_id)
    assert case.state is CaseState.FAILED and server.requests == []
    assert "allows 60" in case.last_error and "Shorten it" in case.last_error and "not posted" in outcome
    clock.advance(hours=2)
    assert post_pending(store, cfg, clock) == [] and server.requests == []  # not retried: a person shortens it


# -- retries --------------------------------------------------------------------------------------


def test_429_is_retried_when_the_limit_resets_not_at_once_and_posts_once(server, store, clock):
    case_id = mastodon_case(store)
    reset = (T0 + timedelta(seconds=150)).isoformat().replace("+00:00", "Z")
    server.add("POST", STATUSES, status=429, body={"error": "Too many requests"},
               headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    cfg = mastodon(server)
    outcome = approve(store, cfg, case_id, clock)

    case = store.case(case_id)
    assert case.state is CaseState.FAILED and "rate limited (429: Too many requests)" in case.last_error
    assert "retrying at 2026-03-02 09:02:30 UTC" in outcome
    clock.advance(seconds=90)
    assert post_pending(store, cfg, clock) == [] and len(server.requests) == 1  # not yet

    clock.advance(seconds=61)
    thread(server)  # our reply is not there: the 429 made nothing
    server.add("POST", STATUSES, body=our_reply())
    (done,) = post_pending(store, cfg, clock)
    assert done.state is CaseState.POSTED and store.case(case_id).state is CaseState.POSTED
    assert [r.path for r in server.requests] == [STATUSES, "/api/v1/accounts/verify_credentials",
                                                 f"{STATUSES}/{PARENT}/context", STATUSES]
    assert kinds(store, case_id).count("posting") == 2 and "post_retry_scheduled" in kinds(store, case_id)


def test_a_5xx_is_retried_after_back_off(server, store, clock):
    case_id = mastodon_case(store)
    server.add("POST", STATUSES, status=503, body="<html><body><h1>503 Service Unavailable</h1></body></html>",
               headers={"Content-Type": "text/html"})
    cfg = mastodon(server)
    approve(store, cfg, case_id, clock)
    assert "server error (503: 503 Service Unavailable)" in store.case(case_id).last_error

    clock.advance(seconds=61)  # the first back-off is 30-60 s
    thread(server)
    server.add("POST", STATUSES, body=our_reply())
    (done,) = post_pending(store, cfg, clock)
    assert done.state is CaseState.POSTED and len(sent(server, "POST", STATUSES)) == 2


def test_a_5xx_after_the_platform_took_the_reply_is_reconciled_not_posted_again(server, store, clock):
    case_id = mastodon_case(store)
    server.add("POST", STATUSES, status=502, body={"error": "Bad gateway"})
    cfg = mastodon(server)
    approve(store, cfg, case_id, clock)

    clock.advance(minutes=2)
    thread(server, our_reply())  # the instance had made it before its proxy failed
    (done,) = post_pending(store, cfg, clock)
    assert done.state is CaseState.POSTED and done.ref == "109912345699999999"
    assert "already on mastodon, not posted again" in done.message
    assert len(sent(server, "POST", STATUSES)) == 1


def test_after_max_attempts_a_last_look_then_a_person_takes_over(server, store, clock, monkeypatch):
    monkeypatch.setattr(posting, "MAX_ATTEMPTS", 2)
    case_id = mastodon_case(store)
    cfg = mastodon(server)
    server.add("POST", STATUSES, status=503, body={"error": "unavailable"})
    approve(store, cfg, case_id, clock)
    clock.advance(minutes=2)
    thread(server)
    server.add("POST", STATUSES, status=503, body={"error": "unavailable"})
    assert post_pending(store, cfg, clock)[0].state is CaseState.FAILED

    clock.advance(minutes=5)
    thread(server)
    (done,) = post_pending(store, cfg, clock)
    assert done.state is CaseState.POST_MANUALLY and "gave up after 2 attempts" in done.message
    assert len(sent(server, "POST", STATUSES)) == 2


# -- failures that are not retried ----------------------------------------------------------------


def test_the_platform_refusing_the_text_hands_over_with_its_reason_and_never_retries(server, store, clock):
    case_id = mastodon_case(store)
    server.add("POST", STATUSES, status=422, body={"error": "Validation failed: Text character limit of 500 exceeded"})
    cfg = mastodon(server)
    outcome = approve(store, cfg, case_id, clock)

    case = store.case(case_id)
    assert case.state is CaseState.POST_MANUALLY
    assert "Validation failed: Text character limit of 500 exceeded" in case.last_error
    assert "post it manually" in outcome and REPLY in outcome
    assert kinds(store, case_id)[-4:] == ["posting", "post_refused", "post_failed", "post_manually"]
    clock.advance(hours=3)
    assert post_pending(store, cfg, clock) == [] and len(server.requests) == 1


def test_a_hand_over_cut_short_by_a_crash_is_finished_by_the_next_run(server, store, clock, monkeypatch):
    case_id = mastodon_case(store)
    server.add("POST", STATUSES, status=422, body={"error": "Validation failed: Status is a duplicate"})
    cfg = mastodon(server)
    real, crashed = type(store).hand_over, []

    def crash_once(self, *args, **kwargs):
        if not crashed:
            crashed.append(True)
            raise RuntimeError("crash")  # the process dies between `failed` and `post_manually`
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(store), "hand_over", crash_once)
    with pytest.raises(RuntimeError, match="crash"):
        approve(store, cfg, case_id, clock)
    assert store.case(case_id).state is CaseState.FAILED

    (done,) = post_pending(store, cfg, clock)
    assert done.state is CaseState.POST_MANUALLY and "Status is a duplicate" in store.case(case_id).last_error
    assert len(server.requests) == 1  # nothing sent again


def test_an_auth_error_keeps_its_reason_and_is_retried_only_once_the_token_changed(server, store, clock,
                                                                                  monkeypatch):
    case_id = mastodon_case(store)
    server.add("POST", STATUSES, status=401, body={"error": "The access token is invalid"})
    cfg = mastodon(server)
    approve(store, cfg, case_id, clock)

    case = store.case(case_id)
    assert case.state is CaseState.FAILED
    assert "access refused (401: The access token is invalid)" in case.last_error
    assert "not retried until the configuration changes" in case.last_error and TOKEN not in case.last_error
    clock.advance(hours=1)
    assert post_pending(store, cfg, clock) == [] and len(server.requests) == 1

    monkeypatch.setenv("RW_MASTODON_TOKEN", "a-new-token-Lm20")
    thread(server)
    server.add("POST", STATUSES, body=our_reply())
    (done,) = post_pending(store, cfg, clock)
    assert done.state is CaseState.POSTED
    assert sent(server, "POST", STATUSES)[-1].headers["Authorization"] == "Bearer a-new-token-Lm20"


def test_one_case_failing_unexpectedly_does_not_stop_the_others(server, store, clock, monkeypatch):
    first = mastodon_case(store)
    store.approve(first, "lead", T0, can_post=True)
    m = mention("mastodon", "https://mastodon.example/users/bo/statuses/5", reply_to="5", raw=toot(id="5"))
    second = open_case(store, m)
    store.approve(second, "lead", T0, can_post=True)
    original = posting.attempt

    def flaky(store_, responder, case, clock_, *, history):
        if case.id == first:
            raise RuntimeError("a bug")
        return original(store_, responder, case, clock_, history=history)

    monkeypatch.setattr(posting, "attempt", flaky)
    server.add("POST", STATUSES, body=our_reply())
    (done,) = post_pending(store, mastodon(server), clock)
    assert done.case_id == second and done.state is CaseState.POSTED


# -- crashes: the platform took it (or not) and the process died before saying so ------------------

CHILD = """
import json, os, sys
from datetime import datetime
from monitor.clock import FakeClock
from monitor.settings import Settings
from monitor.store import Store
from responders import posting

where, config, url, now = sys.argv[1:5]
if where == "after":  # the platform answered; the process dies before the outcome is stored
    Store.mark_posted = lambda *args, **kwargs: os._exit(17)
else:  # the attempt began (the case is `posting`); the process dies before the request goes out
    import responders.reddit
    responders.reddit.RedditResponder.post = lambda *args, **kwargs: os._exit(17)
posting.post_pending(Store(url), Settings.model_validate(json.loads(config)), FakeClock(datetime.fromisoformat(now)))
os._exit(0)
"""


def crash(where, server, store, clock):
    cfg = {"sources": {"reddit": reddit_section(server)}}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", CHILD, where, json.dumps(cfg), store.url, clock.now().isoformat()],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 17, done.stderr
    return settings(**cfg["sources"])


def reddit_case(store, reply_to="t1_d1616q2"):
    m = mention("reddit", reply_to, reply_to=reply_to, url="https://www.reddit.com/r/test/comments/4b1tfm/_/d1616q2/")
    return approved(store, m)


def test_a_crash_after_the_platform_took_the_reply_is_reconciled_and_never_posted_twice(server, store, clock):
    """Reddit took the reply (PRAW's recorded TestComment.test_reply) and the process died before
    recording it. The next run finds our reply in the account's comments (a listing made of the
    comment object that same recording returned) and marks the case posted without a new POST."""
    recorded = praw_cassettes.replay(server, "praw/TestComment.test_reply")
    case = reddit_case(store)
    cfg = crash("after", server, store, clock)
    assert store.case(case.id).state is CaseState.POSTING
    assert len(sent(server, "POST", "/api/comment/")) == 1

    clock.advance(minutes=1)
    assert post_pending(store, cfg, clock) == []  # maybe still under way: left alone

    clock.advance(minutes=5)
    reply_thing = recorded[1].json()["json"]["data"]["things"][0]
    server.add("GET", "/user/replywatch_test/comments", body=reddit_listing(reply_thing))
    (done,) = post_pending(store, cfg, clock)

    assert done.state is CaseState.POSTED and done.ref == "t1_d1680wu"
    assert store.case(case.id).posted_ref == "t1_d1680wu"
    assert len(sent(server, "POST", "/api/comment/")) == 1  # exactly one reply ever sent
    events = kinds(store, case.id)
    assert events[events.index("approved"):] == ["approved", "posting", "post_interrupted", "post_failed", "posting",
                                                 "posted", "post_result"]
    (failed,) = [e for e in store.events(case.id) if e["kind"] == "post_failed"]
    assert "was interrupted before its outcome was recorded" in failed["detail"]["error"]


def test_a_crash_before_the_platform_received_the_reply_posts_it_once(server, store, clock):
    """The attempt began and the process died before sending. The next run finds no reply of ours
    (an empty Listing) and posts it: the recorded reply, once."""
    praw_cassettes.replay(server, "praw/TestComment.test_reply")
    case = reddit_case(store)
    cfg = crash("before", server, store, clock)
    assert store.case(case.id).state is CaseState.POSTING and sent(server, "POST", "/api/comment/") == []

    clock.advance(minutes=6)
    server.add("GET", "/user/replywatch_test/comments", body=reddit_listing())
    (done,) = post_pending(store, cfg, clock)

    assert done.state is CaseState.POSTED and done.ref == "t1_d1680wu"
    (request,) = sent(server, "POST", "/api/comment/")
    assert b"thing_id=t1_d1616q2" in request.body
    assert sent(server, "GET", "/user/replywatch_test/comments")  # looked before posting
