"""Google Business Profile: the owner's reply to a review (`reviews.updateReply`).

`PUT {base_url}/v4/{review name}/reply` with `{"comment": ...}` (at most 4096 bytes) creates the
reply or replaces it and answers the `ReviewReply` (`comment`, `updateTime`). The review's name
(`accounts/*/locations/*/reviews/*`) is the mention's `reply_to`; the current reply is the
review's `reviewReply` (`reviews.get`). The reply has no id of its own: its ref is the review name.

Credentials are the source's OAuth token with the `business.manage` scope, in mode "api". Reviews
read in mode "maps" cannot be answered through the API: those are posted by hand.
"""
from __future__ import annotations

from typing import Any, ClassVar

from monitor.clock import Clock
from monitor.store import CaseView
from responders.base import PostResult, Refused, RetryLater, send
from responders.reviews import ReviewResponder, authorization
from sources.errors import NotConfigured
from sources.google_business import SCOPE
from sources.google_oauth import GoogleToken
from sources.review_http import polite_session


class GoogleBusinessResponder(ReviewResponder):
    name: ClassVar[str] = "google_business"

    def __init__(self, settings: Any, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.http = polite_session(settings, http, obey_robots=False)
        self.token = GoogleToken(settings, self.http, self.clock, what=self.name, scope=SCOPE)

    @classmethod
    def from_settings(cls, source_settings: Any, *, http: Any = None,
                      clock: Clock | None = None) -> "GoogleBusinessResponder":
        if source_settings is not None and (source_settings.mode != "api" or not source_settings.has_credentials()):
            raise NotConfigured("google_business: replies need mode 'api' with an OAuth token (access_token or "
                                "a refresh token)")
        return super().from_settings(source_settings, http=http, clock=clock)

    def current_reply(self, case: CaseView) -> tuple[str, PostResult] | None:
        review = self._json("GET", self._url(case), "reading the review")
        reply = review.get("reviewReply") if isinstance(review, dict) else None
        if isinstance(reply, dict) and isinstance(reply.get("comment"), str):
            return reply["comment"], self._result(case)
        return None

    def publish(self, case: CaseView) -> PostResult:
        body = self._json("PUT", self._url(case) + "/reply", "reply", json={"comment": self.outgoing_text(case)})
        if not isinstance(body, dict) or "comment" not in body:
            raise RetryLater("google_business: the reply was answered without it; will look for it first")
        return self._result(case)

    def _name(self, case: CaseView) -> str:
        name = case.mention.reply_to or ""
        parts = name.split("/")
        if len(parts) != 6 or parts[0::2] != ["accounts", "locations", "reviews"] or not all(parts[1::2]):
            raise Refused("google_business: this review has no Business Profile name (accounts/…/reviews/…) "
                          "to reply to; it was read from Maps")
        return name

    def _url(self, case: CaseView) -> str:
        return f"{self.settings.base_url}/v4/{self._name(case)}"

    def _result(self, case: CaseView) -> PostResult:
        return PostResult(ref=self._name(case), url=case.mention.url)

    def _json(self, method: str, url: str, what: str, **kwargs: Any) -> Any:
        headers = authorization(self.token.get, self.name, self.mask)
        response = send(self.http, method, url, what=f"google_business: {what}", masked=self.mask,
                        headers=headers, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise RetryLater(f"google_business: {what}: the answer is not JSON") from None
