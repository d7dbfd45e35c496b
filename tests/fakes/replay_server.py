"""A local HTTP server on 127.0.0.1 that answers with scripted (usually recorded) responses.

Real clients (requests, praw/prawcore, tweepy) talk real HTTP to it. Routes are matched on
method, path and (optionally) a subset of query parameters; each route answers its responses in
order and repeats the last one when `repeat=True`. Every request is recorded for assertions.
An unmatched request gets a 599 with an explanation, so a test fails loudly, never silently.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to provoke client timeouts)


@dataclass
class Route:
    method: str
    path: str
    query: dict[str, str] | None
    replies: deque
    repeat: bool

    def matches(self, method: str, path: str, query: dict[str, list[str]]) -> bool:
        if method != self.method or path != self.path:
            return False
        if self.query:
            return all(query.get(k, [None])[0] == v for k, v in self.query.items())
        return True


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def _as_bytes(body: Any) -> tuple[bytes, str | None]:
    if body is None:
        return b"", None
    if isinstance(body, bytes):
        return body, None
    if isinstance(body, str):
        return body.encode("utf-8"), None
    return json.dumps(body).encode("utf-8"), "application/json"


class ReplayServer:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.requests: list[Seen] = []
        self.unmatched: list[Seen] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting ------------------------------------------------------------------------

    def add(self, method: str, path: str, *, status: int = 200, body: Any = None,
            headers: dict[str, str] | None = None, query: dict[str, str] | None = None,
            repeat: bool = False, delay: float = 0.0) -> "ReplayServer":
        """Queue one reply for a route (several calls queue replies in order)."""
        data, content_type = _as_bytes(body)
        hdrs = dict(headers or {})
        if content_type and not any(k.lower() == "content-type" for k in hdrs):
            hdrs["Content-Type"] = content_type
        reply = Reply(status, data, hdrs, delay)
        with self._lock:
            for route in self.routes:
                if route.method == method.upper() and route.path == path and route.query == query:
                    route.replies.append(reply)
                    route.repeat = route.repeat or repeat
                    return self
            self.routes.append(Route(method.upper(), path, query, deque([reply]), repeat))
        return self

    def clear(self) -> None:
        with self._lock:
            self.routes.clear()

    def reset(self) -> "ReplayServer":
        """No routes and nothing recorded: a fresh server for the next test, without a restart."""
        with self._lock:
            self.routes.clear()
            self.requests.clear()
            self.unmatched.clear()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> "ReplayServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else every keep-alive reply waits ~40 ms for a delayed ACK

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                            {k: v for k, v in self.headers.items()}, body)
                reply = server._next(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(reply.body)))
                    if self.close_connection:  # the client asked for Connection: close
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- matching -------------------------------------------------------------------------

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            for route in self.routes:
                if route.matches(seen.method, seen.path, seen.query) and route.replies:
                    if len(route.replies) == 1 and route.repeat:
                        return route.replies[0]
                    return route.replies.popleft()
            self.unmatched.append(seen)
        msg = f"replay server: no recorded response for {seen.method} {seen.path} {seen.query}"
        return Reply(599, msg.encode(), {"Content-Type": "text/plain"})
