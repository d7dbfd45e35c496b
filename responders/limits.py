"""How long a reply may be on each platform, and how each platform counts.

One table, keyed by source name (the names in `sources.registry.SOURCES`). `None` means the
platform sets no practical limit. An explicit `max_reply_chars` in a source's settings wins
over this table (the drafter's `max_chars`), but the reply is still measured the platform's way.

Counting:
- most platforms count Unicode code points, which is Python's `len`;
- X weighs text with twitter-text's v3 rules: code points in U+0000-U+10FF and in a few
  punctuation ranges (U+2000-U+200D, U+2010-U+201F, U+2032-U+2037) weigh 1, everything else
  (CJK, most emoji) weighs 2, after NFC normalisation. So a Japanese reply on X has room for
  about 140 characters. X also counts every URL as 23 characters whatever its length (t.co);
  that is NOT implemented here: a long link is over-counted (safe), a link shorter than 23
  characters is under-counted, so keep private_channel an e-mail address or a long URL on X;
- Google Business Profile limits a reply to 4096 bytes of UTF-8;
- Bluesky counts 300 graphemes; `len` counts code points, which is never fewer (safe).
"""
from __future__ import annotations

import unicodedata

REPLY_LIMITS: dict[str, int | None] = {
    "twitter": 280,
    "x": 280,
    "google_play": 350,  # Google Play developer replies
    "app_store": 5970,  # App Store Connect developer responses
    "reddit": 10_000,
    "google_business": 4096,  # bytes, see reply_length
    "mastodon": 500,  # the server default; instances may allow more (set max_reply_chars)
    "bluesky": 300,
    "trustpilot": None,
    "yelp": None,  # no published limit
    "hackernews": None,
    "feed": None,
    "page": None,
    "demo": None,
}

_X_WEIGHT_ONE = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def _platform(source: str) -> str:
    return source.strip().lower().replace("-", "_")


def reply_limit(source: str) -> int | None:
    """The platform's reply length limit, or None when it has none (or is unknown)."""
    return REPLY_LIMITS.get(_platform(source))


def reply_length(text: str, source: str) -> int:
    """The length of `text` as the platform of `source` counts it against its limit."""
    platform = _platform(source)
    if platform in ("twitter", "x"):
        return _x_weighted_length(text)
    if platform == "google_business":
        return len(text.encode("utf-8"))
    return len(text)


def _x_weighted_length(text: str) -> int:
    return sum(
        1 if any(lo <= ord(ch) <= hi for lo, hi in _X_WEIGHT_ONE) else 2
        for ch in unicodedata.normalize("NFC", text)
    )
