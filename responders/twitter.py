"""X: a reply is a post with `reply.in_reply_to_tweet_id` (`POST /2/tweets`), through tweepy.

The client is the X source's (`sources.twitter_client.client`: tweepy with `return_type=Response`, no
waiting on rate limits, `base_url` and a timeout through a transport adapter); posting needs the
OAuth 1.0a user context of the brand account (consumer key/secret, access token/secret).

Since February 2026 X lets a self-serve app reply through the API only to posts that mention
or quote its account (or whose author otherwise engaged it). Any other reply is answered 403
"Reply to this conversation is not allowed because you have not been mentioned or otherwise
engaged by the author of the post you are replying to." That is a refusal of this reply, not a
credentials problem: the case goes to a person, who can answer from the X app. Other 403s
(an app without write access, a suspended account) are configuration; a 403 "duplicate content"
may mean our earlier attempt went through, so it is looked for first.

`find_existing`: the account's own posts newer than the mention (`GET /2/users/:me/tweets`
with `since_id`, up to 300) for one whose `referenced_tweets` has `replied_to` the mention.
"""
from __future__ import annotations

import importlib.util
from typing import Any, Callable, ClassVar

import requests

from monitor.clock import Clock
from monitor.store import CaseView
from responders.base import NeedsConfig, PostResult, Refused, Responder, RetryLater, platform_words
from sources.twitter_client import reset_delay, usage_capped
from sources.errors import NotConfigured

REPLY_RULE = ("not been mentioned or otherwise engaged", "reply to this conversation is not allowed",
              "restricted who can reply", "only reply to or quote posts where you are mentioned")
PAGES = 3  # of 100 of our posts, newest first, searched for our reply


class TwitterResponder(Responder):
    name: ClassVar[str] = "twitter"
    required: ClassVar[tuple[str, ...]] = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")

    def __init__(self, settings: Any, *, http: Any = None, clock: Clock | None = None):
        super().__init__(settings, http=http, clock=clock)
        self._client: Any = None
        self._me: str | None = None

    @classmethod
    def from_settings(cls, source_settings: Any, *, http: Any = None, clock: Clock | None = None) -> "TwitterResponder":
        if importlib.util.find_spec("tweepy") is None:
            raise NotConfigured("twitter: the tweepy package is not installed")
        return super().from_settings(source_settings, http=http, clock=clock)

    def post(self, case: CaseView) -> PostResult:
        tweet_id = self._target(case)
        client = self._tweepy()
        try:
            response = self._call(lambda: client.create_tweet(text=self.outgoing_text(case), in_reply_to_tweet_id=tweet_id,
                                                              user_auth=True), "reply")
        except Refused as exc:
            if "duplicate" in exc.reason.lower():  # maybe our own earlier attempt: look before refusing
                found = self.find_existing(case)
                if found is not None:
                    return found
            raise
        data = _json(response).get("data")
        reply_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(reply_id, str) or not reply_id.isdigit():
            raise RetryLater("twitter: X answered the reply without its id; will look for it before trying again")
        return PostResult(ref=reply_id, url=f"https://x.com/i/status/{reply_id}")

    def find_existing(self, case: CaseView) -> PostResult | None:
        tweet_id = self._target(case)
        client, me, token = self._tweepy(), self._my_id(), None
        for _ in range(PAGES):
            response = self._call(lambda token=token: client.get_users_tweets(
                me, since_id=tweet_id, max_results=100, pagination_token=token, exclude=["retweets"],
                tweet_fields=["referenced_tweets", "created_at"], user_auth=True), "reading our posts")
            body = _json(response)
            for tweet in body.get("data") or []:
                refs = tweet.get("referenced_tweets") if isinstance(tweet, dict) else None
                if any(isinstance(r, dict) and r.get("type") == "replied_to" and r.get("id") == tweet_id
                       for r in refs or []):
                    return PostResult(ref=tweet["id"], url=f"https://x.com/i/status/{tweet['id']}")
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                break
        return None

    # -- tweepy, and the one table that sorts its failures ----------------------------------

    def _target(self, case: CaseView) -> str:
        tweet_id = case.mention.reply_to or case.mention.external_id
        if not (tweet_id or "").isdigit():
            raise Refused(f"twitter: {tweet_id!r} is not the id of a post to reply to")
        return tweet_id

    def _tweepy(self) -> Any:
        if self._client is None:
            from sources.twitter_client import client

            self._client = client(self.settings)
        return self._client

    def _my_id(self) -> str:
        if self._me is None:
            client = self._tweepy()
            data = _json(self._call(lambda: client.get_me(user_auth=True), "who we are")).get("data")
            me = data.get("id") if isinstance(data, dict) else None
            if not isinstance(me, str) or not me.isdigit():
                raise RetryLater("twitter: X did not say which account the access token belongs to")
            self._me = me
        return self._me

    def _call(self, call: Callable[[], Any], what: str) -> requests.Response:
        import tweepy

        try:
            return call()
        except tweepy.TooManyRequests as exc:
            if usage_capped(exc.response):
                raise NeedsConfig(f"twitter: {what}: X's usage cap is spent ({self._words(exc.response)})") from None
            raise RetryLater(f"twitter: {what}: rate limited by X (429)", retry_after=reset_delay(exc.response, self.clock.now().timestamp())) from None
        except tweepy.TwitterServerError as exc:
            raise RetryLater(f"twitter: {what}: X server error {exc.response.status_code}") from None
        except tweepy.Unauthorized as exc:
            raise NeedsConfig(f"twitter: {what}: X refused the credentials (401: {self._words(exc.response)}); "
                              "check the consumer key/secret and the access token/secret") from None
        except tweepy.Forbidden as exc:
            words = self._words(exc.response)
            if any(marker in words.lower() for marker in REPLY_RULE + ("duplicate",)):
                raise Refused(f"twitter: X refused the reply (403: {words})") from None
            raise NeedsConfig(f"twitter: {what}: X refused access (403: {words}); the app may lack write "
                              "access or the account be restricted") from None
        except (tweepy.BadRequest, tweepy.NotFound) as exc:
            raise Refused(f"twitter: X refused the reply ({exc.response.status_code}: {self._words(exc.response)})") from None
        except tweepy.HTTPException as exc:  # 402 (no credits left) and other refusals
            raise NeedsConfig(f"twitter: {what}: X refused the request "
                              f"({exc.response.status_code}: {self._words(exc.response)})") from None
        except requests.Timeout:
            raise RetryLater(f"twitter: {what}: timed out after {self.settings.timeout_seconds:g} s") from None
        except requests.RequestException as exc:
            raise RetryLater(f"twitter: {what}: cannot reach X ({type(exc).__name__})") from None

    def _words(self, response: requests.Response) -> str:
        return self.mask(platform_words(response))


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise RetryLater("twitter: X answered something that is not JSON") from None
    return body if isinstance(body, dict) else {}

