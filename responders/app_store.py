"""App Store: a developer response to a customer review, through the App Store Connect API.

`POST {asc_base_url}/v1/customerReviewResponses` with the JSON:API document
`{"data": {"type": "customerReviewResponses", "attributes": {"responseBody": ...},
"relationships": {"review": {"data": {"type": "customerReviews", "id": ...}}}}}` creates the
response or replaces it (5970 characters at most); Apple publishes it after a while (`state`
PENDING_PUBLISH, then PUBLISHED). The current response: `GET /v1/customerReviews/{id}/response`.

Credentials (keys of the source's section):
- `asc_key_id`, `asc_issuer_id` and `asc_private_key` (the .p8 contents, or its path): a JWT
  signed ES256 with PyJWT (`pip install "pyjwt[crypto]"`), valid 20 minutes, made again before
  it expires; or
- `asc_token`: a ready JWT from the environment (made elsewhere; it lasts 20 minutes at most).

Review ids. The source reads Apple's public RSS feed, whose review ids are not App Store Connect's
(`00000028-b08c-0014-9674-c54800000000`). So the review is looked up among the app's newest
reviews in App Store Connect (`GET /v1/apps/{app_id}/customerReviews?sort=-createdDate`, up to
600) by its reviewer nickname, title and text; a mention that already carries an App Store
Connect review (`raw.type == "customerReviews"`) uses its id. A review not found there is
handed to a person.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, ClassVar

from monitor.clock import Clock
from monitor.store import CaseView
from responders.base import NeedsConfig, PostResult, Refused, RetryLater, same_text, send
from responders.reviews import ReviewResponder, authorization
from sources.errors import NotConfigured
from sources.review_http import polite_session

AUDIENCE = "appstoreconnect-v1"
TOKEN_SECONDS = 20 * 60  # Apple's maximum
REFRESH_SECONDS = 5 * 60  # a new token this long before the old one expires
PAGES = 3


class AppStoreResponder(ReviewResponder):
    name: ClassVar[str] = "app_store"

    def __init__(self, settings: Any, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self.http = polite_session(settings, http, obey_robots=False)
        self._jwt: tuple[str, float] | None = None
        self._ids: dict[str, str] = {}

    @classmethod
    def from_settings(cls, source_settings: Any, *, http: Any = None, clock: Clock | None = None) -> "AppStoreResponder":
        s = source_settings
        if s is not None and s.asc_token is None:
            if not (s.asc_key_id and s.asc_issuer_id and s.asc_private_key):
                raise NotConfigured("app_store: replies need App Store Connect credentials (asc_key_id, asc_issuer_id "
                                    "and asc_private_key, or asc_token)")
            if importlib.util.find_spec("jwt") is None or importlib.util.find_spec("cryptography") is None:
                raise NotConfigured('app_store: signing App Store Connect tokens needs PyJWT with cryptography '
                                    '(pip install "pyjwt[crypto]"), or set asc_token')
        return super().from_settings(source_settings, http=http, clock=clock)

    @classmethod
    def required_keys(cls, source_settings: Any) -> tuple[str, ...]:
        if source_settings.asc_token is not None:
            return ("asc_token",)
        return ("asc_key_id", "asc_issuer_id", "asc_private_key")

    # -- the review's response ----------------------------------------------------------------

    def current_reply(self, case: CaseView) -> tuple[str, PostResult] | None:
        review_id = self._review_id(case)
        response = send(self.http, "GET", f"{self._base}/v1/customerReviews/{review_id}/response",
                        what="app_store: reading the review's response", masked=self.mask, allow=(404,),
                        headers=self._headers())
        if response.status_code == 404:
            return None
        data = _json(response, "reading the review's response").get("data")
        attributes = data.get("attributes") if isinstance(data, dict) else None
        if isinstance(attributes, dict) and isinstance(attributes.get("responseBody"), str):
            return attributes["responseBody"], PostResult(ref=str(data.get("id")), url=case.mention.url)
        return None

    def publish(self, case: CaseView) -> PostResult:
        document = {"data": {
            "type": "customerReviewResponses",
            "attributes": {"responseBody": self.outgoing_text(case)},
            "relationships": {"review": {"data": {"type": "customerReviews", "id": self._review_id(case)}}},
        }}
        response = send(self.http, "POST", f"{self._base}/v1/customerReviewResponses", what="app_store: reply",
                        masked=self.mask, headers=self._headers(), json=document)
        data = _json(response, "reply").get("data")
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise RetryLater("app_store: the reply was answered without its id; will look for it first")
        return PostResult(ref=data["id"], url=case.mention.url)

    # -- which App Store Connect review -----------------------------------------------------------

    def _review_id(self, case: CaseView) -> str:
        m = case.mention
        raw = m.raw or {}
        if raw.get("type") == "customerReviews" and isinstance(raw.get("id"), str):
            return raw["id"]
        if m.key in self._ids:
            return self._ids[m.key]
        url: str | None = f"{self._base}/v1/apps/{self.settings.app_id}/customerReviews"
        params: dict[str, Any] | None = {"sort": "-createdDate", "limit": 200}
        for _ in range(PAGES):
            response = send(self.http, "GET", url, what="app_store: finding the review in App Store Connect",
                            masked=self.mask, headers=self._headers(), params=params)
            body = _json(response, "finding the review")
            for review in body.get("data") or []:
                attributes = review.get("attributes") if isinstance(review, dict) else None
                if isinstance(attributes, dict) and _same_review(attributes, m.author, m.title, m.text):
                    self._ids[m.key] = str(review.get("id"))
                    return self._ids[m.key]
            url, params = (body.get("links") or {}).get("next"), None
            if not isinstance(url, str):
                break
        raise Refused(f"app_store: review {m.external_id} (from the public feed) was not found among the app's "
                      "newest reviews in App Store Connect (matched on nickname, title and text)")

    # -- the token --------------------------------------------------------------------------------

    @property
    def _base(self) -> str:
        return self.settings.asc_base_url

    def _headers(self) -> dict[str, Any]:
        return authorization(self._token, self.name, self.mask)

    def _token(self) -> str:
        s = self.settings
        if s.asc_token is not None:
            return self.secret(s.asc_token)
        now = self.clock.now().timestamp()
        if self._jwt is None or self._jwt[1] - REFRESH_SECONDS <= now:
            import jwt

            payload = {"iss": s.asc_issuer_id, "iat": int(now), "exp": int(now) + TOKEN_SECONDS, "aud": AUDIENCE}
            try:
                token = jwt.encode(payload, self._private_key(), algorithm="ES256",
                                   headers={"kid": s.asc_key_id, "typ": "JWT"})
            except (ValueError, TypeError, jwt.PyJWTError) as exc:
                raise NeedsConfig(f"app_store: cannot sign with asc_private_key ({type(exc).__name__}); it must be "
                                  "the .p8 key App Store Connect gave") from None
            self._jwt = (token, now + TOKEN_SECONDS)
        return self._jwt[0]

    def _private_key(self) -> str:
        value = self.secret(self.settings.asc_private_key)
        if "-----BEGIN" in value:
            return value.replace("\\n", "\n")  # a key put in one line of an environment file
        try:
            return Path(value).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise NeedsConfig(f"app_store: cannot read the key file named by asc_private_key ({type(exc).__name__})"
                              ) from None


def _same_review(attributes: dict[str, Any], author: str | None, title: str | None, text: str) -> bool:
    return (attributes.get("reviewerNickname") == author and same_text(attributes.get("title") or "", title or "")
            and same_text(attributes.get("body") or "", text))


def _json(response: Any, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise RetryLater(f"app_store: {what}: the answer is not JSON") from None
    return body if isinstance(body, dict) else {}
