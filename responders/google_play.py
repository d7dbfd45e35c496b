"""Google Play: a developer reply to a review (`reviews.reply` of the Play Developer API).

`POST {api_base}/androidpublisher/v3/applications/{package}/reviews/{reviewId}:reply` with
`{"replyText": ...}` (at most 350 characters); the answer is `{"result": {"replyText",
"lastEdited"}}`. The current reply is the review's `developerComment` (`reviews.get`). A reply
has no id of its own, so its ref is the review id.

Credentials are the source's (access_token, an OAuth refresh token or a service account key,
see sources.google_oauth), for an account that may reply to reviews in Play Console. Without
them the source reads the public page, and replies are posted by hand.
"""
from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from monitor.clock import Clock
from monitor.store import CaseView
from responders.base import PostResult, RetryLater, send
from responders.reviews import ReviewResponder, authorization
from sources.errors import NotConfigured
from sources.google_oauth import GoogleToken
from sources.google_play import SCOPE
from sources.review_http import polite_session


class GooglePlayResponder(ReviewResponder):
    name: ClassVar[str] = "google_play"

    def __init__(self, settings: Any, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.http = polite_session(settings, http, obey_robots=False)
        self.token = GoogleToken(settings, self.http, self.clock, what=self.name, scope=SCOPE)

    @classmethod
    def from_settings(cls, source_settings: Any, *, http: Any = None, clock: Clock | None = None) -> "GooglePlayResponder":
        if source_settings is not None and not source_settings.has_credentials():
            raise NotConfigured("google_play: replies need Play Developer API credentials (access_token, an OAuth "
                                "refresh token or service_account_file)")
        return super().from_settings(source_settings, http=http, clock=clock)

    def current_reply(self, case: CaseView) -> tuple[str, PostResult] | None:
        review = self._json("GET", self._url(case), "reading the review")
        comments = review.get("comments") if isinstance(review, dict) else None
        for comment in comments if isinstance(comments, list) else []:
            developer = comment.get("developerComment") if isinstance(comment, dict) else None
            if isinstance(developer, dict) and isinstance(developer.get("text"), str):
                return developer["text"], self._result(case)
        return None

    def publish(self, case: CaseView) -> PostResult:
        body = self._json("POST", self._url(case) + ":reply", "reply", json={"replyText": self.outgoing_text(case)})
        if not isinstance(body, dict) or not isinstance(body.get("result"), dict):
            raise RetryLater("google_play: the reply was answered without its result; will look for it first")
        return self._result(case)

    def _url(self, case: CaseView) -> str:
        s = self.settings
        return (f"{s.api_base}/androidpublisher/v3/applications/{quote(s.package, safe='')}"
                f"/reviews/{quote(self.review_id(case), safe=':')}")

    def _result(self, case: CaseView) -> PostResult:
        return PostResult(ref=self.review_id(case), url=case.mention.url)

    def _json(self, method: str, url: str, what: str, **kwargs: Any) -> Any:
        headers = authorization(self.token.get, self.name, self.mask)
        response = send(self.http, method, url, what=f"google_play: {what}", masked=self.mask, headers=headers,
                        **kwargs)
        try:
            return response.json()
        except ValueError:
            raise RetryLater(f"google_play: {what}: the answer is not JSON") from None
