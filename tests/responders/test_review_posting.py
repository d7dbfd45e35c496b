"""Replying to reviews: Google Play (`reviews.reply`), Google Business Profile (`updateReply`),
App Store Connect (`customerReviewResponses`) and Trustpilot's Business API, against a local
server. No recording of any of these APIs exists: every answer here is built from the platform's
documented formats (said per test). Where a real review is needed, it is one of the real
reviews in ../shared/fixtures/reviews, read by our own source parser."""
from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import pytest

from monitor.clock import FakeClock
from monitor.models import CaseState
from responders.posting import deliver_approved, post_pending
from tests.conftest import shared_dir
from tests.responders.helpers import REPLY, T0, mention, open_case, sent, settings


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("RW_GOOGLE_TOKEN", "ya29.google-token-Kk12")
    monkeypatch.setenv("RW_TP_KEY", "tp-key-Aa11")
    monkeypatch.setenv("RW_TP_SECRET", "tp-secret-Bb22-never-shown")
    monkeypatch.setenv("RW_TP_USER", "support@acme.example")
    monkeypatch.setenv("RW_TP_PASSWORD", "tp-password-Cc33-never-shown")


def approve(store, cfg, case_id, clock):
    return deliver_approved(store, cfg, store.case(case_id), actor="lead@acme", text=None, clock=clock)


def google_error(code, status, message):
    """Google's documented JSON error body."""
    return {"error": {"code": code, "message": message, "status": status}}


# -- Google Play ----------------------------------------------------------------------------------

PLAY_ID = "gp:AOqpTOGnX1a1KJvH7Kc1ZpO9d3xQwJxFhY6l3Qn7u1t5JQ"
PLAY_REVIEW = f"/androidpublisher/v3/applications/com.acme.app/reviews/{PLAY_ID}"


def play_settings(server, **extra):
    return settings(google_play={"package": "com.acme.app", "access_token": {"env": "RW_GOOGLE_TOKEN"},
                                 "api_base": server.url, "delay_seconds": 0, **extra})


def play_case(store, text=REPLY):
    return open_case(store, mention("google_play", PLAY_ID, reply_to=PLAY_ID), text)


def play_review(developer_text=None):
    """A `Review` of the Play Developer API (its documented shape)."""
    comments = [{"userComment": {"text": "\tApp crashes on start", "lastModified": {"seconds": "1772441400", "nanos": 0},
                                 "starRating": 1, "reviewerLanguage": "en", "appVersionName": "4.2.0"}}]
    if developer_text is not None:
        comments.append({"developerComment": {"text": developer_text,
                                              "lastModified": {"seconds": "1772442000", "nanos": 0}}})
    return {"reviewId": PLAY_ID, "authorName": "Anna", "comments": comments}


def test_google_play_reply_is_posted_with_the_bearer_token(server, db, clock):
    server.add("GET", PLAY_REVIEW, body=play_review())
    server.add("POST", PLAY_REVIEW + ":reply",
               body={"result": {"replyText": REPLY, "lastEdited": {"seconds": "1772442000", "nanos": 0}}})
    case_id = play_case(db)
    approve(db, play_settings(server), case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.POSTED and case.posted_ref == PLAY_ID
    (request,) = sent(server, "POST", PLAY_REVIEW + ":reply")
    assert request.json() == {"replyText": REPLY}
    assert request.headers["Authorization"] == "Bearer ya29.google-token-Kk12"


def test_google_play_350_characters_at_most(server, db, clock):
    case_id = play_case(db, text="a" * 351)
    outcome = approve(db, play_settings(server), case_id, clock)
    assert "351 characters" in outcome and "allows 350" in outcome and server.requests == []


def test_google_play_a_reply_written_in_play_console_is_not_overwritten(server, db, clock):
    server.add("GET", PLAY_REVIEW, body=play_review("Thanks, a fix ships on Monday."))
    case_id = play_case(db)
    approve(db, play_settings(server), case_id, clock)
    case = db.case(case_id)
    assert case.state is CaseState.POST_MANUALLY and "Thanks, a fix ships on Monday." in case.last_error
    assert sent(server, "POST", PLAY_REVIEW + ":reply") == []


def test_google_play_after_a_500_our_reply_is_found_and_not_sent_again(server, db, clock):
    server.add("GET", PLAY_REVIEW, body=play_review())
    server.add("POST", PLAY_REVIEW + ":reply", status=500, body=google_error(500, "INTERNAL", "Internal error."))
    case_id = play_case(db)
    cfg = play_settings(server)
    approve(db, cfg, case_id, clock)
    assert db.case(case_id).state is CaseState.FAILED

    clock.advance(minutes=2)
    server.add("GET", PLAY_REVIEW, body=play_review(REPLY.replace(" ", "  ")))  # stored re-spaced
    (done,) = post_pending(db, cfg, clock)
    assert done.state is CaseState.POSTED and len(sent(server, "POST", PLAY_REVIEW + ":reply")) == 1


def test_google_play_quota_429_is_retried(server, db, clock):
    server.add("GET", PLAY_REVIEW, body=play_review())
    server.add("POST", PLAY_REVIEW + ":reply", status=429,
               body=google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Queries'."))
    case_id = play_case(db)
    outcome = approve(db, play_settings(server), case_id, clock)
    assert db.case(case_id).state is CaseState.FAILED
    assert "RESOURCE_EXHAUSTED: Quota exceeded" in outcome and "retrying at" in outcome


def test_google_play_without_api_credentials_is_post_manually(server, db, clock):
    cfg = settings(google_play={"package": "com.acme.app", "base_url": server.url})
    case_id = play_case(db)
    outcome = approve(db, cfg, case_id, clock)
    assert "replies need Play Developer API credentials" in outcome and server.requests == []


# -- Google Business Profile ----------------------------------------------------------------------

GBP_NAME = "accounts/1234567890/locations/9876543210/reviews/AbFvOqk9Zk2sYt"


def gbp_settings(server):
    return settings(google_business={"account": "1234567890", "locations": ["9876543210"], "base_url": server.url,
                                     "access_token": {"env": "RW_GOOGLE_TOKEN"}, "delay_seconds": 0})


def gbp_case(store, name=GBP_NAME, text=REPLY):
    return open_case(store, mention("google_business", "AbFvOqk9Zk2sYt", reply_to=name), text)


def test_business_profile_reply_is_put_on_the_reviews_reply(server, db, clock):
    """`Review` and `ReviewReply` in the Business Profile API v4's documented shapes."""
    server.add("GET", f"/v4/{GBP_NAME}", body={"name": GBP_NAME, "reviewId": "AbFvOqk9Zk2sYt", "starRating": "ONE",
                                               "comment": "Cold food", "createTime": "2026-03-01T10:00:00Z"})
    server.add("PUT", f"/v4/{GBP_NAME}/reply", body={"comment": REPLY, "updateTime": "2026-03-02T09:00:01Z"})
    case_id = gbp_case(db)
    approve(db, gbp_settings(server), case_id, clock)

    assert db.case(case_id).state is CaseState.POSTED and db.case(case_id).posted_ref == GBP_NAME
    (request,) = sent(server, "PUT", f"/v4/{GBP_NAME}/reply")
    assert request.json() == {"comment": REPLY}


def test_business_profile_counts_bytes(server, db, clock):
    case_id = gbp_case(db, text="€" * 1400)  # 1400 characters, 4200 bytes of UTF-8
    outcome = approve(db, gbp_settings(server), case_id, clock)
    assert "4200 characters long as google_business counts them; it allows 4096" in outcome


def test_business_profile_permission_denied_is_a_config_failure(server, db, clock):
    server.add("GET", f"/v4/{GBP_NAME}", status=403, body=google_error(
        403, "PERMISSION_DENIED", "The caller does not have permission"))
    case_id = gbp_case(db)
    approve(db, gbp_settings(server), case_id, clock)
    case = db.case(case_id)
    assert case.state is CaseState.FAILED and "PERMISSION_DENIED: The caller does not have permission" in case.last_error


def test_business_profile_review_read_from_maps_goes_to_a_person(server, db, clock):
    case_id = gbp_case(db, name=None)
    approve(db, gbp_settings(server), case_id, clock)
    assert db.case(case_id).state is CaseState.POST_MANUALLY and server.requests == []


# -- App Store Connect ----------------------------------------------------------------------------

ASC_REVIEW = "00000028-b08c-0014-9674-c54800000000"  # the id format of Apple's documented example


def rss_mention():
    """A real review of Apple's customer-reviews feed (../shared), read by our App Store source."""
    from sources.app_store import parse_entry

    feed = json.loads((shared_dir() / "fixtures/reviews/apple_app_store/rss_customerreviews_id811377230.json")
                      .read_text(encoding="utf-8"))
    return parse_entry(feed["feed"]["entry"][1], country="us", app_id="811377230", clock=FakeClock(T0))


def asc_review(m, review_id=ASC_REVIEW):
    """A `customerReviews` resource (the documented example's shape) holding the feed review's fields."""
    return {"type": "customerReviews", "id": review_id,
            "attributes": {"rating": m.rating, "title": m.title, "body": m.text, "reviewerNickname": m.author,
                           "createdDate": "2022-04-02T11:19:36-07:00", "territory": "USA"},
            "links": {"self": f"https://api.appstoreconnect.apple.com/v1/customerReviews/{review_id}"}}


def asc_list(server, *reviews):
    server.add("GET", "/v1/apps/811377230/customerReviews", body={
        "data": list(reviews), "links": {"self": f"{server.url}/v1/apps/811377230/customerReviews"},
        "meta": {"paging": {"total": len(reviews), "limit": 200}}})


def asc_not_found(server):
    server.add("GET", f"/v1/customerReviews/{ASC_REVIEW}/response", status=404, body={"errors": [{
        "id": "8d5e0c53-3a57-4c5a-9f1c-0c0d6c1b1a2e", "status": "404", "code": "NOT_FOUND",
        "title": "The specified resource does not exist", "detail": "There is no resource of type "
        "'customerReviewResponses' with id ''"}]})


def asc_created(server, text=REPLY):
    server.add("POST", "/v1/customerReviewResponses", status=201, body={"data": {
        "type": "customerReviewResponses", "id": "7d7c6c1a-5b2f-4f55-9e2b-2c5c1e0d8a11",
        "attributes": {"responseBody": text, "lastModifiedDate": "2026-03-02T01:00:00-08:00",
                       "state": "PENDING_PUBLISH"},
        "relationships": {"review": {"data": {"type": "customerReviews", "id": ASC_REVIEW}}}}})


@pytest.fixture
def p8(monkeypatch):
    import jwt  # noqa: F401 - in the test extras; signing needs it
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    monkeypatch.setenv("RW_ASC_KEY", pem)
    return key.public_key()


def asc_settings(server, **credentials):
    credentials = credentials or {"asc_key_id": "2X9R4HXF34", "asc_issuer_id": "57246542-96fe-1a63-e053-0824d011072a",
                                  "asc_private_key": {"env": "RW_ASC_KEY"}}
    return settings(app_store={"app_id": "811377230", "asc_base_url": server.url, "delay_seconds": 0, **credentials})


def test_app_store_finds_the_feed_review_in_app_store_connect_and_responds_with_a_signed_token(server, db,
                                                                                                clock, p8):
    import jwt

    m = rss_mention()
    asc_list(server, asc_review(m, "00000099-0000-0000-0000-000000000000") | {"attributes": {
        "reviewerNickname": "someone else", "title": m.title, "body": m.text}}, asc_review(m))
    asc_not_found(server)
    asc_created(server)
    case_id = open_case(db, m)
    approve(db, asc_settings(server), case_id, clock)

    case = db.case(case_id)
    assert case.state is CaseState.POSTED and case.posted_ref == "7d7c6c1a-5b2f-4f55-9e2b-2c5c1e0d8a11"
    (request,) = sent(server, "POST", "/v1/customerReviewResponses")
    assert request.json() == {"data": {
        "type": "customerReviewResponses", "attributes": {"responseBody": REPLY},
        "relationships": {"review": {"data": {"type": "customerReviews", "id": ASC_REVIEW}}}}}
    token = request.headers["Authorization"].removeprefix("Bearer ")
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": "2X9R4HXF34", "typ": "JWT"}
    claims = jwt.decode(token, p8, algorithms=["ES256"], audience="appstoreconnect-v1",
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["iss"] == "57246542-96fe-1a63-e053-0824d011072a"
    assert claims["iat"] == int(T0.timestamp()) and claims["exp"] - claims["iat"] == 1200
    listing = sent(server, "GET", "/v1/apps/811377230/customerReviews")[0]
    assert listing.query["sort"] == ["-createdDate"]


def test_app_store_with_a_ready_token_and_our_response_already_there(server, db, clock, monkeypatch):
    monkeypatch.setenv("RW_ASC_TOKEN", "eyJ.ready.token")
    m = rss_mention()
    asc_list(server, asc_review(m))
    server.add("GET", f"/v1/customerReviews/{ASC_REVIEW}/response", body={"data": {
        "type": "customerReviewResponses", "id": "7d7c6c1a", "attributes": {"responseBody": REPLY,
                                                                             "state": "PUBLISHED"}}})
    case_id = open_case(db, m)
    approve(db, asc_settings(server, asc_token={"env": "RW_ASC_TOKEN"}), case_id, clock)

    assert db.case(case_id).state is CaseState.POSTED and db.case(case_id).posted_ref == "7d7c6c1a"
    assert sent(server, "POST", "/v1/customerReviewResponses") == []
    assert all(r.headers["Authorization"] == "Bearer eyJ.ready.token" for r in server.requests)


def test_app_store_review_missing_from_app_store_connect_goes_to_a_person(server, db, clock, monkeypatch):
    monkeypatch.setenv("RW_ASC_TOKEN", "eyJ.ready.token")
    asc_list(server)
    case_id = open_case(db, rss_mention())
    approve(db, asc_settings(server, asc_token={"env": "RW_ASC_TOKEN"}), case_id, clock)
    case = db.case(case_id)
    assert case.state is CaseState.POST_MANUALLY and "was not found among the app's newest reviews" in case.last_error


def test_app_store_without_credentials_is_post_manually(server, db, clock):
    case_id = open_case(db, rss_mention())
    outcome = approve(db, settings(app_store={"app_id": "811377230"}), case_id, clock)
    assert "replies need App Store Connect credentials" in outcome and server.requests == []


# -- Trustpilot -----------------------------------------------------------------------------------

TOKEN_PATH = "/v1/oauth/oauth-business-users-for-applications/accesstoken"


def trustpilot_review(index=0):
    """A real Trustpilot review (../shared, the page's __NEXT_DATA__), read by our source."""
    from sources.trustpilot import parse_review

    reviews = json.loads((shared_dir() / "fixtures/reviews/trustpilot/scrapfly_trustpilot_reviews.json")
                         .read_text(encoding="utf-8"))
    return parse_review(reviews[index], base_url="https://www.trustpilot.com", clock=FakeClock(T0))


def tp_settings(server, **credentials):
    credentials = credentials or {"api_key": {"env": "RW_TP_KEY"}, "api_secret": {"env": "RW_TP_SECRET"},
                                  "business_username": {"env": "RW_TP_USER"},
                                  "business_password": {"env": "RW_TP_PASSWORD"}}
    return settings(trustpilot={"domain": "acme.example", "business_user_id": "507f191e810c19729de860ea",
                                "api_url": server.url, "delay_seconds": 0, **credentials})


def tp_signed_in(server):
    """The password grant's documented answer."""
    server.add("POST", TOKEN_PATH, body={"access_token": "tp-access-Dd44", "refresh_token": "tp-refresh",
                                         "expires_in": "359999", "token_type": "BearerToken"})


def test_trustpilot_signs_in_once_per_run_and_replies_as_the_business_user(server, db, clock):
    """Private review (`companyReply` absent) and the 201 of POST .../reply, in Trustpilot's documented shapes."""
    tp_signed_in(server)
    reviews = [trustpilot_review(index) for index in (0, 1)]
    for m in reviews:
        server.add("GET", f"/v1/private/reviews/{m.external_id}", body={"id": m.external_id, "stars": m.rating})
        server.add("POST", f"/v1/private/reviews/{m.external_id}/reply", status=201)
        db.approve(open_case(db, m), "lead@acme", T0, can_post=True)
    done = post_pending(db, tp_settings(server), clock)
    assert [(o.state, o.ref) for o in done] == [(CaseState.POSTED, m.external_id) for m in reviews]

    (sign_in,) = sent(server, "POST", TOKEN_PATH)
    form = {k: v[0] for k, v in parse_qs(sign_in.body.decode()).items()}
    assert form == {"grant_type": "password", "username": "support@acme.example",
                    "password": "tp-password-Cc33-never-shown"}
    basic = base64.b64encode(b"tp-key-Aa11:tp-secret-Bb22-never-shown").decode()
    assert sign_in.headers["Authorization"] == f"Basic {basic}"
    (reply,) = sent(server, "POST", f"/v1/private/reviews/{reviews[0].external_id}/reply")
    assert reply.json() == {"authorBusinessUserId": "507f191e810c19729de860ea", "message": REPLY}
    assert reply.headers["Authorization"] == "Bearer tp-access-Dd44"


def test_trustpilot_a_ready_token_and_our_reply_found_after_a_500(server, db, clock, monkeypatch):
    monkeypatch.setenv("RW_TP_TOKEN", "tp-ready-Ee55")
    m = trustpilot_review(2)
    review = f"/v1/private/reviews/{m.external_id}"
    server.add("GET", review, body={"id": m.external_id})
    server.add("POST", review + "/reply", status=500, body={"message": "Internal server error"})
    cfg = tp_settings(server, business_access_token={"env": "RW_TP_TOKEN"})
    case_id = open_case(db, m)
    approve(db, cfg, case_id, clock)
    assert db.case(case_id).state is CaseState.FAILED

    clock.advance(minutes=2)
    server.add("GET", review, body={"id": m.external_id, "companyReply": {
        "text": REPLY, "authorBusinessUserId": "507f191e810c19729de860ea", "createdAt": "2026-03-02T09:00:02Z"}})
    (done,) = post_pending(db, cfg, clock)
    assert done.state is CaseState.POSTED and len(sent(server, "POST", review + "/reply")) == 1
    assert all(r.headers["Authorization"] == "Bearer tp-ready-Ee55" for r in server.requests)


def test_trustpilot_refused_sign_in_is_a_config_failure(server, db, clock):
    server.add("POST", TOKEN_PATH, status=401, body={"message": "Invalid credentials"})
    case_id = open_case(db, trustpilot_review(3))
    approve(db, tp_settings(server), case_id, clock)
    case = db.case(case_id)
    assert case.state is CaseState.FAILED and "Invalid credentials" in case.last_error
    assert "tp-secret" not in case.last_error and "tp-password" not in case.last_error


def test_trustpilot_without_business_api_credentials_is_post_manually(server, db, clock):
    case_id = open_case(db, trustpilot_review(4))
    outcome = approve(db, settings(trustpilot={"domain": "acme.example"}), case_id, clock)
    assert "posting replies needs business_user_id" in outcome and server.requests == []
