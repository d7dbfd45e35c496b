"""One table of sources by dotted path; a source's module is imported only when used."""
from __future__ import annotations

import importlib

from sources.base import Source

SOURCES: dict[str, str] = {
    "demo": "sources.demo:DemoSource",
    "reddit": "sources.reddit:RedditSource",
    "twitter": "sources.twitter:TwitterSource",
    "trustpilot": "sources.trustpilot:TrustpilotSource",
    "app_store": "sources.app_store:AppStoreSource",
    "google_play": "sources.google_play:GooglePlaySource",
    "google_business": "sources.google_business:GoogleBusinessSource",
    "yelp": "sources.yelp:YelpSource",
    "feed": "sources.feed:FeedSource",
    "page": "sources.page:PageSource",
    "hackernews": "sources.hackernews:HackerNewsSource",
    "mastodon": "sources.mastodon:MastodonSource",
    "bluesky": "sources.bluesky:BlueskySource",
}


def source_class(name: str) -> type[Source]:
    try:
        path = SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)
