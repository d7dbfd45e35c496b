"""Reddit listing JSON -> `Mention`, trusting nothing in the payload.

Works on the raw JSON Reddit answers (`{"kind": "Listing", "data": {"children": [...]}}`), not
on praw objects: a praw object fetches missing attributes lazily, which would turn one malformed
item into an extra HTTP request. A child that is not a well-formed comment (t1) or submission
(t3) raises `MalformedPayload`; `read_page` counts it and goes on with the rest of the page.

`author_reach` stays None: Reddit's listings carry no author karma, and asking
`/user/<name>/about` would cost one request per author out of a 100-per-minute budget.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from monitor.models import Mention
from sources.errors import MalformedPayload

SITE = "https://www.reddit.com"
_FULLNAME = re.compile(r"t[13]_[0-9a-z]{1,13}")
_PATH = re.compile(r"/[\x21-\x7e]*")  # printable ASCII, no spaces: safe to put after SITE
_SUBREDDIT = re.compile(r"[A-Za-z0-9_]{1,21}")


@dataclass(frozen=True)
class Entry:
    """One converted listing child, with the exact `created_utc` the cursor compares."""

    fullname: str
    created_utc: float
    mention: Mention


def listing_page(payload: Any) -> tuple[list[Any], str | None]:
    """The children and the `after` token of a Listing; MalformedPayload when it is not one."""
    data = payload.get("data") if isinstance(payload, dict) and payload.get("kind") == "Listing" else None
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(children, list):
        raise MalformedPayload("reddit: the response is not a listing")
    after = data.get("after")
    return children, after if isinstance(after, str) and _FULLNAME.fullmatch(after) else None


def read_page(payload: Any, *, fetched_at: datetime, source: str = "reddit") -> tuple[list[Entry], str | None, list[str]]:
    """Convert a listing page: (entries, after, one reason per child that had to be skipped)."""
    children, after = listing_page(payload)
    entries, problems = [], []
    for child in children:
        try:
            entries.append(to_entry(child, fetched_at=fetched_at, source=source))
        except MalformedPayload as exc:
            problems.append(str(exc))
    return entries, after, problems


def to_entry(child: Any, *, fetched_at: datetime, source: str = "reddit") -> Entry:
    kind = child.get("kind") if isinstance(child, dict) else None
    data = child.get("data") if isinstance(child, dict) else None
    if kind not in ("t1", "t3") or not isinstance(data, dict):
        raise MalformedPayload(f"reddit: skipped a listing child of kind {str(kind)[:20]!r}")
    fullname = data.get("name")
    if not isinstance(fullname, str) or not _FULLNAME.fullmatch(fullname) or fullname[:2] != kind:
        raise MalformedPayload(f"reddit: skipped a {kind} without a valid fullname")
    created = data.get("created_utc")
    try:
        if isinstance(created, bool) or not isinstance(created, (int, float)) or not math.isfinite(created):
            raise ValueError
        created_at = datetime.fromtimestamp(created, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise MalformedPayload(f"reddit: skipped {fullname}: no readable created_utc") from None
    if kind == "t3":
        title, text = data.get("title"), data.get("selftext") or ""
        if not isinstance(title, str) or not isinstance(text, str):
            raise MalformedPayload(f"reddit: skipped {fullname}: title or selftext is not text")
    else:
        title, text = None, data.get("body")
        if not isinstance(text, str):
            raise MalformedPayload(f"reddit: skipped {fullname}: body is not text")
    author = data.get("author")
    mention = Mention(
        source=source,
        external_id=fullname,
        text=text,
        created_at=created_at,
        url=_url(data, fullname),
        author=author if isinstance(author, str) and author and author != "[deleted]" else None,
        author_reach=None,
        title=title,
        language=None,
        fetched_at=fetched_at,
        reply_to=fullname,
        raw=data,
    )
    return Entry(fullname, float(created), mention)


def _url(data: dict[str, Any], fullname: str) -> str | None:
    """https://www.reddit.com + permalink (or an inbox item's context), query dropped.

    Comment listings recorded before 2017 have no permalink: build it from link_id.
    """
    for key in ("permalink", "context"):
        path = data.get(key)
        if isinstance(path, str) and _PATH.fullmatch(path):
            return SITE + path.split("?", 1)[0]
    subreddit, link = data.get("subreddit"), data.get("link_id")
    if fullname.startswith("t3_"):
        return f"{SITE}/comments/{fullname[3:]}/"
    if (isinstance(subreddit, str) and _SUBREDDIT.fullmatch(subreddit)
            and isinstance(link, str) and _FULLNAME.fullmatch(link) and link.startswith("t3_")):
        return f"{SITE}/r/{subreddit}/comments/{link[3:]}/_/{fullname[3:]}/"
    return None
