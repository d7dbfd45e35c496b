"""Replay PRAW's and prawcore's recorded Reddit traffic through a local `ReplayServer`.

The cassettes (../shared/fixtures/praw/{praw,prawcore}/<Class>.<test>.json, see shared/DATA.md)
are vcrpy JSON: `{"interactions": [{"request": {"method", "uri", ...}, "response": {"status",
"headers": {k: [v]}, "body": {"string"}}}]}`, recorded against the real Reddit.

- Placeholders (`<ACCESS_TOKEN>`, `<USERNAME>`, `<TEST_SUBREDDIT>`, ...) are substituted in URIs,
  bodies and headers, as PRAW's persister does, with `PLACEHOLDERS` (override per call).
- Host-independent: the token endpoint (www.reddit.com) and the API (oauth.reddit.com) are both
  answered by the one local server; point the client's `reddit_url` and `oauth_url` at it.
- Matching is on method + path + the query parameters in `MATCHED` when the recording has them
  (`q`, `before`, `after`). Ignored: `raw_json`, `limit`, `sort`, `t`, `syntax`, `restrict_sr`,
  `mark` and any other parameter, because our source asks for `sort=new` and its own `limit`
  where PRAW's tests asked for others. Request bodies and headers are not matched either (the
  inbox cassettes were recorded with a refresh-token grant; our source uses the password grant).
  Routes with matched parameters are registered first, so `?before=X` finds its own answer.
- Each route answers its recorded responses in order; the token endpoint repeats its last
  answer, since every new client fetches a token.
- Response headers `Content-Length`, `Transfer-Encoding`, `Connection` and `Content-Encoding`
  are dropped (bodies were gunzipped when the cassettes were converted) and `Set-Cookie` too;
  everything else, including the x-ratelimit-* and retry-after headers, is replayed as recorded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from tests.conftest import shared_dir
from tests.fakes.replay_server import ReplayServer

PLACEHOLDERS = {
    "<ACCESS_TOKEN>": "replay_access_token",
    "<REFRESH_TOKEN>": "replay_refresh_token",
    "<BASIC_AUTH>": "cmVwbGF5X2lkOnJlcGxheV9zZWNyZXQ=",
    "<USERNAME>": "replywatch_test",
    "<PASSWORD>": "replay_password",
    "<USER_AGENT>": "replywatch/0.1 tests",
    "<TEST_SUBREDDIT>": "replywatch_test_sub",
    "<COMMENT_IDS>": "replay_comment_ids",
}
MATCHED = ("q", "before", "after")
TOKEN_PATH = "/api/v1/access_token"
_DROPPED = {"content-length", "transfer-encoding", "connection", "content-encoding", "set-cookie"}


@dataclass(frozen=True)
class Interaction:
    method: str
    path: str
    query: dict[str, str]
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)

    def with_json(self, data: Any) -> "Interaction":
        """The same response carrying another body (for cases built from a recording)."""
        return replace(self, body=json.dumps(data))


def load(name: str, placeholders: dict[str, str] | None = None) -> list[Interaction]:
    """The interactions of `praw/<name>` or `prawcore/<name>`, placeholders substituted."""
    path = shared_dir() / "fixtures" / "praw" / f"{name}.json"
    text = path.read_text(encoding="utf-8")
    for placeholder, value in {**PLACEHOLDERS, **(placeholders or {})}.items():
        text = text.replace(placeholder, value)
    out = []
    for item in json.loads(text)["interactions"]:
        request, response = item["request"], item["response"]
        uri = urlsplit(request["uri"])
        out.append(Interaction(
            method=request["method"].upper(),
            path=uri.path,
            query={k: v[0] for k, v in parse_qs(uri.query, keep_blank_values=True).items()},
            status=response["status"]["code"],
            headers={k: ", ".join(v) for k, v in response["headers"].items() if k.lower() not in _DROPPED},
            body=response["body"].get("string") or "",
        ))
    return out


def serve(server: ReplayServer, interactions: Iterable[Interaction], *, at: str | None = None,
          repeat: bool = False) -> ReplayServer:
    """Script `server` with recorded interactions; `at` serves them all as GET at another path.

    `at` is for a recorded answer served wherever the source asks (say the 429 that prawcore
    recorded for GET /api/v1/me, or a 400 recorded for a PUT, served where our source searches);
    the token endpoint stays where it is. `repeat` repeats the last answer of each route (an
    error that persists through prawcore's retries).
    """
    items = list(interactions)
    keyed = [(i, {k: v for k, v in i.query.items() if k in MATCHED}) for i in items]
    for interaction, query in sorted(keyed, key=lambda pair: -len(pair[1])):  # stable: recorded order kept
        moved = at is not None and interaction.path != TOKEN_PATH
        server.add("GET" if moved else interaction.method, at if moved else interaction.path, status=interaction.status, body=interaction.body.encode("utf-8"),
                   headers=interaction.headers, query=query or None,
                   repeat=repeat or interaction.path == TOKEN_PATH)
    return server


def replay(server: ReplayServer, name: str, placeholders: dict[str, str] | None = None, **kwargs: Any) -> list[Interaction]:
    """Load a cassette and script `server` with all of it; returns the interactions."""
    interactions = load(name, placeholders)
    serve(server, interactions, **kwargs)
    return interactions


def listing(interactions: Iterable[Interaction], path: str, **query: str) -> Interaction:
    """The recorded response to GET `path` (with these query values) in a cassette."""
    for i in interactions:
        if i.method == "GET" and i.path == path and all(i.query.get(k) == v for k, v in query.items()):
            return i
    raise LookupError(f"no recorded GET {path} {query}")
