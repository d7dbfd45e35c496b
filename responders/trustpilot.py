"""Trustpilot: the company's public reply to a service review, through the Business API.

`POST {api_url}/v1/private/reviews/{reviewId}/reply` with `{"authorBusinessUserId": ...,
"message": ...}` answers 201; the current reply is the review's `companyReply`
(`GET /v1/private/reviews/{reviewId}`). The reply has no id of its own: its ref is the review id.
The review ids of the public pages the source reads are the API's ids.

Credentials (keys of the source's section; the Business API needs a paid plan):
`business_user_id` (who signs the reply) and either `business_access_token` (a ready
business-user token) or `api_key` + `api_secret` + `business_username` + `business_password`,
exchanged here for a token with the password grant
(`POST /v1/oauth/oauth-business-users-for-applications/accesstoken`), reused until shortly
before it expires.
"""
from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from monitor.clock import Clock
from monitor.store import CaseView
from responders.base import NeedsConfig, PostError, PostResult, RetryLater, send
from responders.reviews import ReviewResponder, authorization
from sources.review_http import polite_session

TOKEN_PATH = "/v1/oauth/oauth-business-users-for-applications/accesstoken"
REFRESH_MARGIN = 300.0  # seconds


class TrustpilotResponder(ReviewResponder):
    name: ClassVar[str] = "trustpilot"

    def __init__(self, settings: Any, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.http = polite_session(settings, http, obey_robots=False)
        self._token: tuple[str, float] | None = None

    @classmethod
    def required_keys(cls, source_settings: Any) -> tuple[str, ...]:
        if source_settings.business_access_token is not None:
            return ("business_user_id", "business_access_token")
        return ("business_user_id", "api_key", "api_secret", "business_username", "business_password")

    def current_reply(self, case: CaseView) -> tuple[str, PostResult] | None:
        review = self._json("GET", self._url(case), "reading the review")
        reply = review.get("companyReply") if isinstance(review, dict) else None
        if isinstance(reply, dict) and isinstance(reply.get("text"), str):
            return reply["text"], self._result(case)
        return None

    def publish(self, case: CaseView) -> PostResult:
        send(self.http, "POST", self._url(case) + "/reply", what="trustpilot: reply", masked=self.mask,
             headers=self._headers(), json={"authorBusinessUserId": self.settings.business_user_id,
                                            "message": self.outgoing_text(case)})
        return self._result(case)

    def _url(self, case: CaseView) -> str:
        return f"{self.settings.api_url}/v1/private/reviews/{quote(self.review_id(case), safe='')}"

    def _result(self, case: CaseView) -> PostResult:
        return PostResult(ref=self.review_id(case), url=case.mention.url)

    def _json(self, method: str, url: str, what: str) -> Any:
        response = send(self.http, method, url, what=f"trustpilot: {what}", masked=self.mask, headers=self._headers())
        try:
            return response.json()
        except ValueError:
            raise RetryLater(f"trustpilot: {what}: the answer is not JSON") from None

    # -- the business-user token ------------------------------------------------------------

    def _headers(self) -> dict[str, Any]:
        return authorization(self._access_token, self.name, self.mask)

    def _access_token(self) -> str:
        s = self.settings
        if s.business_access_token is not None:
            return self.secret(s.business_access_token)
        now = self.clock.now().timestamp()
        if self._token is None or self._token[1] - REFRESH_MARGIN <= now:
            try:
                response = send(self.http, "POST", s.api_url + TOKEN_PATH, what="trustpilot: sign-in", masked=self.mask,
                                auth=(self.secret(s.api_key), self.secret(s.api_secret)),
                                data={"grant_type": "password", "username": self.secret(s.business_username),
                                      "password": self.secret(s.business_password)})
            except PostError as exc:
                if isinstance(exc, RetryLater):
                    raise
                raise NeedsConfig(f"{exc.reason}; check api_key, api_secret, business_username and "
                                  "business_password") from None
            try:
                body = response.json()
                token, expires = body["access_token"], float(body.get("expires_in", 3600))
                if not isinstance(token, str) or not token:
                    raise ValueError("empty access_token")
            except (ValueError, TypeError, KeyError):
                raise RetryLater("trustpilot: sign-in answered without an access token") from None
            self._token = (token, now + expires)
        return self._token[0]
