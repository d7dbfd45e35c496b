"""A fake Slack on 127.0.0.1: an incoming webhook and chat.postMessage, over real HTTP.

The answers follow Slack's documentation:

- Incoming webhooks ("Sending messages using incoming webhooks"; the 2016 changelog "Improving
  error conditions for Incoming Webhooks") answer HTTP 200 with the body `ok`, or a status with
  a short error code as the body: 400 `invalid_payload` / `no_text`, 403 `action_prohibited` /
  `invalid_token`, 404 `no_service` / `channel_not_found`, 410 `channel_is_archived`,
  500 `rollup_error`.
- The Web API (chat.postMessage reference) answers HTTP 200 with JSON: `{"ok": true, "channel":
  ..., "ts": "1700000000.000100", "message": {...}}`, or `{"ok": false, "error": "invalid_auth"}`
  (likewise `not_authed`, `channel_not_found`, `no_text`, `invalid_json`).
- Rate limits ("Rate limits"): HTTP 429 with a `Retry-After` header in seconds, and for the
  Web API the body `{"ok": false, "error": "ratelimited"}`. The fake never rate-limits on its
  own; tests script it with `respond(...)`.

Every request is recorded (`requests`), and the next requests can be scripted to answer with a
given status, body and headers, or to hang longer than the client's timeout:

    with FakeSlack() as slack:
        slack.respond(429, {"ok": False, "error": "ratelimited"}, headers={"Retry-After": "7"})
        ...post to slack.api_url + "/chat.postMessage" or slack.webhook_url...
        assert slack.requests[0].json["channel"] == "#alerts"
"""
from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WEBHOOK_PATH = "/services/T000/B000/XXXX"
BOT_TOKEN = "xoxb-000000000000-0000000000000-fakefakefakefakefakefake"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    json: Any = None  # the parsed body, when it was JSON

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class _Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0


class FakeSlack:
    """Starts on an ephemeral port on entry, stops (releasing any hung request) on exit."""

    def __init__(self, *, token: str = BOT_TOKEN):
        self.token = token
        self.requests: list[RecordedRequest] = []
        self.messages: list[dict[str, Any]] = []  # what chat.postMessage accepted
        self._script: deque[_Scripted] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> "FakeSlack":
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        server.handle_error = _quiet_handle_error(server.handle_error)  # type: ignore[method-assign]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeSlack is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def webhook_url(self) -> str:
        return self.base_url + WEBHOOK_PATH

    @property
    def api_url(self) -> str:
        return self.base_url + "/api"

    # -- scripting ---------------------------------------------------------------------------

    def respond(
        self,
        status: int,
        body: Any = b"",
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests (any path) with this; a dict/list body is sent as JSON."""
        with self._lock:
            for _ in range(times):
                self._script.append(_Scripted(status, body, dict(headers or {})))

    def hang(self, seconds: float = 30.0, *, times: int = 1) -> None:
        """Accept the next `times` requests but answer only after `seconds` (or at stop)."""
        with self._lock:
            for _ in range(times):
                self._script.append(_Scripted(200, b"ok", hang=seconds))

    def _record(self, request: RecordedRequest) -> _Scripted | None:
        with self._lock:
            self.requests.append(request)
            return self._script.popleft() if self._script else None

    # -- Slack's own behaviour -----------------------------------------------------------------

    def _answer(self, req: RecordedRequest) -> _Scripted:
        if req.path == WEBHOOK_PATH:
            return self._webhook(req)
        if req.path.startswith("/services/"):
            return _Scripted(404, b"no_service", {"Content-Type": "text/html"})
        if req.path == "/api/chat.postMessage":
            return self._post_message(req)
        if req.path.startswith("/api/"):
            return _Scripted(200, {"ok": False, "error": "unknown_method"})
        return _Scripted(404, b"Not Found", {"Content-Type": "text/plain"})

    def _webhook(self, req: RecordedRequest) -> _Scripted:
        text = {"Content-Type": "text/html"}
        if req.method != "POST" or not isinstance(req.json, dict):
            return _Scripted(400, b"invalid_payload", text)
        if not req.json.get("text") and not req.json.get("blocks"):
            return _Scripted(400, b"no_text", text)
        return _Scripted(200, b"ok", text)

    def _post_message(self, req: RecordedRequest) -> _Scripted:
        auth = req.header("Authorization") or ""
        if not auth.startswith("Bearer ") or not auth[len("Bearer "):]:
            return _Scripted(200, {"ok": False, "error": "not_authed"})
        if auth[len("Bearer "):] != self.token:
            return _Scripted(200, {"ok": False, "error": "invalid_auth"})
        if not isinstance(req.json, dict):
            return _Scripted(200, {"ok": False, "error": "invalid_json"})
        channel = req.json.get("channel")
        if not channel:
            return _Scripted(200, {"ok": False, "error": "channel_not_found"})
        if not req.json.get("text") and not req.json.get("blocks"):
            return _Scripted(200, {"ok": False, "error": "no_text"})
        with self._lock:
            ts = f"1700000000.{100 + len(self.messages):06d}"
            message = {"type": "message", "text": req.json.get("text", ""), "ts": ts,
                       "blocks": req.json.get("blocks", []), "bot_id": "B0000000000"}
            self.messages.append({"channel": channel, **message})
        return _Scripted(200, {"ok": True, "channel": channel, "ts": ts, "message": message})


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"
    # HTTP/1.0: one request per connection, so no handler thread waits on an idle keep-alive
    # socket and `stop()` returns at once.

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self._handle()

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        fake: FakeSlack = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            json=parsed,
        )
        answer = fake._record(request) or fake._answer(request)
        if answer.hang:
            fake._release.wait(answer.hang)
        self._send(answer)

    def _send(self, answer: _Scripted) -> None:
        headers = dict(answer.headers)
        if isinstance(answer.body, (dict, list)):
            payload = json.dumps(answer.body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        else:
            payload = answer.body.encode() if isinstance(answer.body, str) else bytes(answer.body)
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # tests read `FakeSlack.requests`, not stderr


def _quiet_handle_error(default):
    """A client that gave up (a timeout test) closes the socket under a hung answer: not an error."""

    def handle_error(request, client_address) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        default(request, client_address)

    return handle_error
