"""Replay tweepy's recorded X API v2 cassettes (../shared/fixtures/tweepy) through a ReplayServer.

tweepy recorded these with vcrpy (record_mode "none", the Authorization header filtered out).
Response bodies are gzip, stored in the YAML as `!!binary`: we gunzip them and serve them plain,
dropping the recorded content-encoding / content-length / set-cookie headers and keeping the
rest as recorded, `x-rate-limit-*` included (tests may override a header and say so).

Matching differs from VCR's on purpose. VCR matched the full URI, so tweepy's tests had to send
exactly `?query=Tweepy`. Our source also sends tweet.fields, expansions, max_results, since_id
and next_token, so a route here matches on method + path + only the query parameters that pick
the page (`query` for a search, `next_token` / `pagination_token` / `since_id` when a test
chains pages). Tests assert the other parameters from `ReplayServer.requests` separately.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from tests.conftest import shared_dir
from tests.fakes.replay_server import ReplayServer

DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "set-cookie", "connection",
                   "date", "server"}  # the replay server sends its own Date and Server


@dataclass(frozen=True)
class Interaction:
    method: str
    uri: str
    status: int
    headers: dict[str, str]
    body: bytes  # gunzipped

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.uri).query))

    def json(self) -> Any:
        return json.loads(self.body)


def load_cassette(name: str) -> list[Interaction]:
    """The interactions of `fixtures/tweepy/<name>.yaml`, bodies gunzipped."""
    path = shared_dir() / "fixtures" / "tweepy" / (name if name.endswith(".yaml") else f"{name}.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))  # safe_load decodes !!binary to bytes
    out = []
    for item in data["interactions"]:
        request, response = item["request"], item["response"]
        headers = {k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in response["headers"].items()}
        body = response["body"]["string"]
        body = body.encode("utf-8") if isinstance(body, str) else body
        if headers.get("content-encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        kept = {k: v for k, v in headers.items() if k.lower() not in DROPPED_HEADERS}
        out.append(Interaction(request["method"], request["uri"], response["status"]["code"], kept, body))
    return out


def serve(server: ReplayServer, interaction: Interaction, *, match: dict[str, str] | None = None,
          headers: dict[str, str] | None = None, path: str | None = None) -> Interaction:
    """Queue one recorded response on `server`, matched on its path and the `match` parameters.

    `headers` overrides recorded headers (a test that does so says why). Returns the interaction.
    """
    server.add(interaction.method, path or interaction.path, status=interaction.status, body=interaction.body,
               headers={**interaction.headers, **(headers or {})}, query=match)
    return interaction


def problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    """An X API v2 error body in X's documented "problem" format (no recording of one exists)."""
    return {"title": title, "detail": detail, "type": extra.pop("type", "about:blank"), "status": status, **extra}
