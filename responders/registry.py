"""Which responder posts approved replies back to each platform, by dotted path.

A source without a responder (the demo, Hacker News, Yelp, feeds and pages: no posting API) gets
none, and neither does one whose posting credentials are missing: their approved replies become
"post manually". A responder's module (and its client library) is imported only when used.
"""
from __future__ import annotations

import importlib
import logging
from typing import Any

from sources.errors import NotConfigured

log = logging.getLogger("replywatch.responders")

RESPONDERS: dict[str, str] = {
    "reddit": "responders.reddit:RedditResponder",
    "twitter": "responders.twitter:TwitterResponder",
    "mastodon": "responders.mastodon:MastodonResponder",
    "bluesky": "responders.bluesky:BlueskyResponder",
    "google_play": "responders.google_play:GooglePlayResponder",
    "google_business": "responders.google_business:GoogleBusinessResponder",
    "app_store": "responders.app_store:AppStoreResponder",
    "trustpilot": "responders.trustpilot:TrustpilotResponder",
}


def build_responder(source: str, source_settings: Any = None, **collaborators: Any):
    """The responder of `source`; NotConfigured, in words, when there is none or it cannot start."""
    path = RESPONDERS.get(source)
    if path is None:
        raise NotConfigured(f"{source} has no posting API here")
    module_name, _, attr = path.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except ImportError as exc:  # a client library that is not installed
        raise NotConfigured(f"{source}: cannot post replies ({exc})") from None
    return cls.from_settings(source_settings, **collaborators)


def responder_for(source: str, source_settings: Any = None, **collaborators: Any):
    """The responder of `source`, or None (said once in the log) when replies must be posted by hand."""
    try:
        return build_responder(source, source_settings, **collaborators)
    except NotConfigured as exc:
        log.info("%s; its approved replies are posted by hand", exc)
        return None
