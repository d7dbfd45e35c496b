"""Keeping the webhook URL and the bot token out of error messages and logs.

`monitor.secrets.mask` replaces a secret's whole value. A webhook URL also leaks in part:
requests' exception messages and urllib3's DEBUG lines quote only the URL's path
(`/services/T../B../XXXX`), and that path is the credential. Hence the extra fragments here.
"""
from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from monitor.secrets import Secret, mask


def redact(text: str, secret: Secret, fragments: list[str]) -> str:
    """`mask`, then each fragment of the secret (8 characters or more) replaced by ***."""
    text = mask(text, [secret])
    for fragment in sorted(fragments, key=len, reverse=True):
        if len(fragment) >= 8:
            text = text.replace(fragment, "***")
    return text


def url_path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def mask_url_in_urllib3_logs(secret: Secret) -> None:
    """From now on, urllib3's log lines show *** instead of this secret URL or its path."""
    _URLLIB3_MASK.secrets.add(secret)
    logging.getLogger("urllib3.connectionpool").addFilter(_URLLIB3_MASK)  # addFilter dedupes


class _MaskSecretUrls(logging.Filter):
    """urllib3 logs each request as `"POST /services/T../B../XXXX HTTP/1.1" 200` at DEBUG.
    A logger's filters run only for records it emits, so this costs nothing below DEBUG."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[Secret] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = original = record.getMessage()
        for secret in tuple(self.secrets):
            value = (os.environ.get(secret.env) or "").strip()
            message = redact(message, secret, [value, url_path(value)])
        if message != original:
            record.msg, record.args = message, ()
        return True


_URLLIB3_MASK = _MaskSecretUrls()
