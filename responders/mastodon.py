"""Mastodon: a reply is a status with `in_reply_to_id` (`POST /api/v1/statuses`).

Posting needs the source's `access_token` (an app on the instance with the `write:statuses`
scope). Three details:
- the reply opens with the author's @handle, as Mastodon's own apps do: a reply that does not
  mention the author does not notify them. Mastodon counts a remote mention by its user part
  only (`@anna`, not `@anna@example.social`), and so does `measure`;
- it keeps the visibility of the post it answers when that is narrower than public;
- every attempt carries `Idempotency-Key: replywatch-case-<id>`: Mastodon answers a repeat of
  the same key within an hour with the status it already made, never a second one.

`find_existing`: the post's context (`GET /api/v1/statuses/:id/context`), for a descendant by
our account (`verify_credentials`) that replies to it directly.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from monitor.clock import Clock, utc
from monitor.store import CaseView
from responders.base import PostResult, Refused, Responder, RetryLater, approved_text, send
from responders.limits import reply_length

_REMOTE_MENTION = re.compile(r"(@[\w.-]+)@[\w.-]+\.[a-z]{2,}", re.IGNORECASE)


class MastodonResponder(Responder):
    name: ClassVar[str] = "mastodon"
    required: ClassVar[tuple[str, ...]] = ("access_token",)

    def __init__(self, settings: Any, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self._me: str | None = None

    def post(self, case: CaseView) -> PostResult:
        status_id = self._target(case)
        form: dict[str, Any] = {"status": self.outgoing_text(case), "in_reply_to_id": status_id}
        raw = case.mention.raw or {}
        if raw.get("visibility") in ("unlisted", "private", "direct"):
            form["visibility"] = raw["visibility"]
        body = self._json("POST", "/api/v1/statuses", "reply", json=form,
                          headers={"Idempotency-Key": f"replywatch-case-{case.id}"})
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise RetryLater("mastodon: the instance answered the reply without its id; will look for it first")
        return PostResult(ref=body["id"], url=body.get("url") or body.get("uri"))

    def find_existing(self, case: CaseView) -> PostResult | None:
        status_id = self._target(case)
        me = self._my_id()
        context = self._json("GET", f"/api/v1/statuses/{quote(status_id, safe='')}/context", "reading the thread")
        for status in (context.get("descendants") or []) if isinstance(context, dict) else []:
            if (isinstance(status, dict) and status.get("in_reply_to_id") == status_id
                    and (status.get("account") or {}).get("id") == me):
                return PostResult(ref=status["id"], url=status.get("url") or status.get("uri"))
        return None

    # -- text ---------------------------------------------------------------------------------

    def outgoing_text(self, case: CaseView) -> str:
        text, author = approved_text(case), case.mention.author
        if author and author.startswith("@") and author.lower() not in text.lower():
            return f"{author} {text}"
        return text

    def measure(self, text: str) -> int:
        return reply_length(_REMOTE_MENTION.sub(r"\1", text), self.name)

    # -- HTTP ---------------------------------------------------------------------------------

    def _target(self, case: CaseView) -> str:
        status_id = case.mention.reply_to
        if not status_id or not status_id.isalnum():
            raise Refused("mastodon: this mention has no status id on the instance to reply to")
        return status_id

    def _my_id(self) -> str:
        if self._me is None:
            me = self._json("GET", "/api/v1/accounts/verify_credentials", "who we are")
            if not isinstance(me, dict) or not isinstance(me.get("id"), str):
                raise RetryLater("mastodon: verify_credentials answered without an account id")
            self._me = me["id"]
        return self._me

    def _json(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.secret(self.settings.access_token)}", **kwargs.pop("headers", {})}
        response = send(self.http, method, self.settings.base_url + path, what=f"mastodon: {what}",
                        retry_after=self._reset, masked=self.mask, headers=headers, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise RetryLater(f"mastodon: {what}: the answer is not JSON") from None

    def _reset(self, response: requests.Response) -> float | None:
        """Mastodon's X-RateLimit-Reset is an ISO-8601 time."""
        try:
            reset = utc(datetime.fromisoformat(response.headers.get("X-RateLimit-Reset", "")))
        except ValueError:
            return None
        return max(0.0, (reset - self.clock.now()).total_seconds())
