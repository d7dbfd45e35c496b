"""Every real source's platform at once: one ReplayServer per platform, loaded with the real
recordings (../shared/fixtures, see shared/DATA.md), and the config that points each source at it.

    with start_platforms() as platforms:
        config_file.write_text(platforms.toml())       # [sources.*], every base URL on 127.0.0.1
        ... replywatch poll --once ...
        platforms.expected["trustpilot"]                # the distinct ids in the recordings

Each platform is a quiet one: it answers the same recorded pages every time (routes repeat), as
a platform with no new activity would. Where a source asks with its saved cursor, the platform
answers as the real one does when nothing is newer: Reddit's recorded empty listing for
`before=<newest>`, X's documented `{"meta": {"result_count": 0}}` for `since_id=<newest>`.
`expected` is computed from the fixture files themselves, never through a source's parser.

Recorded, served as recorded: the Reddit listings and token answers (PRAW's cassettes), the X
pages (tweepy's cassettes), the App Store feed, the 2019 Google Play page. Recorded items in an
envelope written here: Trustpilot (`__NEXT_DATA__` pages, built by tests/sources/
test_review_sites.py), Google Maps (`)]}'` + [null, token, items]) and Yelp (the GraphQL review
objects in a Fusion-shaped `{"reviews", "total"}`; the Yelp source reads both shapes). Written
here from documented formats, no recording existing: Reddit's `/api/v1/me` (read by `check`
only), X's empty answer, Apple's robots.txt rule (`Disallow: /*/rss/*`, the rule DATA.md cites),
and a 404 for robots.txt on the other scraped sites (no robots.txt: everything allowed).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from tests.fakes import praw_cassettes, tweepy_cassettes
from tests.fakes.replay_server import ReplayServer
from tests.sources.test_review_sites import (
    MAPS_FILES,
    REVIEWS,
    TRUSTPILOT_PAGES,
    load,
    next_data_page,
)

SOURCES = ("reddit", "twitter", "trustpilot", "app_store", "google_play", "google_business", "yelp")

#: Dummy credentials the sources read from the environment (the replaying servers check none).
ENV = {
    "RW_IT_REDDIT_ID": "it-reddit-id",
    "RW_IT_REDDIT_SECRET": "it-reddit-secret",
    "RW_IT_REDDIT_USER": praw_cassettes.PLACEHOLDERS["<USERNAME>"],
    "RW_IT_REDDIT_PASSWORD": "it-reddit-password",
    "RW_IT_X_BEARER": "it-x-bearer-token",
    "RW_IT_YELP_KEY": "it-yelp-key",
}

FAST = {"delay_seconds": 0, "timeout_seconds": 5}  # politeness delays off: one local server per platform
NO_ROBOTS = 404  # what a site without a robots.txt answers

REDDIT_KEYWORD = "praw oauth search"  # the query recorded in TestSubreddit.test_search
REDDIT_SUBREDDIT = "askreddit"  # the subreddit of TestSubredditListings.test_new / test_comments
REDDIT_INBOX = ("praw/TestInbox.test_mentions", "praw/TestInbox.test_comment_replies",
                "praw/TestInbox.test_submission_replies")
X_QUERY = "Tweepy"  # the query recorded in test_client_search_recent_tweets
X_USER = "783214"  # @Twitter, whose mentions test_client_get_users_mentions recorded
X_EMPTY = {"meta": {"result_count": 0}}  # X's documented answer when nothing is newer than since_id
APPLE_ROBOTS = "User-agent: *\nDisallow: /*/rss/*\n"
APPLE_APP = "811377230"
APPLE_PATH = f"/us/rss/customerreviews/page=1/id={APPLE_APP}/sortby=mostrecent/json"
TRUSTPILOT_DOMAIN = "www.bhphotovideo.com"
PLAY_PACKAGE = "com.instagram.igtv"
PLAY_FILE = "google_play/details_page_com.instagram.igtv_2019.html"
MAPS_PATH = "/maps/rpc/listugcposts"


@dataclass
class Platform:
    name: str
    server: ReplayServer
    section: dict[str, Any]  # the source's config section
    expected: frozenset[str]  # distinct item ids in the recordings this platform serves
    payloads: list[str | bytes] = field(default_factory=list)  # the listing/review bodies as served
    #: path -> the query parameters the source sends there once it resumes from its saved cursor
    resumes: dict[str, dict[str, str]] = field(default_factory=dict)


class Platforms:
    """The started platforms; a context manager that stops them all."""

    def __init__(self, platforms: dict[str, Platform]):
        self.platforms = platforms

    @property
    def sections(self) -> dict[str, dict[str, Any]]:
        return {name: p.section for name, p in self.platforms.items()}

    @property
    def config(self) -> dict[str, Any]:
        return {"sources": self.sections}

    @property
    def expected(self) -> dict[str, frozenset[str]]:
        return {name: p.expected for name, p in self.platforms.items()}

    def server(self, name: str) -> ReplayServer:
        return self.platforms[name].server

    def toml(self) -> str:
        return to_toml(self.config)

    def stop(self, name: str) -> None:
        """Take one platform down: its port is closed, connections are refused."""
        self.platforms[name].server.stop()

    def forget_requests(self) -> None:
        for p in self.platforms.values():
            p.server.requests.clear()

    def unmatched(self) -> dict[str, list[Any]]:
        return {name: p.server.unmatched for name, p in self.platforms.items() if p.server.unmatched}

    def close(self) -> None:
        for p in self.platforms.values():
            p.server.stop()

    def __enter__(self) -> Platforms:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_platforms(names: Iterable[str] = SOURCES) -> Platforms:
    """One started ReplayServer per named platform, loaded with its recordings."""
    started = Platforms({})
    try:
        for name in names:
            server = ReplayServer().start()
            try:
                started.platforms[name] = BUILDERS[name](server)
            except BaseException:
                server.stop()
                raise
    except BaseException:
        started.close()
        raise
    return started


# --- one builder per platform ------------------------------------------------------------------


def reddit(server: ReplayServer) -> Platform:
    expected: list[str] = []
    payloads = []
    resumes = {}
    # Forward-read subreddit listings resume with before=<newest fullname>; Reddit answers it with
    # an empty listing when nothing is newer (recorded in test_comments__with_pause, 3rd answer).
    # Registered first: a route without query parameters answers any query.
    empty = praw_cassettes.load("praw/TestSubredditStreams.test_comments__with_pause")[2]
    for cassette, path in (("praw/TestSubredditListings.test_new", f"/r/{REDDIT_SUBREDDIT}/new"),
                           ("praw/TestSubredditListings.test_comments", f"/r/{REDDIT_SUBREDDIT}/comments/")):
        newest = _names(praw_cassettes.listing(praw_cassettes.load(cassette), path))[0]
        praw_cassettes.serve(server, [replace(empty, path=path, query={"before": newest})], repeat=True)
        resumes[path] = {"before": newest}
    listings = [("praw/TestSubreddit.test_search", "/r/all/search/"),
                ("praw/TestSubredditListings.test_new", f"/r/{REDDIT_SUBREDDIT}/new"),
                ("praw/TestSubredditListings.test_comments", f"/r/{REDDIT_SUBREDDIT}/comments/"),
                (REDDIT_INBOX[0], "/message/mentions"), (REDDIT_INBOX[1], "/message/comments/"),
                (REDDIT_INBOX[2], "/message/selfreply/")]
    for cassette, path in listings:
        answer = praw_cassettes.listing(praw_cassettes.replay(server, cassette, repeat=True), path)
        expected += _names(answer)
        payloads.append(answer.body)
    # Written (no recording of a successful GET /api/v1/me exists): `check` reads the account name.
    server.add("GET", "/api/v1/me", body={"name": ENV["RW_IT_REDDIT_USER"]}, repeat=True)
    section = {
        "enabled": True, "client_id": {"env": "RW_IT_REDDIT_ID"}, "client_secret": {"env": "RW_IT_REDDIT_SECRET"},
        "username": {"env": "RW_IT_REDDIT_USER"}, "password": {"env": "RW_IT_REDDIT_PASSWORD"},
        "keywords": [REDDIT_KEYWORD], "watch_subreddits": [REDDIT_SUBREDDIT], "inbox": True,
        # the token endpoint under another host name, as on Reddit (see tests/sources/test_reddit.py)
        "oauth_url": server.url, "reddit_url": server.url.replace("127.0.0.1", "localhost"),
        "timeout_seconds": 5,
    }
    return Platform("reddit", server, section, frozenset(expected), payloads, resumes)


def twitter(server: ReplayServer) -> Platform:
    recent = tweepy_cassettes.load_cassette("test_client_search_recent_tweets")[0]
    mentioned = tweepy_cassettes.load_cassette("test_client_get_users_mentions")[0]
    resumes = {}
    for page, match in ((recent, {"query": X_QUERY}), (mentioned, {})):
        since = {**match, "since_id": page.json()["meta"]["newest_id"]}
        resumes[page.path] = since
        server.add("GET", page.path, body=X_EMPTY, query=since, repeat=True)  # first: it is the narrower route
        server.add(page.method, page.path, status=page.status, body=page.body, headers=page.headers,
                   query=match or None, repeat=True)
    section = {"enabled": True, "bearer_token": {"env": "RW_IT_X_BEARER"}, "queries": [X_QUERY],
               "brand_user_id": X_USER, "base_url": server.url, "timeout_seconds": 5}
    expected = [t["id"] for page in (recent, mentioned) for t in page.json()["data"]]
    return Platform("twitter", server, section, frozenset(expected), [recent.body, mentioned.body], resumes)


def trustpilot(server: ReplayServer) -> Platform:
    server.add("GET", "/robots.txt", status=NO_ROBOTS, body="not found", repeat=True)
    pages = [next_data_page(reviews, page=n, total_pages=len(TRUSTPILOT_PAGES))
             for n, reviews in enumerate(TRUSTPILOT_PAGES, start=1)]
    for number, html in enumerate(pages, start=1):
        server.add("GET", f"/review/{TRUSTPILOT_DOMAIN}", query={"page": str(number)}, body=html,
                   headers={"Content-Type": "text/html; charset=utf-8"}, repeat=True)
    section = {"enabled": True, "domain": TRUSTPILOT_DOMAIN, "base_url": server.url, **FAST}
    expected = [r["id"] for r in load("trustpilot/scrapfly_trustpilot_reviews.json")]
    return Platform("trustpilot", server, section, frozenset(expected), pages)


def app_store(server: ReplayServer) -> Platform:
    feed = load("apple_app_store/rss_customerreviews_id811377230.json")
    # Apple's robots.txt rule is served, and the config opts out of it with ignore_robots = true
    # (as a user who checked Apple's terms would): the source then never asks for robots.txt.
    server.add("GET", "/robots.txt", body=APPLE_ROBOTS, headers={"Content-Type": "text/plain"}, repeat=True)
    server.add("GET", APPLE_PATH, body=feed, repeat=True)
    # max_pages = 1: the recording is page 1 of 10; the first poll reads that much history.
    section = {"enabled": True, "app_id": APPLE_APP, "countries": ["us"], "base_url": server.url,
               "ignore_robots": True, "max_pages": 1, **FAST}
    expected = [e["id"]["label"] for e in feed["feed"]["entry"]]
    return Platform("app_store", server, section, frozenset(expected), [json.dumps(feed)])


def google_play(server: ReplayServer) -> Platform:
    html = (REVIEWS / PLAY_FILE).read_text(encoding="utf-8")
    server.add("GET", "/robots.txt", status=NO_ROBOTS, body="not found", repeat=True)
    server.add("GET", "/store/apps/details", body=html, headers={"Content-Type": "text/html; charset=utf-8"},
               repeat=True)
    # page mode (no API credentials): the only Google Play recording is the 2019 details page
    section = {"enabled": True, "package": PLAY_PACKAGE, "base_url": server.url, **FAST}
    expected = set(re.findall(r'"(gp:[A-Za-z0-9_-]+)"', html))  # the review ids in the page's data blobs
    return Platform("google_play", server, section, frozenset(expected), [html])


def google_business(server: ReplayServer) -> Platform:
    items = [load(f"google_maps/{name}")[0] for name in MAPS_FILES]
    body = ")]}'\n" + json.dumps([None, "next-page-token", items])  # the envelope is written; items recorded
    server.add("GET", "/robots.txt", status=NO_ROBOTS, body="not found", repeat=True)
    server.add("GET", MAPS_PATH, body=body, headers={"Content-Type": "application/json; charset=utf-8"},
               repeat=True)
    section = {"enabled": True, "mode": "maps", "maps_reviews_url": f"{server.url}{MAPS_PATH}?hl=en&pb=x", **FAST}
    return Platform("google_business", server, section, frozenset(item[0][0] for item in items), [body])


def yelp(server: ReplayServer) -> Platform:
    reviews = load("yelp/scrapfly_yelp_reviews.json")
    alias = reviews[0]["business"]["alias"]
    body = {"reviews": reviews, "total": len(reviews)}  # the envelope is written; the reviews recorded
    server.add("GET", f"/v3/businesses/{alias}/reviews", body=body, repeat=True)
    section = {"enabled": True, "businesses": [alias], "api_key": {"env": "RW_IT_YELP_KEY"},
               "base_url": server.url, **FAST}
    return Platform("yelp", server, section, frozenset(r["encid"] for r in reviews), [json.dumps(body)])


BUILDERS = {"reddit": reddit, "twitter": twitter, "trustpilot": trustpilot, "app_store": app_store,
            "google_play": google_play, "google_business": google_business, "yelp": yelp}


# --- helpers ---------------------------------------------------------------------------------


def _names(interaction: praw_cassettes.Interaction) -> list[str]:
    return [child["data"]["name"] for child in interaction.json()["data"]["children"]]


def to_toml(config: dict[str, Any]) -> str:
    """The config as TOML (tables of scalars, lists and inline { env = "..." } tables only)."""
    lines: list[str] = []

    def table(prefix: str, values: dict[str, Any]) -> None:
        scalars = {k: v for k, v in values.items() if not _is_table(v)}
        if scalars or not values:
            lines.append(f"[{prefix}]")
            lines.extend(f"{k} = {_value(v)}" for k, v in scalars.items())
            lines.append("")
        for key, value in values.items():
            if _is_table(value):
                table(f"{prefix}.{key}", value)

    for key, value in config.items():
        table(key, value)
    return "\n".join(lines)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) and set(value) != {"env"}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):  # a secret reference
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
