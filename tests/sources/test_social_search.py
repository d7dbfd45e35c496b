"""Hacker News (Algolia), Mastodon and Bluesky search, over real HTTP to a local replay server.

No recordings of these APIs exist in ../shared, so every response here is built from the
platform's documented format, field names exactly as the API returns them: HN Search
(hn.algolia.com/api), Mastodon's Status entity and rate-limit responder (docs.joinmastodon.org,
config/initializers/rack_attack.rb), and Bluesky's app.bsky.feed.searchPosts / createSession
lexicons. Texts and names are invented.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from monitor.clock import FakeClock
from sources.bluesky import BlueskySource, post_mention
from sources.errors import MalformedPayload, NotConfigured, SourceConfigError, TransientSourceError
from sources.hackernews import HackerNewsSource, hit_mention, html_to_text
from sources.http import PoliteSession
from sources.mastodon import MastodonSource, status_mention
from sources.registry import source_class

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)



@pytest.fixture
def clock():
    return FakeClock(NOW)


@pytest.fixture
def http():
    return PoliteSession(obey_robots=False, delay_seconds=0, timeout=2, sleep=lambda s: None)


def ids(result):
    return [m.external_id for m in result.mentions]


def saved(result):
    """The cursor as the store keeps it: through JSON and back."""
    return json.loads(json.dumps(result.cursor))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


# ============================== Hacker News (HN Search by Algolia) ==============================

HN = "/api/v1/search_by_date"


def hn_comment(object_id, created_i, text="Acme&#x27;s checkout has been broken for a week.", author="jdoe"):
    return {
        "_highlightResult": {"author": {"matchLevel": "none", "matchedWords": [], "value": author},
                             "comment_text": {"matchLevel": "full", "matchedWords": ["acme"], "value": text}},
        "_tags": ["comment", f"author_{author}", "story_40000000"],
        "author": author,
        "comment_text": text,
        "created_at": datetime.fromtimestamp(created_i, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_at_i": created_i,
        "objectID": str(object_id),
        "parent_id": 40000000,
        "story_id": 40000000,
        "story_title": "Show HN: Acme Cloud",
        "story_url": "https://acme.example/",
        "updated_at": datetime.fromtimestamp(created_i + 60, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def hn_story(object_id, created_i, title="Show HN: Acme Cloud"):
    return {
        "_highlightResult": {"title": {"matchLevel": "full", "matchedWords": ["acme"], "value": title}},
        "_tags": ["story", "author_asmith", f"story_{object_id}", "show_hn"],
        "author": "asmith",
        "children": [40000010],
        "created_at": datetime.fromtimestamp(created_i, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_at_i": created_i,
        "num_comments": 1,
        "objectID": str(object_id),
        "points": 12,
        "story_id": object_id,
        "title": title,
        "updated_at": datetime.fromtimestamp(created_i, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "url": "https://acme.example/",
    }


def hn_page(hits, *, page=0, pages=1):
    return {"exhaustive": {"nbHits": True, "typo": True}, "exhaustiveNbHits": True, "exhaustiveTypo": True,
            "hits": hits, "hitsPerPage": 100, "nbHits": len(hits) + 100 * (pages - 1), "nbPages": pages, "page": page,
            "params": "query=acme", "processingTimeMS": 1, "query": "acme", "serverTimeMS": 2}


def hn_source(server, clock, http, **settings):
    settings.setdefault("keywords", ["acme"])
    return HackerNewsSource(HackerNewsSource.Settings(base_url=server.url + "/api/v1", **settings),
                            http=http, clock=clock)


def test_hn_hits_become_mentions_with_plain_text(server, clock, http):
    comment = hn_comment(40000010, 1717236000, text=(
        "Acme&#x27;s checkout has been broken for a week.<p>Support never answered. "
        "<a href=\"https:&#x2F;&#x2F;example.com&#x2F;acme\" rel=\"nofollow\">"
        "https:&#x2F;&#x2F;example.com&#x2F;acme</a>"))
    server.add("GET", HN, body=hn_page([comment, hn_story(40000000, 1717235000)]))

    result = hn_source(server, clock, http).fetch(None)

    first, story = result.mentions
    assert first.text == ("Acme's checkout has been broken for a week.\n\n"
                          "Support never answered. https://example.com/acme")
    assert (first.title, first.author, first.external_id, first.reply_to) == (
        "Show HN: Acme Cloud", "jdoe", "40000010", "40000010")
    assert first.url == "https://news.ycombinator.com/item?id=40000010"
    assert first.created_at == datetime(2024, 6, 1, 10, tzinfo=timezone.utc) and first.fetched_at == NOW
    assert "_highlightResult" not in first.raw and first.raw["story_id"] == 40000000
    assert story.text == story.title == "Show HN: Acme Cloud" and story.full_text == "Show HN: Acme Cloud"
    sent = server.requests[0]
    assert sent.query == {"query": ["acme"], "tags": ["(story,comment)"], "page": ["0"], "hitsPerPage": ["100"]}
    assert sent.headers["User-Agent"].startswith("Replywatch/")


def test_hn_hits_in_the_same_second_are_neither_lost_nor_repeated(server, clock, http):
    t = 1717236000
    server.add("GET", HN, body=hn_page([hn_comment(3, t), hn_comment(2, t), hn_comment(1, t - 10)]))
    server.add("GET", HN, body=hn_page([hn_comment(5, t + 20), hn_comment(4, t), hn_comment(3, t), hn_comment(2, t)]))
    server.add("GET", HN, body=hn_page([hn_comment(5, t + 20)]))
    source = hn_source(server, clock, http)

    first = source.fetch(None)
    second = source.fetch(saved(first))
    third = source.fetch(saved(second))

    assert ids(first) == ["3", "2", "1"] and first.cursor == {"acme": {"since": t, "seen": ["2", "3"]}}
    assert ids(second) == ["5", "4"], "4 was posted in the same second as 2 and 3, and arrived later"
    assert server.requests[1].query["numericFilters"] == [f"created_at_i>={t}"]
    assert ids(third) == [] and third.cursor == {"acme": {"since": t + 20, "seen": ["5"]}}


def test_hn_a_sweep_cut_short_resumes_at_its_page(server, clock, http):
    t = 1717236000
    server.add("GET", HN, query={"page": "0"}, body=hn_page([hn_comment(9, t + 90), hn_comment(8, t + 80)], pages=2))
    server.add("GET", HN, query={"page": "1"}, body=hn_page([hn_comment(7, t + 70), hn_comment(6, t)], page=1, pages=2))
    source = hn_source(server, clock, http, max_pages=1)
    cursor = {"acme": {"since": t, "seen": ["6"]}}

    first = source.fetch(cursor)
    second = source.fetch(saved(first))

    assert ids(first) == ["9", "8"] and first.cursor["acme"]["pending"] == {"page": 1, "top": t + 90, "top_seen": ["9"]}
    assert ids(second) == ["7"] and server.requests[1].query["page"] == ["1"]
    assert second.cursor == {"acme": {"since": t + 90, "seen": ["9"]}}


def test_hn_malformed_hits_are_skipped_counted_and_logged_without_text(server, clock, http, caplog):
    broken = hn_comment(11, 1717236000, text="my private complaint")
    broken["created_at_i"] = "yesterday"
    server.add("GET", HN, body=hn_page([hn_comment(12, 1717236000), broken, {"author": "x"}]))

    result = hn_source(server, clock, http).fetch(None)

    assert ids(result) == ["12"] and result.errors == 2
    assert "item 11: no usable created_at_i" in caplog.text and "private complaint" not in caplog.text


def test_hn_429_with_retry_after_is_transient(server, clock, http):
    server.add("GET", HN, status=429, body={"message": "Too many requests", "status": 429},
               headers={"Retry-After": "30"})
    with pytest.raises(TransientSourceError, match="429") as caught:
        hn_source(server, clock, http).fetch(None)
    assert caught.value.retry_after == 30


@pytest.mark.parametrize("status", [401, 403])
def test_hn_refusals_are_config_errors(server, clock, http, status):
    server.add("GET", HN, status=status, body={"message": "Invalid Application-ID or API key", "status": status})
    with pytest.raises(SourceConfigError, match=str(status)):
        hn_source(server, clock, http).fetch(None)


def test_hn_check_says_how_many_match_and_never_raises(server, clock, http):
    server.add("GET", HN, body=hn_page([hn_comment(1, 1717236000)]))
    assert hn_source(server, clock, http).check().detail == "hackernews: HN Search answered (1 items match 'acme')"
    server.add("GET", HN, status=503, body="unavailable")
    failed = hn_source(server, clock, http).check()
    assert not failed.ok and "503" in failed.detail
    with pytest.raises(NotConfigured, match="no keywords"):
        HackerNewsSource(HackerNewsSource.Settings())


@hsettings(max_examples=200, deadline=None)
@given(hit=st.one_of(json_values, st.fixed_dictionaries({}, optional={
    "objectID": st.one_of(st.from_regex(r"\A[0-9]{1,9}\Z"), json_values),
    "created_at_i": st.one_of(st.integers(), json_values),
    "comment_text": st.one_of(st.text(max_size=40), json_values),
    "story_text": json_values, "title": json_values, "story_title": json_values, "author": json_values})))
def test_hn_parser_never_crashes_on_broken_hits(hit):
    try:
        mention = hit_mention(hit, fetched_at=NOW)
    except MalformedPayload:
        return
    assert mention.text.strip() and mention.external_id.isdigit() and mention.created_at.tzinfo is not None


@given(markup=st.text(max_size=200))
def test_html_to_text_never_crashes(markup):
    assert isinstance(html_to_text(markup), str)


# ==================================== Mastodon ====================================

TAG = "/api/v1/timelines/tag/acme"
SEARCH_V2 = "/api/v2/search"


def status(local_id, created="2024-06-01T10:00:00.000Z", *, acct="alice", followers=120, language="en",
           content=None, spoiler=""):
    content = content or ('<p>Ordered from <a href="https://mastodon.example/tags/acme" class="mention hashtag" '
                          'rel="tag">#<span>acme</span></a> three weeks ago, still nothing.</p>')
    username = acct.split("@")[0]
    home = acct.split("@")[1] if "@" in acct else "mastodon.example"
    return {
        "id": str(local_id), "created_at": created, "in_reply_to_id": None, "in_reply_to_account_id": None,
        "sensitive": bool(spoiler), "spoiler_text": spoiler, "visibility": "public", "language": language,
        "uri": f"https://{home}/users/{username}/statuses/{local_id}",
        "url": f"https://{home}/@{username}/{local_id}",
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 1, "edited_at": None,
        "content": content, "reblog": None, "application": {"name": "Web", "website": None},
        "account": {"id": "109", "username": username, "acct": acct, "display_name": username.title(),
                    "locked": False, "bot": False, "discoverable": True, "group": False,
                    "created_at": "2022-11-01T00:00:00.000Z", "note": "", "url": f"https://{home}/@{username}",
                    "avatar": "https://files.mastodon.example/a.png", "followers_count": followers,
                    "following_count": 10, "statuses_count": 42, "last_status_at": "2024-06-01",
                    "emojis": [], "fields": []},
        "media_attachments": [], "mentions": [],
        "tags": [{"name": "acme", "url": "https://mastodon.example/tags/acme"}],
        "emojis": [], "card": None, "poll": None,
    }


def mastodon_source(server, clock, http, **settings):
    settings.setdefault("hashtags", ["#acme"])
    return MastodonSource(MastodonSource.Settings(base_url=server.url, **settings), http=http, clock=clock)


def test_mastodon_statuses_become_mentions(server, clock, http):
    server.add("GET", TAG, body=[status(2, acct="bob@other.example", followers=5000, language=None),
                                 status(1, spoiler="delivery rant")])

    result = mastodon_source(server, clock, http).fetch(None)

    remote, local = result.mentions
    assert local.text == "Ordered from #acme three weeks ago, still nothing."
    assert local.external_id == "https://mastodon.example/users/alice/statuses/1" and local.reply_to == "1"
    assert (local.author, local.author_reach, local.language, local.title) == (
        f"@alice@{server.url.split('//')[1]}", 120, "en", "delivery rant")
    assert local.url == "https://mastodon.example/@alice/1"
    assert local.created_at == datetime(2024, 6, 1, 10, tzinfo=timezone.utc)
    assert (remote.author, remote.author_reach, remote.language) == ("@bob@other.example", 5000, None)
    assert result.cursor == {"tag:acme": {"min_id": "2"}}
    assert server.requests[0].query == {"limit": ["40"]} and "Authorization" not in server.requests[0].headers


def test_mastodon_tag_timeline_walks_forward_with_min_id_and_misses_nothing(server, clock, http):
    same = "2024-06-01T10:00:00.000Z"
    server.add("GET", TAG, query={"min_id": "3"}, body=[status(5, same), status(4, same)])
    server.add("GET", TAG, query={"min_id": "5"}, body=[status(7, same), status(6)])
    server.add("GET", TAG, query={"min_id": "7"}, body=[], repeat=True)
    server.add("GET", TAG, body=[status(3, same), status(2), status(1)])
    source = mastodon_source(server, clock, http, limit=2)

    first = source.fetch(None)
    second = source.fetch(saved(first))
    third = source.fetch(saved(second))

    assert ids(first) == [status(i)["uri"] for i in (3, 2, 1)]
    assert ids(second) == [status(i)["uri"] for i in (5, 4, 7, 6)], "identical created_at, all kept"
    assert ids(third) == [] and third.cursor == {"tag:acme": {"min_id": "7"}}


def test_mastodon_keyword_search_pages_down_to_the_last_seen_status(server, clock, http, monkeypatch):
    monkeypatch.setenv("MASTODON_TOKEN", "mastodon-secret-token-123")
    def results(*statuses):
        return {"accounts": [], "hashtags": [], "statuses": list(statuses)}

    server.add("GET", SEARCH_V2, query={"offset": "2"}, body=results(status(3), status(2)))
    server.add("GET", SEARCH_V2, query={"offset": "0"}, body=results(status(3), status(2)))
    server.add("GET", SEARCH_V2, query={"offset": "0"}, body=results(status(5), status(4)))
    source = mastodon_source(server, clock, http, hashtags=[], keywords=["acme"], limit=2,
                             access_token={"env": "MASTODON_TOKEN"})

    first = source.fetch(None)
    second = source.fetch(saved(first))

    assert ids(first) == [status(3)["uri"], status(2)["uri"]] and first.cursor == {"search:acme": {"since_id": "3"}}
    assert ids(second) == [status(5)["uri"], status(4)["uri"]] and second.cursor == {"search:acme": {"since_id": "5"}}
    sent = server.requests[1]
    assert sent.query["q"] == ["acme"] and sent.query["type"] == ["statuses"] and sent.query["min_id"] == ["3"]
    assert sent.headers["Authorization"] == "Bearer mastodon-secret-token-123"


def test_mastodon_keywords_need_a_token(clock, http):
    with pytest.raises(NotConfigured, match="keyword search needs an access token"):
        MastodonSource(MastodonSource.Settings(base_url="https://mastodon.example", keywords=["acme"]), clock=clock)


def test_mastodon_429_is_transient_with_retry_after_from_its_reset_time(server, clock, http):
    """Mastodon's throttled responder: X-RateLimit-* headers, the reset an ISO-8601 time, no Retry-After."""
    reset = (NOW + timedelta(seconds=120)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    server.add("GET", TAG, status=429, body={"error": "Too many requests"},
               headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    with pytest.raises(TransientSourceError, match="429") as caught:
        mastodon_source(server, clock, http).fetch(None)
    assert caught.value.retry_after == 120


def test_mastodon_429_with_retry_after_is_transient(server, clock, http):
    server.add("GET", TAG, status=429, body={"error": "Too many requests"}, headers={"Retry-After": "45"})
    with pytest.raises(TransientSourceError) as caught:
        mastodon_source(server, clock, http).fetch(None)
    assert caught.value.retry_after == 45


@pytest.mark.parametrize("status_code,error", [(401, "The access token is invalid"),
                                                (403, "This action is outside the authorized scopes")])
def test_mastodon_refusals_are_config_errors_without_the_token(server, clock, http, monkeypatch, caplog,
                                                               status_code, error):
    monkeypatch.setenv("MASTODON_TOKEN", "mastodon-secret-token-123")
    caplog.set_level(logging.DEBUG)
    server.add("GET", TAG, status=status_code, body={"error": error}, repeat=True)
    source = mastodon_source(server, clock, http, access_token={"env": "MASTODON_TOKEN"})
    with pytest.raises(SourceConfigError, match=f"access refused \\({status_code}\\)") as caught:
        source.fetch(None)
    assert "mastodon-secret-token-123" not in str(caught.value) + caplog.text
    assert not source.check().ok and str(status_code) in source.check().detail


def test_mastodon_malformed_statuses_are_skipped_and_counted_boosts_are_not_errors(server, clock, http, caplog):
    no_uri, bad_time, boost = status(3), status(2, created="last week"), status(4)
    del no_uri["uri"]
    boost["reblog"] = status(1)
    server.add("GET", TAG, body=[boost, no_uri, bad_time, status(1)])

    result = mastodon_source(server, clock, http).fetch(None)

    assert ids(result) == [status(1)["uri"]] and result.errors == 2
    assert result.cursor == {"tag:acme": {"min_id": "4"}}
    assert "status 2: unreadable created_at" in caplog.text and "Ordered from" not in caplog.text


def test_mastodon_check_names_the_instance(server, clock, http):
    server.add("GET", TAG, body=[status(1)])
    result = mastodon_source(server, clock, http).check()
    assert result.ok and result.detail.startswith("mastodon: 127.0.0.1:") and "tag acme" in result.detail
    assert server.requests[0].query == {"limit": ["1"]}


@hsettings(max_examples=200, deadline=None)
@given(item=st.one_of(json_values, st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.from_regex(r"\A[0-9]{1,18}\Z"), json_values),
    "uri": st.one_of(st.just("https://m.example/users/a/statuses/1"), json_values),
    "created_at": st.one_of(st.just("2024-06-01T10:00:00.000Z"), json_values),
    "content": st.one_of(st.text(max_size=40), json_values), "spoiler_text": json_values,
    "language": json_values, "url": json_values,
    "account": st.one_of(json_values, st.fixed_dictionaries({"acct": json_values, "followers_count": json_values}))})))
def test_mastodon_parser_never_crashes_on_broken_statuses(item):
    try:
        mention = status_mention(item, host="m.example", fetched_at=NOW)
    except MalformedPayload:
        return
    assert mention.text.strip() and mention.external_id and mention.reply_to
    assert mention.author_reach is None or mention.author_reach >= 0


# ==================================== Bluesky ====================================

SEARCH_POSTS = "/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
SIGNED_IN = {"handle": {"env": "BSKY_HANDLE"}, "app_password": {"env": "BSKY_APP_PASSWORD"}}


def post(rkey, indexed="2024-06-01T10:00:01.123Z", *, handle="carol.bsky.social",
         text="@acme.com my parcel never arrived", langs=("en",), created="2024-06-01T10:00:00.000Z"):
    did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
    record = {"$type": "app.bsky.feed.post", "createdAt": created, "text": text}
    if langs is not None:
        record["langs"] = list(langs)
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": "bafyreib2rxk3rybk3aobmv5cjuql3bm2twh4jo5uxgf5uxs6c3tjgjhgpq",
        "author": {"did": did, "handle": handle, "displayName": "Carol",
                   "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkreigh@jpeg",
                   "associated": {"chat": {"allowIncoming": "following"}}, "labels": [],
                   "createdAt": "2023-08-01T00:00:00.000Z"},
        "record": record,
        "replyCount": 0, "repostCount": 0, "likeCount": 1, "quoteCount": 0,
        "indexedAt": indexed,
        "labels": [],
    }


def posts_page(posts, cursor=None):
    body = {"hitsTotal": len(posts), "posts": posts}
    if cursor:
        body["cursor"] = cursor
    return body


def bluesky_source(server, clock, http, **settings):
    settings.setdefault("queries", ["acme"])
    return BlueskySource(BlueskySource.Settings(base_url=server.url, auth_url=server.url, **settings),
                         http=http, clock=clock)


def test_bluesky_posts_become_mentions(server, clock, http):
    server.add("GET", SEARCH_POSTS, body=posts_page([post("3kq2xyzabc22"), post("3kq2xyzabc11", handle="handle.invalid",
                                                                                  langs=None)], cursor="2"))

    result = bluesky_source(server, clock, http).fetch(None)

    first, unnamed = result.mentions
    uri = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3kq2xyzabc22"
    assert first.external_id == first.reply_to == uri
    assert first.url == "https://bsky.app/profile/carol.bsky.social/post/3kq2xyzabc22"
    assert (first.author, first.language) == ("@carol.bsky.social", "en")
    assert first.text == "@acme.com my parcel never arrived"
    assert first.created_at == datetime(2024, 6, 1, 10, tzinfo=timezone.utc) and first.raw["cid"].startswith("bafy")
    assert unnamed.url == "https://bsky.app/profile/did:plc:ewvi7nxzyoun6zhxrhs64oiz/post/3kq2xyzabc11"
    assert (unnamed.author, unnamed.language) == (None, None)
    assert server.requests[0].query == {"q": ["acme"], "sort": ["latest"], "limit": ["100"]}
    assert "Authorization" not in server.requests[0].headers


def test_bluesky_posts_indexed_in_the_same_instant_are_neither_lost_nor_repeated(server, clock, http):
    same = "2024-06-01T10:00:05.000Z"
    server.add("GET", SEARCH_POSTS, body=posts_page([post("b", same), post("a", same)], cursor="2"))
    server.add("GET", SEARCH_POSTS, body=posts_page([post("c", same), post("b", same), post("a", same),
                                                     post("old", "2024-06-01T08:00:00.000Z")], cursor="4"))
    server.add("GET", SEARCH_POSTS, body=posts_page([post("c", same), post("b", same), post("a", same)]))
    source = bluesky_source(server, clock, http)

    first = source.fetch(None)
    second = source.fetch(saved(first))
    third = source.fetch(saved(second))

    uri = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/"
    assert ids(first) == [uri + "b", uri + "a"]
    assert ids(second) == [uri + "c"], "c was indexed in the same instant as a and b, and seen later"
    assert ids(third) == []
    assert third.cursor["acme"]["since"] == "2024-06-01T10:00:05+00:00" and len(third.cursor["acme"]["seen"]) == 3
    assert all("cursor" not in r.query for r in server.requests), "signed out, Bluesky refuses the cursor parameter"


def test_bluesky_signed_in_search_pages_with_cursor_and_signs_in_again_when_the_token_expires(
        server, clock, http, monkeypatch):
    monkeypatch.setenv("BSKY_HANDLE", "acme.bsky.social")
    monkeypatch.setenv("BSKY_APP_PASSWORD", "abcd-efgh-ijkl-mnop")
    session = {"did": "did:plc:acme", "handle": "acme.bsky.social", "email": "ops@acme.example",
               "accessJwt": "jwt-one", "refreshJwt": "refresh-one", "active": True}
    server.add("POST", CREATE_SESSION, body=session)
    server.add("POST", CREATE_SESSION, body={**session, "accessJwt": "jwt-two"})
    server.add("GET", SEARCH_POSTS, query={"cursor": "2"}, body=posts_page([post("y", "2024-06-01T09:59:00.000Z"),
                                                                            post("x", "2024-06-01T09:00:00.000Z")]))
    server.add("GET", SEARCH_POSTS, status=400, body={"error": "ExpiredToken", "message": "Token has expired"})
    server.add("GET", SEARCH_POSTS, body=posts_page([post("z", "2024-06-01T10:01:00.000Z")], cursor="2"))
    source = bluesky_source(server, clock, http, **SIGNED_IN,
                            overlap_seconds=0)

    result = source.fetch({"acme": {"since": "2024-06-01T09:30:00+00:00", "seen": {}}})

    assert [m.external_id.rsplit("/", 1)[1] for m in result.mentions] == ["z", "y"]
    assert server.requests[0].json() == {"identifier": "acme.bsky.social", "password": "abcd-efgh-ijkl-mnop"}
    assert [r.headers.get("Authorization") for r in server.requests if r.path == SEARCH_POSTS] == [
        "Bearer jwt-one", "Bearer jwt-two", "Bearer jwt-two"]
    assert server.requests[-1].query["cursor"] == ["2"]
    assert result.cursor["acme"]["since"] == "2024-06-01T10:01:00+00:00"


def test_bluesky_signed_in_sweep_cut_short_resumes_at_its_cursor(server, clock, http, monkeypatch):
    monkeypatch.setenv("BSKY_HANDLE", "acme.bsky.social")
    monkeypatch.setenv("BSKY_APP_PASSWORD", "abcd-efgh-ijkl-mnop")
    server.add("POST", CREATE_SESSION, body={"did": "did:plc:acme", "handle": "acme.bsky.social", "accessJwt": "jwt",
                                             "refreshJwt": "r"})
    server.add("GET", SEARCH_POSTS, query={"cursor": "1"}, body=posts_page([post("m", "2024-06-01T10:05:00.000Z"),
                                                                            post("old", "2024-06-01T08:00:00.000Z")]))
    server.add("GET", SEARCH_POSTS, body=posts_page([post("n", "2024-06-01T10:06:00.000Z")], cursor="1"))
    source = bluesky_source(server, clock, http, **SIGNED_IN,
                            max_pages=1, overlap_seconds=60)
    start = {"acme": {"since": "2024-06-01T10:00:00+00:00", "seen": {}}}

    first = source.fetch(start)
    second = source.fetch(saved(first))

    assert [m.external_id[-1] for m in first.mentions] == ["n"]
    assert first.cursor["acme"]["since"] == "2024-06-01T10:00:00+00:00"
    assert first.cursor["acme"]["pending"] == {"cursor": "1", "top": "2024-06-01T10:06:00+00:00"}
    assert [m.external_id[-1] for m in second.mentions] == ["m"]
    assert second.cursor["acme"]["since"] == "2024-06-01T10:06:00+00:00" and "pending" not in second.cursor["acme"]


def test_bluesky_signed_out_403_is_a_config_error_that_says_what_to_do(server, clock, http):
    """Bluesky's answer when it switches signed-out search off (as reported in atproto issues #3423, #3583)."""
    server.add("GET", SEARCH_POSTS, status=403, body="Request forbidden by administrative rules.",
               headers={"Content-Type": "text/plain"})
    with pytest.raises(SourceConfigError, match="refused signed-out search \\(403\\).*handle and app_password"):
        bluesky_source(server, clock, http).fetch(None)


def test_bluesky_refused_sign_in_is_a_config_error_without_the_password(server, clock, http, monkeypatch, caplog):
    monkeypatch.setenv("BSKY_HANDLE", "acme.bsky.social")
    monkeypatch.setenv("BSKY_APP_PASSWORD", "abcd-efgh-ijkl-mnop")
    caplog.set_level(logging.DEBUG)
    server.add("POST", CREATE_SESSION, status=401,
               body={"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
    source = bluesky_source(server, clock, http, **SIGNED_IN)

    with pytest.raises(SourceConfigError, match="sign-in refused \\(AuthenticationRequired\\)") as caught:
        source.fetch(None)
    assert "abcd-efgh-ijkl-mnop" not in str(caught.value) + caplog.text
    assert "BSKY_APP_PASSWORD" in str(caught.value)


def test_bluesky_429_is_transient_with_retry_after_from_ratelimit_reset(server, clock, http):
    """atproto's rate-limit answer: RateLimit-* headers (reset as Unix seconds) and an XRPC error body."""
    server.add("GET", SEARCH_POSTS, status=429, body={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
               headers={"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Policy": "3000;w=300",
                        "RateLimit-Reset": str(int(NOW.timestamp()) + 90)})
    with pytest.raises(TransientSourceError, match="429") as caught:
        bluesky_source(server, clock, http).fetch(None)
    assert caught.value.retry_after == 90

    server.add("GET", SEARCH_POSTS, status=429, body={"error": "RateLimitExceeded"}, headers={"Retry-After": "12"})
    with pytest.raises(TransientSourceError) as caught:
        bluesky_source(server, clock, http).fetch(None)
    assert caught.value.retry_after == 12


def test_bluesky_malformed_posts_are_skipped_and_counted(server, clock, http, caplog):
    no_text, bad_uri = post("t1", text=""), post("t2")
    bad_uri["uri"] = "https://bsky.app/not-an-at-uri"
    server.add("GET", SEARCH_POSTS, body=posts_page([no_text, bad_uri, post("ok")]))

    result = bluesky_source(server, clock, http).fetch(None)

    assert [m.external_id[-2:] for m in result.mentions] == ["ok"] and result.errors == 2
    assert "post t1: no text" in caplog.text and "carol" not in caplog.text


def test_bluesky_settings_and_check(server, clock, http, monkeypatch):
    with pytest.raises(NotConfigured, match="both handle and app_password"):
        BlueskySource(BlueskySource.Settings(queries=["acme"], handle={"env": "BSKY_HANDLE"}))
    with pytest.raises(NotConfigured, match="BSKY_HANDLE is not set"):
        BlueskySource(BlueskySource.Settings(queries=["acme"], handle={"env": "BSKY_HANDLE"},
                                             app_password={"env": "BSKY_APP_PASSWORD"}))
    server.add("GET", SEARCH_POSTS, body=posts_page([post("a")]))
    assert bluesky_source(server, clock, http).check().detail == "bluesky: post search answered (signed out) for 'acme'"
    server.add("GET", SEARCH_POSTS, status=403, body="Request forbidden by administrative rules.")
    refused = bluesky_source(server, clock, http).check()
    assert not refused.ok and "403" in refused.detail


@hsettings(max_examples=200, deadline=None)
@given(item=st.one_of(json_values, st.fixed_dictionaries({}, optional={
    "uri": st.one_of(st.just("at://did:plc:x/app.bsky.feed.post/3k"), json_values),
    "indexedAt": st.one_of(st.just("2024-06-01T10:00:00Z"), json_values),
    "author": st.one_of(json_values, st.fixed_dictionaries({"handle": json_values})),
    "record": st.one_of(json_values, st.fixed_dictionaries({}, optional={
        "text": st.one_of(st.text(max_size=30), json_values), "createdAt": json_values, "langs": json_values}))})))
def test_bluesky_parser_never_crashes_on_broken_posts(item):
    try:
        mention, indexed = post_mention(item, fetched_at=NOW)
    except MalformedPayload:
        return
    assert mention.text.strip() and mention.external_id.startswith("at://") and indexed.tzinfo is not None


def test_registry_resolves_the_three_sources():
    assert source_class("hackernews") is HackerNewsSource
    assert source_class("mastodon") is MastodonSource
    assert source_class("bluesky") is BlueskySource
