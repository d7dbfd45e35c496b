"""Slack's Approve / Reject presses over Socket Mode, for a daemon with no public URL.

With `alerts.slack.socket_mode = true` the daemon opens a websocket to Slack itself: it calls
`apps.connections.open` on `alerts.slack.api_url` with the app-level token
`alerts.slack.app_token` (xapp-..., scope connections:write) and Slack delivers the button presses
over that connection instead of POSTing the desk's `/slack/actions`. There is no request signature
to check and no signing secret: only the holder of the app token can open the connection, so what
arrives on it comes from Slack.

Each envelope is acknowledged at once (`{"envelope_id": ...}`: Slack wants it within 3 seconds),
then the press runs the desk's own action code, `monitor.web.slack_actions.act`: approve or reject
as `slack:<user name>`, the message replaced through its response_url, and a press on a case
someone already handled changes nothing.

    receiver = start_socket_mode(app)   # None when socket mode is off
    ...
    receiver.stop()

slack_sdk's built-in client (no websocket library needed) reconnects by itself after Slack's
`disconnect` message or a dropped connection. The first connection is made on a thread of its own,
so the daemon starts at once: a token Slack refuses is reported once and not retried; any other
failure is retried with capped back-off.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, NamedTuple

from monitor.alerts.backoff import next_attempt_delay
from monitor.secrets import MissingSecret
from monitor.settings import ConfigError
from monitor.web.context import Desk
from monitor.web.slack_actions import ACTIONS, act, post_json
from monitor.web.throttle import LoginThrottle

log = logging.getLogger("replywatch.web.slack")
# apps.connections.open errors that no retry will cure: a human must fix the token
REFUSED = {
    "invalid_auth", "not_authed", "not_allowed_token_type", "missing_scope", "no_permission",
    "account_inactive", "token_revoked", "token_expired",
}


class Press(NamedTuple):
    """An Approve or Reject press, in the order `act` takes it."""

    action: str
    case_id: int
    name: str
    response_url: str | None
    blocks: list[dict[str, Any]] | None


def button_press(payload: Any) -> Press | None:
    """The press in a block_actions payload, read as `/slack/actions` reads it; None for anything
    else (the "Edit in the desk" link button, a malformed payload)."""
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return None
    actions = payload.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    if action.get("action_id") not in ACTIONS:
        return None
    try:
        case_id = int(action["value"])
    except (KeyError, TypeError, ValueError):
        log.warning("slack socket mode: a %s press without a case id was ignored", action.get("action_id"))
        return None
    user = payload.get("user") or {}
    name = str(user.get("username") or user.get("name") or user.get("id") or "unknown")
    message = payload.get("message") or {}
    return Press(action["action_id"], case_id, name, payload.get("response_url"), message.get("blocks"))


class SocketModeReceiver:
    """Receives the presses on a slack_sdk SocketModeClient and hands them to the desk's `act`."""

    def __init__(self, client: Any, desk: Desk, *, retry_seconds: float = 5, retry_cap: float = 300):
        self.client = client  # slack_sdk.socket_mode.SocketModeClient
        self.desk = desk
        self._retry = (retry_seconds, retry_cap)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._connect, name="slack-socket-mode", daemon=True)
        client.socket_mode_request_listeners.append(self._on_request)

    def start(self) -> "SocketModeReceiver":
        self._thread.start()
        return self

    @property
    def connected(self) -> bool:
        return self.client.is_connected()

    @property
    def connecting(self) -> bool:
        """Still trying to make the first connection (later ones are slack_sdk's business)."""
        return self._thread.is_alive()

    def stop(self, timeout: float = 5) -> None:
        """Close the connection; a press being handled finishes first."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._thread.join(timeout)
        self.client.close()

    def _connect(self) -> None:
        from slack_sdk.errors import SlackApiError

        attempts = 0
        while not self._stopping.is_set():
            try:
                self.client.connect()
            except SlackApiError as exc:
                error = str(exc.response.get("error") or exc.response.status_code)
                if error in REFUSED:
                    log.error("slack socket mode: Slack refused alerts.slack.app_token (%s); it must be an "
                              "app-level token (xapp-...) with connections:write. Button presses will not "
                              "arrive.", error)
                    return
                reason = f"apps.connections.open: {error}"
            except Exception as exc:  # unreachable, timed out, a 5xx without JSON: try again
                reason = f"{type(exc).__name__}: {exc}"
            else:
                if self._stopping.is_set():  # stop() came while connecting
                    self.client.close()
                elif self.client.is_connected():
                    log.info("slack socket mode: connected; button presses arrive over it")
                else:  # slack_sdk goes on trying every few seconds
                    log.warning("slack socket mode: the websocket did not open; retrying")
                return
            attempts += 1
            delay = next_attempt_delay(attempts, None, self._retry[0], cap=self._retry[1])
            (log.warning if attempts == 1 else log.debug)(
                "slack socket mode: cannot connect (%s); trying again in %.0f s", reason, delay)
            self._stopping.wait(delay)

    def _on_request(self, client: Any, request: Any) -> None:
        """Runs on one of slack_sdk's worker threads, so the receiving goes on meanwhile."""
        from slack_sdk.socket_mode.response import SocketModeResponse

        try:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        except Exception as exc:  # the press is still handled; a redelivery would change nothing
            log.warning("slack socket mode: could not acknowledge %s: %s", request.envelope_id, exc)
        press = button_press(request.payload) if request.type == "interactive" else None
        if press is not None:
            act(self.desk, *press)


def start_socket_mode(app: Any, *, slack_post: Any = None, retry_seconds: float = 5) -> SocketModeReceiver | None:
    """Start receiving button presses over Socket Mode when `alerts.slack` is enabled with
    `socket_mode`, else None. `app` is a `monitor.app.App`; `slack_post` sends a JSON body to a
    response_url (default: requests, https only); `retry_seconds` is the first connection's
    first back-off."""
    settings = app.settings
    slack = settings.alerts.slack
    if not (slack.enabled and slack.socket_mode):
        return None
    try:
        from slack_sdk import WebClient
        from slack_sdk.socket_mode import SocketModeClient
    except ImportError:
        raise ConfigError("alerts.slack.socket_mode: needs slack_sdk (pip install 'replywatch[slack]')") from None
    if slack.app_token is None:
        raise ConfigError("alerts.slack.app_token: required with socket_mode")
    try:
        app_token = slack.app_token.get()
        bot_token = slack.bot_token.get() if slack.bot_token is not None else None
    except MissingSecret as exc:
        raise ConfigError(f"alerts.slack: {exc}") from None
    web_client = WebClient(token=bot_token, base_url=slack.api_url.rstrip("/") + "/",
                           timeout=max(1, round(slack.timeout_seconds)))
    client = SocketModeClient(app_token=app_token, web_client=web_client, concurrency=2,
                              logger=logging.getLogger("replywatch.web.slack.sdk"))
    desk = Desk(  # the collaborators `act` needs, as the desk's own endpoint has them
        settings=settings, store=app.store, clock=app.clock, drafter=app.drafter,
        throttle=LoginThrottle(settings.web.login_attempts, settings.web.login_window_seconds, app.clock),
        background=lambda job: job(),  # presses already run on slack_sdk's worker threads
        slack_post=slack_post or post_json,
    )
    return SocketModeReceiver(client, desk, retry_seconds=retry_seconds).start()
