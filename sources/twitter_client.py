"""The tweepy client of the X source and responder, pointed at `base_url`.

tweepy 4 writes `https://api.twitter.com` into every URL and has no base-URL setting, so a
requests adapter mounted on the client's own session sends those URLs to `base_url` (a test
server, api.x.com) and gives each request a timeout, which tweepy does not set. tweepy logs its
request headers at DEBUG, bearer token included: a log filter replaces the token.
"""
from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter

from monitor.secrets import Secret
from sources.http import DEFAULT_USER_AGENT

if TYPE_CHECKING:
    from sources.twitter import TwitterSettings

TWEEPY_HOST = "https://api.twitter.com"  # what tweepy.BaseClient.request writes into every URL


def client(settings: TwitterSettings) -> Any:
    """A tweepy Client for `settings` (also used by responders.twitter to post replies)."""
    import tweepy  # imported only when X is used

    s = settings
    built = tweepy.Client(
        bearer_token=_value(s.bearer_token), consumer_key=_value(s.consumer_key),
        consumer_secret=_value(s.consumer_secret), access_token=_value(s.access_token),
        access_token_secret=_value(s.access_token_secret),
        return_type=requests.Response, wait_on_rate_limit=False,
    )
    built.user_agent = f"{DEFAULT_USER_AGENT} {built.user_agent}"
    built.session.mount(TWEEPY_HOST + "/", RebaseAdapter(s.base_url, s.timeout_seconds))
    redact_tweepy_logs()
    return built


# -- small helpers ---------------------------------------------------------------------------


class RebaseAdapter(HTTPAdapter):
    """Sends tweepy's `https://api.twitter.com/...` requests to `base_url`, each with a timeout."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.base_url != TWEEPY_HOST and request.url and request.url.startswith(TWEEPY_HOST + "/"):
            request.url = self.base_url + request.url[len(TWEEPY_HOST):]
            if kwargs.get("proxies"):  # the environment's proxies were chosen for api.twitter.com
                kwargs["proxies"] = requests.utils.get_environ_proxies(request.url)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


class _RedactBearer(logging.Filter):
    """tweepy logs its request headers at DEBUG, bearer token included: replace the token by ***."""

    PATTERN = re.compile(r"(Bearer\s+)[^\s'\",}]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.PATTERN.sub(r"\1***", message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def redact_tweepy_logs() -> None:
    logger = logging.getLogger("tweepy.client")
    if not any(isinstance(f, _RedactBearer) for f in logger.filters):
        logger.addFilter(_RedactBearer())


def _value(secret: Secret | None) -> str | None:
    return secret.get() if secret is not None and secret.is_set() else None


def usage_capped(response: requests.Response) -> bool:
    """X's 429 that means the plan's usage cap is spent (a config problem), not a rate limit."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("type", "")).endswith("usage-capped")


def reset_delay(response: requests.Response, now: float) -> float | None:
    """Seconds until X's rate-limit window resets (`x-rate-limit-reset`, an epoch), if it says."""
    try:
        return max(0.0, float(response.headers.get("x-rate-limit-reset", "")) - now)
    except ValueError:
        return None
