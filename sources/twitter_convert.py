"""X API v2 payloads -> Mentions: one tweet at a time, trusting nothing in the payload."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any, Mapping

from monitor.clock import utc
from monitor.models import Mention
from sources.errors import MalformedPayload

log = logging.getLogger("replywatch.sources.twitter")

SNOWFLAKE_EPOCH_MS = 1288834974657  # X ids carry their creation time in the top 42 bits
NOT_LANGUAGES = {"und", "zxx", "art", "qam", "qct", "qht", "qme", "qst"}
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,50}$")


def page_mentions(body: Any, *, fetched_at: datetime) -> tuple[list[Mention], int]:
    """The tweets of one v2 response page, and how many were skipped as malformed."""
    if not isinstance(body, dict):
        raise MalformedPayload("twitter: the page is not a JSON object")
    data = body.get("data", [])
    if not isinstance(data, list):
        raise MalformedPayload("twitter: the page's data is not a list")
    includes = body.get("includes") if isinstance(body.get("includes"), dict) else {}
    users_list = includes.get("users") if isinstance(includes.get("users"), list) else []
    users = {u["id"]: u for u in users_list if isinstance(u, dict) and isinstance(u.get("id"), str)}
    mentions, errors = [], 0
    for tweet in data:
        try:
            mentions.append(tweet_mention(tweet, users, fetched_at=fetched_at))
        except MalformedPayload as exc:  # logged without the tweet's text or author
            errors += 1
            log.warning("%s", exc)
    return mentions, errors


def tweet_mention(tweet: Any, users: Mapping[str, Any], *, fetched_at: datetime) -> Mention:
    if not isinstance(tweet, dict):
        raise MalformedPayload("twitter: skipped a tweet that is not a JSON object")
    tweet_id = _tweet_id(tweet.get("id"))
    if tweet_id is None:
        raise MalformedPayload("twitter: skipped a tweet without a numeric id")
    note = tweet.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) and isinstance(note.get("text"), str) else tweet.get("text")
    if not isinstance(text, str) or not text.strip():
        raise MalformedPayload(f"twitter: skipped tweet {tweet_id}: no text")
    created_at = _created_at(tweet.get("created_at"), tweet_id)
    author = users.get(tweet.get("author_id")) if isinstance(tweet.get("author_id"), str) else None
    username = author.get("username") if isinstance(author, dict) else None
    username = username if isinstance(username, str) and USERNAME.match(username) else None
    metrics = author.get("public_metrics") if isinstance(author, dict) else None
    reach = metrics.get("followers_count") if isinstance(metrics, dict) else None
    lang = tweet.get("lang")
    return Mention(
        source="twitter",
        external_id=tweet_id,
        text=text,
        created_at=created_at,
        url=f"https://x.com/{username or 'i'}/status/{tweet_id}",
        author=f"@{username}" if username else None,
        author_reach=reach if isinstance(reach, int) and not isinstance(reach, bool) and reach >= 0 else None,
        language=lang if isinstance(lang, str) and lang and lang not in NOT_LANGUAGES else None,
        fetched_at=fetched_at,
        reply_to=tweet_id,
        raw={"tweet": tweet, "author": author if isinstance(author, dict) else None},
    )


def _created_at(value: Any, tweet_id: str) -> datetime:
    """X's created_at; without it (a response recorded without tweet.fields), the time inside the id."""
    if value is None:
        try:
            return datetime.fromtimestamp(((int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise MalformedPayload(f"twitter: skipped tweet {tweet_id}: no usable created_at") from None
    if not isinstance(value, str):
        raise MalformedPayload(f"twitter: skipped tweet {tweet_id}: created_at is not a string")
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        raise MalformedPayload(f"twitter: skipped tweet {tweet_id}: unreadable created_at") from None


def _tweet_id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    return value if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 25 else None
