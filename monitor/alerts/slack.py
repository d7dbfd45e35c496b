"""Slack delivery: an incoming webhook, or the bot API's chat.postMessage.

Every way a send can fail is sorted here, once (STYLE 7):

| what happened                                   | AlertDeliveryError                  |
| ----------------------------------------------- | ----------------------------------- |
| HTTP 429, or `ratelimited`                      | transient, retry_after=Retry-After  |
| HTTP 5xx / 408, timeout, connection error       | transient                           |
| bot: internal_error, fatal_error, ...           | transient                           |
| webhook: 400/403/404/410 and any other 3xx/4xx  | permanent (payload, hook or channel)|
| bot: invalid_auth, channel_not_found, ... and   | permanent (token, scope or channel) |
|   any error code not known to be transient      |                                     |
| secret not set in the environment, bad URL      | permanent                           |

Formats follow Slack's documentation: webhooks answer `ok` or a short error code in the body
with a 4xx status ("Improving error conditions for Incoming Webhooks", 2016); the Web API
answers HTTP 200 with `{"ok": false, "error": "..."}`, except 429 with Retry-After for rate
limits ("Rate limits"). The sinks never sleep: the outbox reschedules.

The webhook URL and the bot token are secrets. Error messages are built from a status and a
Slack error code, or from a requests exception passed through `redact` (`mask`, plus the URL's
path, which is what requests quotes); errors are raised `from None` so no traceback carries the
original exception; urllib3's DEBUG lines are masked too (`redact.py`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import requests

from monitor.alerts.blocks import render_blocks
from monitor.alerts.redact import mask_url_in_urllib3_logs, redact, url_path
from monitor.alerts.sinks import AlertDeliveryError
from monitor.clock import Clock, SystemClock
from monitor.models import Alert
from monitor.secrets import MissingSecret, Secret

USER_AGENT = "replywatch-alerts (+https://github.com/replywatch)"

#: chat.postMessage error codes that a later attempt may get past. Any other code is
#: permanent: Slack understood the request and refused it (token, scope, channel, payload).
BOT_TRANSIENT = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable",
     "request_timeout", "team_added_to_org"}
)
#: What a human should look at, for the permanent codes one meets in practice.
BOT_HINTS = {
    "invalid_auth": "the bot token is not valid",
    "not_authed": "no bot token was sent",
    "token_revoked": "the bot token was revoked",
    "account_inactive": "the bot's workspace or user was deactivated",
    "no_permission": "the token lacks a permission",
    "missing_scope": "the bot needs the chat:write scope",
    "channel_not_found": "no such channel, or the bot cannot see it",
    "not_in_channel": "invite the bot to the channel",
    "is_archived": "the channel is archived",
    "invalid_blocks": "Slack refused the message layout",
}
WEBHOOK_HINTS = {
    400: "Slack refused the payload",
    403: "posting is not allowed with this webhook",
    404: "the webhook or its channel no longer exists",
    410: "the channel is archived or the webhook was removed",
}
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")  # Slack's error codes; anything else is not echoed
_CONFIG_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


@dataclass(frozen=True)
class SlackMessage:
    """Where chat.postMessage put a message: enough to chat.update it later."""

    channel: str
    ts: str


class SlackWebhookSink:
    """POSTs each alert's Block Kit JSON to an incoming-webhook URL (a secret)."""

    what = "slack webhook"

    def __init__(
        self,
        url: Secret,
        *,
        session: requests.Session | None = None,
        timeout: float = 10,
        clock: Clock | None = None,
        actions: bool = False,
    ):
        self.url = url
        self.actions = actions
        mask_url_in_urllib3_logs(url)
        self.session = session or requests.Session()
        self.timeout = timeout
        self.clock = clock or SystemClock()

    def send(self, alert: Alert) -> None:
        url = _secret_value(self.url, self.what)
        blocks = render_blocks(alert, now=self.clock.now(), actions=self.actions)
        payload = {**blocks, "unfurl_links": False, "unfurl_media": False}
        # requests quotes only the URL's path in its messages, and the path is the secret part
        resp = _post(self, url, payload, secret=self.url, fragments=[url, url_path(url)])
        status = resp.status_code
        if 200 <= status < 300:
            return
        code = _code(resp.text)
        detail = f"{self.what}: HTTP {status}" + (f" {code}" if code else "")
        if status == 429:
            raise AlertDeliveryError(f"{detail} (rate limited)", retry_after=_retry_after(resp))
        if status >= 500 or status == 408:
            raise AlertDeliveryError(detail)
        hint = WEBHOOK_HINTS.get(status)
        raise AlertDeliveryError(f"{detail} ({hint})" if hint else detail, permanent=True)


class SlackBotSink:
    """Posts each alert with chat.postMessage as a bot (token secret), to one channel.

    Preferred over a webhook: the answer names the message (`SlackMessage`), so it can be
    updated later (buttons, "answered").
    """

    what = "slack chat.postMessage"

    def __init__(
        self,
        token: Secret,
        channel: str,
        *,
        api_url: str = "https://slack.com/api",
        session: requests.Session | None = None,
        timeout: float = 10,
        clock: Clock | None = None,
        actions: bool = False,
    ):
        self.token = token
        self.actions = actions
        self.channel = channel
        self.api_url = api_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.clock = clock or SystemClock()

    def send(self, alert: Alert) -> None:
        self.post(alert)

    def post(self, alert: Alert) -> SlackMessage:
        """Like `send`, and says where the message went."""
        token = _secret_value(self.token, self.what)
        payload = {
            "channel": self.channel,
            **render_blocks(alert, now=self.clock.now(), actions=self.actions),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        resp = _post(
            self,
            f"{self.api_url}/chat.postMessage",
            payload,
            headers={"Authorization": f"Bearer {token}"},
            secret=self.token,
            fragments=[token],
        )
        try:
            data = resp.json()
        except ValueError:
            data = None
        data = data if isinstance(data, dict) else {}
        status = resp.status_code
        if 200 <= status < 300 and data.get("ok") is True:
            return SlackMessage(channel=str(data.get("channel") or self.channel), ts=str(data.get("ts") or ""))
        error = _code(str(data.get("error") or ""))
        detail = f"{self.what}: " + (error or f"HTTP {status}")
        if status == 429 or error in ("ratelimited", "rate_limited"):
            raise AlertDeliveryError(f"{detail} (rate limited)", retry_after=_retry_after(resp))
        if status >= 500 or status == 408 or error in BOT_TRANSIENT:
            raise AlertDeliveryError(detail)
        if not error and 200 <= status < 300:
            raise AlertDeliveryError(f"{detail}: the answer was not Slack's JSON")
        hint = BOT_HINTS.get(error)
        raise AlertDeliveryError(f"{detail} ({hint})" if hint else detail, permanent=True)


def _post(
    sink: SlackWebhookSink | SlackBotSink,
    url: str,
    payload: dict,
    *,
    secret: Secret,
    fragments: list[str],
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """One POST; a requests failure becomes an AlertDeliveryError with the secret masked."""
    try:
        return sink.session.post(
            url,
            json=payload,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=sink.timeout,
            allow_redirects=False,  # a redirect is not Slack; never follow it with the secret
        )
    except _CONFIG_ERRORS as exc:
        # their messages quote the bad URL or header value whole: name the variable instead
        message = f"{sink.what}: {type(exc).__name__}, check the value of {secret.env}"
        permanent = True
    except requests.RequestException as exc:
        kind = "timed out" if isinstance(exc, requests.Timeout) else type(exc).__name__
        message = redact(f"{sink.what}: {kind}: {exc}", secret, fragments)
        permanent = False
    raise AlertDeliveryError(message, permanent=permanent) from None


def _secret_value(secret: Secret, what: str) -> str:
    """The secret's value; surrounding whitespace (an env file's newline) is not part of it."""
    try:
        return secret.get().strip()
    except MissingSecret as exc:
        raise AlertDeliveryError(f"{what}: {exc}", permanent=True) from None


def _code(body: str) -> str:
    """Slack's short error code from a response body, or "" (other bodies are not echoed)."""
    body = body.strip()
    return body if _CODE.match(body) else ""


def _retry_after(resp: requests.Response) -> float | None:
    """Retry-After in seconds (Slack sends whole seconds); None when absent or unreadable."""
    try:
        value = float(resp.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return max(value, 0.0) if math.isfinite(value) else None
