"""A fake Slack for Socket Mode on 127.0.0.1: `apps.connections.open` and the websocket.

It follows Slack's "Using Socket Mode" documentation:

- `POST {api_url}/apps.connections.open` with the app-level token as `Authorization: Bearer
  xapp-...` answers `{"ok": true, "url": "wss://wss-primary.slack.com/link/?ticket=..."}` (here a
  ws:// URL on this machine), or `{"ok": false, "error": "invalid_auth"}` and the like.
- On connecting, the app first receives `{"type": "hello", "num_connections": 1, "debug_info":
  {...}, "connection_info": {"app_id": ...}}`.
- Then envelopes: `{"envelope_id": ..., "type": "interactive", "accepts_response_payload": false,
  "payload": {...}}`, the payload being what the HTTP endpoint would get (block_actions here).
- The app acknowledges each envelope with `{"envelope_id": ...}`.
- `{"type": "disconnect", "reason": "refresh_requested", ...}` asks the app to open a new
  connection (Slack sends it every few hours).

The Web API answers from a `ReplayServer` and the websocket from a `websockets` server on a
second port: the websocket server only speaks the GET upgrade, and Slack also uses two hosts.

    with FakeSocketSlack() as slack:
        ...an app connects to slack.api_url...
        envelope_id = slack.press(case_id, "approve", user="maria", response_url=...)
        assert slack.wait_ack(envelope_id) == {"envelope_id": envelope_id}
"""
from __future__ import annotations

import json
import threading
import uuid
from typing import Any, Callable

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.fakes.replay_server import ReplayServer

APP_ID = "A0REPLYWATCH"
APP_TOKEN = "xapp-1-A0REPLYWATCH-0000000000000-fakefakefakefakefakefakefakefake"


class FakeSocketSlack:
    def __init__(self, timeout: float = 5):
        self.api = ReplayServer()  # apps.connections.open; its `requests` are recorded
        self.timeout = timeout
        self.received: list[dict[str, Any]] = []  # what the app sent over the websocket
        self.connections = 0  # how many websocket connections were opened (each got a hello)
        self._current: ServerConnection | None = None
        self._changed = threading.Condition()
        self._ws: Any = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> "FakeSocketSlack":
        self._ws = serve(self._session, "127.0.0.1", 0, close_timeout=1)
        self._thread = threading.Thread(target=self._ws.serve_forever, name="fake-slack-socket", daemon=True)
        self._thread.start()
        port = self._ws.socket.getsockname()[1]
        self.ws_url = f"ws://127.0.0.1:{port}/link/?ticket=fake-ticket"
        self.api.start()
        self.api.add("POST", "/apps.connections.open", body={"ok": True, "url": self.ws_url}, repeat=True)
        return self

    def stop(self) -> None:
        if self._ws is not None:
            self._ws.shutdown()
            self._ws = None
        if self._thread is not None:
            self._thread.join(self.timeout)
        self.api.stop()

    def __enter__(self) -> "FakeSocketSlack":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        return self.api.url

    def refuse(self, error: str = "invalid_auth") -> None:
        """apps.connections.open answers `{"ok": false, "error": error}` from now on."""
        self.api.clear()
        self.api.add("POST", "/apps.connections.open", body={"ok": False, "error": error}, repeat=True)

    # -- what Slack sends -----------------------------------------------------------------

    def send(self, message: dict[str, Any]) -> None:
        with self._changed:
            connection = self._current
        assert connection is not None, "no app is connected"
        connection.send(json.dumps(message))

    def envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Send an envelope of type `kind` ("interactive", "events_api", ...); its envelope_id."""
        envelope_id = str(uuid.uuid4())
        self.send({"envelope_id": envelope_id, "type": kind, "accepts_response_payload": False,
                   "payload": payload})
        return envelope_id

    def press(self, case_id: int | str, action: str = "approve", *, user: str = "maria",
              response_url: str | None = None, blocks: list[dict[str, Any]] | None = None) -> str:
        """A person presses a button under a case alert: an interactive block_actions envelope."""
        return self.envelope("interactive", {
            "type": "block_actions",
            "api_app_id": APP_ID,
            "user": {"id": "U0123ABC", "username": user, "name": user, "team_id": "T0123ABC"},
            "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0123ABC"},
            "trigger_id": "1111.2222.abcd",
            "response_url": response_url,
            "message": {"type": "message", "ts": "1700000000.000100", "blocks": blocks or []},
            "actions": [{"action_id": action, "block_id": f"replywatch_case_{case_id}", "value": str(case_id),
                         "type": "button", "action_ts": "1700000001.000200"}],
        })

    def disconnect(self, reason: str = "refresh_requested") -> None:
        self.send({"type": "disconnect", "reason": reason,
                   "debug_info": {"host": "applink-fake-1"}})

    # -- waiting for the app --------------------------------------------------------------

    def wait_connected(self, count: int = 1) -> None:
        """Until the app has opened `count` connections and one is open."""
        self._wait(lambda: self.connections >= count and self._current is not None,
                   f"no app connected (connections: {self.connections}, wanted {count})")

    def wait_ack(self, envelope_id: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        def acked() -> bool:
            found[:] = [m for m in self.received if m.get("envelope_id") == envelope_id]
            return bool(found)

        self._wait(acked, f"envelope {envelope_id} was not acknowledged")
        return found[0]

    def _wait(self, done: Callable[[], bool], failure: str) -> None:
        with self._changed:
            if not self._changed.wait_for(done, timeout=self.timeout):
                raise AssertionError(failure)

    # -- one websocket connection ---------------------------------------------------------

    def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self.connections += 1
            self._current = connection
            self._changed.notify_all()
        connection.send(json.dumps({
            "type": "hello", "num_connections": 1,
            "debug_info": {"host": "applink-fake-1", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID},
        }))
        try:
            for raw in connection:
                with self._changed:
                    self.received.append(json.loads(raw))
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if self._current is connection:
                    self._current = None
                self._changed.notify_all()
