"""Which URLs may become links: only plain http(s) with a host, whatever a review or a platform sent.

Used wherever a URL from outside is shown as a link (the web desk, Slack messages), so a
`javascript:` or `data:` URL from hostile input is never clickable anywhere.
"""
from __future__ import annotations

from urllib.parse import urlsplit


def http_link(url: str | None) -> str | None:
    """The URL (stripped) if it is a plain http(s) link with a host and no control characters;
    None otherwise. (Spaces are left to the caller: Slack percent-encodes them, HTML escapes.)"""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    return url
