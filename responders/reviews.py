"""What the review platforms' responders share (Google Play, Business Profile, App Store,
Trustpilot): a review has at most one public reply, and posting one replaces it.

So `post` reads the review's current reply first: when it is ours (the same text) it is
returned and nothing is sent; when someone wrote another one elsewhere (in the platform's
console) it is not overwritten: the case goes to a person with that reply quoted. And
`find_existing` is "the current reply, when its text is ours".
"""
from __future__ import annotations

from abc import abstractmethod
from typing import Any, Callable

from monitor.secrets import MissingSecret
from monitor.store import CaseView
from responders.base import NeedsConfig, PostResult, Refused, Responder, RetryLater, same_text
from sources.errors import SourceError, TransientSourceError
from sources.review_http import bearer


class ReviewResponder(Responder):
    def post(self, case: CaseView) -> PostResult:
        current = self.current_reply(case)
        if current is not None:
            text, result = current
            if same_text(text, self.outgoing_text(case)):
                return result
            quoted = " ".join(text.split())
            quoted = quoted if len(quoted) <= 80 else quoted[:79] + "…"
            raise Refused(f"{self.name}: the review already has a reply written elsewhere ({quoted!r}); "
                          "it was not overwritten")
        return self.publish(case)

    def find_existing(self, case: CaseView) -> PostResult | None:
        current = self.current_reply(case)
        if current is not None and same_text(current[0], self.outgoing_text(case)):
            return current[1]
        return None

    @abstractmethod
    def current_reply(self, case: CaseView) -> tuple[str, PostResult] | None:
        """The review's public reply now (its text, and where it is), or None."""

    @abstractmethod
    def publish(self, case: CaseView) -> PostResult:
        """Send the reply (create or replace)."""

    def review_id(self, case: CaseView) -> str:
        review_id = case.mention.reply_to or case.mention.external_id
        if not review_id:
            raise Refused(f"{self.name}: this mention has no review id to reply to")
        return review_id


def authorization(get_token: Callable[[], str], what: str, masked: Callable[[str], str]) -> dict[str, Any]:
    """Bearer headers from a token source whose failures are the sources' kinds."""
    try:
        return bearer(get_token())
    except TransientSourceError as exc:
        raise RetryLater(masked(f"{what}: {exc}"), retry_after=exc.retry_after) from None
    except (SourceError, MissingSecret) as exc:
        raise NeedsConfig(masked(f"{what}: cannot get an access token ({exc})")) from None
