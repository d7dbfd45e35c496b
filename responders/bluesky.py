"""Bluesky: a reply is an `app.bsky.feed.post` record with a `reply` ref, written to our repo
with `com.atproto.repo.createRecord` at the account's PDS (`auth_url`).

Posting needs the source's `handle` and `app_password`. The session comes from
`com.atproto.server.createSession`; we sign in here rather than through the source because a
write needs the account's DID, which the source does not keep. An expired session token
(`ExpiredToken`) is renewed once; the failed request made nothing, so repeating it is safe.

The reply ref names the post answered (`parent`: its uri and cid, from the search result kept
in the mention) and the thread's first post (`root`: the parent's own `reply.root`, or the
parent itself).

`find_existing` reads our own repo (`com.atproto.repo.listRecords`, newest first, up to 300
posts) at the PDS, which has a new record at once (the AppView's feeds can lag behind it), for
a post whose `reply.parent.uri` is the mention.
"""
from __future__ import annotations

from typing import Any, ClassVar

import requests

from monitor.clock import Clock
from monitor.store import CaseView
from responders.base import NeedsConfig, PostError, PostResult, Refused, Responder, RetryLater, send

CREATE = "/xrpc/com.atproto.repo.createRecord"
LIST = "/xrpc/com.atproto.repo.listRecords"
SESSION = "/xrpc/com.atproto.server.createSession"
POST = "app.bsky.feed.post"
PAGES = 3


class BlueskyResponder(Responder):
    name: ClassVar[str] = "bluesky"
    required: ClassVar[tuple[str, ...]] = ("handle", "app_password")

    def __init__(self, settings: Any, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self._session: dict[str, str] | None = None

    def post(self, case: CaseView) -> PostResult:
        parent = self._parent(case)
        record: dict[str, Any] = {
            "$type": POST,
            "text": self.outgoing_text(case),
            "createdAt": self.clock.now().isoformat().replace("+00:00", "Z"),
            "reply": {"root": self._root(case, parent), "parent": parent},
        }
        if case.mention.language:
            record["langs"] = [case.mention.language]
        body = self._xrpc("POST", CREATE, "reply", json={"repo": self._did(), "collection": POST, "record": record})
        uri = body.get("uri") if isinstance(body, dict) else None
        if not isinstance(uri, str) or not uri.startswith("at://"):
            raise RetryLater("bluesky: the PDS answered the reply without its uri; will look for it first")
        return self._result(uri)

    def find_existing(self, case: CaseView) -> PostResult | None:
        parent_uri = self._parent(case)["uri"]
        cursor = None
        for _ in range(PAGES):
            params = {"repo": self._did(), "collection": POST, "limit": 100, **({"cursor": cursor} if cursor else {})}
            body = self._xrpc("GET", LIST, "reading our posts", params=params)
            records = body.get("records") if isinstance(body, dict) else None
            for item in records if isinstance(records, list) else []:
                value = item.get("value") if isinstance(item, dict) else None
                reply = value.get("reply") if isinstance(value, dict) else None
                parent = reply.get("parent") if isinstance(reply, dict) else None
                if isinstance(parent, dict) and parent.get("uri") == parent_uri and isinstance(item.get("uri"), str):
                    return self._result(item["uri"])
            cursor = body.get("cursor") if isinstance(body, dict) else None
            if not cursor:
                break
        return None

    # -- the reply ref --------------------------------------------------------------------------

    def _parent(self, case: CaseView) -> dict[str, str]:
        raw = case.mention.raw or {}
        uri, cid = case.mention.reply_to or raw.get("uri"), raw.get("cid")
        if not isinstance(uri, str) or not uri.startswith("at://") or not isinstance(cid, str) or not cid:
            raise Refused("bluesky: the stored post has no at:// uri and cid to reply to")
        return {"uri": uri, "cid": cid}

    @staticmethod
    def _root(case: CaseView, parent: dict[str, str]) -> dict[str, str]:
        record = (case.mention.raw or {}).get("record") or {}
        root = (record.get("reply") or {}).get("root") if isinstance(record, dict) else None
        if isinstance(root, dict) and isinstance(root.get("uri"), str) and isinstance(root.get("cid"), str):
            return {"uri": root["uri"], "cid": root["cid"]}
        return parent

    def _result(self, uri: str) -> PostResult:
        handle = (self._session or {}).get("handle") or self._did()
        return PostResult(ref=uri, url=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}")

    # -- XRPC -----------------------------------------------------------------------------------

    def _did(self) -> str:
        return self._sign_in()["did"]

    def _sign_in(self, *, fresh: bool = False) -> dict[str, str]:
        if self._session is None or fresh:
            try:
                body = self._call("POST", SESSION, "sign-in", token=None, json={
                    "identifier": self.secret(self.settings.handle), "password": self.secret(self.settings.app_password)})
            except NeedsConfig as exc:
                raise NeedsConfig(f"{exc.reason}; check handle and app_password") from None
            except Refused as exc:  # atproto answers a bad password with 401, a bad identifier with 400
                raise NeedsConfig(f"{exc.reason}; check handle and app_password") from None
            if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("accessJwt", "did")):
                raise RetryLater("bluesky: sign-in answered without a session token")
            self._session = {"token": body["accessJwt"], "did": body["did"], "handle": str(body.get("handle") or "")}
        return self._session

    def _xrpc(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        for attempt in (1, 2):
            token = self._sign_in(fresh=attempt == 2)["token"]
            try:
                return self._call(method, path, what, token=token, **kwargs)
            except PostError as exc:
                if attempt == 1 and any(e in exc.reason for e in ("ExpiredToken", "InvalidToken")):
                    continue  # the request was refused, nothing was made: sign in again, once
                raise
        raise AssertionError("unreachable")

    def _call(self, method: str, path: str, what: str, *, token: str | None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = send(self.http, method, self.settings.auth_url + path, what=f"bluesky: {what}",
                        retry_after=self._reset, masked=self._masked, headers=headers, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise RetryLater(f"bluesky: {what}: the answer is not JSON") from None

    def _reset(self, response: requests.Response) -> float | None:
        """atproto services send RateLimit-Reset as a Unix time in seconds."""
        try:
            return max(0.0, float(response.headers.get("RateLimit-Reset", "")) - self.clock.now().timestamp())
        except ValueError:
            return None

    def _masked(self, text: str) -> str:
        text = self.mask(text)
        token = (self._session or {}).get("token")
        return text.replace(token, "***") if token else text
