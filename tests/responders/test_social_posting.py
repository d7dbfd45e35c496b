"""Posting to Mastodon and Bluesky against a local server answering in each platform's
documented formats (Mastodon's Status/Account entities and `{"error"}` bodies; atproto's
createSession, createRecord and listRecords outputs and `{"error", "message"}` bodies). No
recording of either platform's write traffic exists."""
from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.models import CaseState
from responders.posting import deliver_approved, post_pending
from tests.responders.helpers import REPLY, T0, mention, open_case, sent, settings

PDS_SESSION = "/xrpc/com.atproto.server.createSession"
CREATE = "/xrpc/com.atproto.repo.createRecord"
LIST = "/xrpc/com.atproto.repo.listRecords"
OUR_DID = "did:plc:acmesupport0000000000000"
PARENT = "at://did:plc:anna000000000000000000000/app.bsky.feed.post/3lbparent000"
ROOT = "at://did:plc:bo00000000000000000000000/app.bsky.feed.post/3lbroot00000"


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("RW_MASTODON_TOKEN", "mastodon-token-Jq71")
    monkeypatch.setenv("RW_BSKY_HANDLE", "acme.bsky.social")
    monkeypatch.setenv("RW_BSKY_PASSWORD", "app-pass-Rr55-never-shown")


def approve(store, cfg, case_id, clock):
    return deliver_approved(store, cfg, store.case(case_id), actor="lead@acme", text=None, clock=clock)


# -- Mastodon -------------------------------------------------------------------------------------


def test_mastodon_keeps_a_narrower_visibility_and_counts_a_remote_handle_by_its_user_part(server, db, clock):
    raw = {"id": "9001", "uri": "https://social.example/users/anna/statuses/9001", "visibility": "unlisted"}
    m = mention("mastodon", raw["uri"], reply_to="9001", raw=raw, author="@anna@social.example")
    case_id = open_case(db, m, text="x" * 493)  # "@anna " + 493 = 499 as Mastodon counts: fits
    server.add("POST", "/api/v1/statuses", body={"id": "9002", "url": "https://social.example/@acme/9002",
                                                 "in_reply_to_id": "9001", "account": {"id": "1"}})
    cfg = settings(mastodon={"base_url": server.url, "access_token": {"env": "RW_MASTODON_TOKEN"}, "hashtags": ["a"]})
    approve(db, cfg, case_id, clock)

    assert db.case(case_id).state is CaseState.POSTED
    (request,) = sent(server, "POST", "/api/v1/statuses")
    assert request.json()["visibility"] == "unlisted"
    assert request.json()["status"].startswith("@anna@social.example xxx")


def test_mastodon_finds_only_our_own_direct_reply_in_the_thread(server, db, clock):
    from responders.mastodon import MastodonResponder

    raw = {"id": "9001", "uri": "https://social.example/users/anna/statuses/9001"}
    case_id = open_case(db, mention("mastodon", raw["uri"], reply_to="9001", raw=raw))
    section = settings(mastodon={"base_url": server.url, "access_token": {"env": "RW_MASTODON_TOKEN"},
                                 "hashtags": ["a"]}).source_settings()["mastodon"]
    server.add("GET", "/api/v1/accounts/verify_credentials", body={"id": "1", "acct": "acme"})
    server.add("GET", "/api/v1/statuses/9001/context", body={"ancestors": [], "descendants": [
        {"id": "9003", "in_reply_to_id": "9001", "account": {"id": "2"}, "url": "https://social.example/@bo/9003"},
        {"id": "9004", "in_reply_to_id": "9003", "account": {"id": "1"}, "url": "https://social.example/@acme/9004"},
        {"id": "9005", "in_reply_to_id": "9001", "account": {"id": "1"}, "url": "https://social.example/@acme/9005"},
    ]})
    found = MastodonResponder.from_settings(section, clock=clock).find_existing(db.case(case_id))
    assert found is not None and found.ref == "9005" and found.url == "https://social.example/@acme/9005"


# -- Bluesky --------------------------------------------------------------------------------------


def bsky_settings(server, **extra):
    return settings(bluesky={"queries": ["acme"], "handle": {"env": "RW_BSKY_HANDLE"},
                             "app_password": {"env": "RW_BSKY_PASSWORD"}, "auth_url": server.url, **extra})


def bsky_case(store, *, in_thread=False):
    record = {"$type": "app.bsky.feed.post", "text": "@acme.bsky.social where is my parcel?",
              "createdAt": "2026-03-02T08:50:00.000Z", "langs": ["en"]}
    if in_thread:
        record["reply"] = {"root": {"uri": ROOT, "cid": "bafyreiroot"}, "parent": {"uri": ROOT, "cid": "bafyreiroot"}}
    post = {"uri": PARENT, "cid": "bafyreiparent", "author": {"did": "did:plc:anna", "handle": "anna.bsky.social"},
            "record": record, "indexedAt": "2026-03-02T08:50:01.000Z"}
    m = mention("bluesky", PARENT, reply_to=PARENT, raw=post,
                url="https://bsky.app/profile/anna.bsky.social/post/3lbparent000")
    return open_case(store, m)


def session(server, token="jwt-one"):
    server.add("POST", PDS_SESSION, body={"accessJwt": token, "refreshJwt": "refresh", "handle": "acme.bsky.social",
                                          "did": OUR_DID, "active": True})


def created(server, rkey="3lbreply0000"):
    server.add("POST", CREATE, body={"uri": f"at://{OUR_DID}/app.bsky.feed.post/{rkey}", "cid": "bafyreireply",
                                     "commit": {"cid": "bafyreicommit", "rev": "3lbrev"}, "validationStatus": "valid"})


@pytest.mark.parametrize("in_thread, root", [(False, PARENT), (True, ROOT)])
def test_bluesky_reply_is_a_post_record_with_root_and_parent(server, db, clock, in_thread, root):
    session(server)
    created(server)
    case_id = bsky_case(db, in_thread=in_thread)
    outcome = approve(db, bsky_settings(server), case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.POSTED and case.posted_ref == f"at://{OUR_DID}/app.bsky.feed.post/3lbreply0000"
    assert "https://bsky.app/profile/acme.bsky.social/post/3lbreply0000" in outcome
    (request,) = sent(server, "POST", CREATE)
    body = request.json()
    assert body["repo"] == OUR_DID and body["collection"] == "app.bsky.feed.post"
    assert body["record"]["text"] == REPLY and body["record"]["langs"] == ["en"]
    assert body["record"]["createdAt"] == "2026-03-02T09:00:00Z"
    assert body["record"]["reply"]["parent"] == {"uri": PARENT, "cid": "bafyreiparent"}
    assert body["record"]["reply"]["root"]["uri"] == root
    assert request.headers["Authorization"] == "Bearer jwt-one"


def test_bluesky_renews_an_expired_session_once(server, db, clock):
    session(server, "jwt-old")
    server.add("POST", CREATE, status=400, body={"error": "ExpiredToken", "message": "Token has expired"})
    session(server, "jwt-new")
    created(server)
    case_id = bsky_case(db)
    approve(db, bsky_settings(server), case_id, clock)

    assert db.case(case_id).state is CaseState.POSTED
    assert [r.headers["Authorization"] for r in sent(server, "POST", CREATE)] == ["Bearer jwt-old", "Bearer jwt-new"]


def test_bluesky_429_waits_for_ratelimit_reset_then_finds_our_record_in_our_repo(server, db, clock):
    session(server)
    reset = int((T0 + timedelta(minutes=4)).timestamp())
    server.add("POST", CREATE, status=429, body={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
               headers={"RateLimit-Limit": "5000", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)})
    case_id = bsky_case(db)
    cfg = bsky_settings(server)
    outcome = approve(db, cfg, case_id, clock)
    assert "RateLimitExceeded" in outcome and "retrying at 2026-03-02 09:04:00 UTC" in outcome

    clock.advance(minutes=4)
    session(server)
    ours = {"uri": f"at://{OUR_DID}/app.bsky.feed.post/3lbfound0000", "cid": "bafyreifound",
            "value": {"$type": "app.bsky.feed.post", "text": REPLY, "createdAt": "2026-03-02T09:00:00Z",
                      "reply": {"root": {"uri": PARENT, "cid": "bafyreiparent"},
                                "parent": {"uri": PARENT, "cid": "bafyreiparent"}}}}
    other = {"uri": f"at://{OUR_DID}/app.bsky.feed.post/3lbother0000", "cid": "bafyreiother",
             "value": {"$type": "app.bsky.feed.post", "text": "hello", "createdAt": "2026-03-01T09:00:00Z"}}
    server.add("GET", LIST, body={"records": [other, ours]})
    (done,) = post_pending(db, cfg, clock)
    assert done.state is CaseState.POSTED and done.ref.endswith("/3lbfound0000")
    assert len(sent(server, "POST", CREATE)) == 1
    (listing,) = sent(server, "GET", LIST)
    assert listing.query["repo"] == [OUR_DID] and listing.query["collection"] == ["app.bsky.feed.post"]


def test_bluesky_refusing_the_record_hands_over_with_its_message(server, db, clock):
    session(server)
    server.add("POST", CREATE, status=400, body={
        "error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: Record/text must not be longer "
                                              "than 300 graphemes"})
    case_id = bsky_case(db)
    approve(db, bsky_settings(server), case_id, clock)
    case = db.case(case_id)
    assert case.state is CaseState.POST_MANUALLY and "must not be longer than 300 graphemes" in case.last_error


def test_bluesky_wrong_app_password_is_a_config_failure_never_showing_it(server, db, clock):
    server.add("POST", PDS_SESSION, status=401,
               body={"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
    case_id = bsky_case(db)
    approve(db, bsky_settings(server), case_id, clock)
    case = db.case(case_id)
    assert case.state is CaseState.FAILED and "Invalid identifier or password" in case.last_error
    assert "check handle and app_password" in case.last_error and "app-pass-Rr55" not in case.last_error
