"""The domain, as plain frozen values.

Every platform's payload is converted into one `Mention` at the source boundary, so the
pipeline, store, judge and drafter never see praw, tweepy or HTML objects.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping


class Label(str, enum.Enum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Category(str, enum.Enum):
    """What a complaint is about; it picks the remedy in the reply template."""

    DELIVERY = "delivery"
    DAMAGED = "damaged"  # damaged or defective goods
    REFUND = "refund"  # refunds and billing
    STAFF = "staff"  # rude staff, bad service
    APP = "app"  # app crashes, account and login trouble
    OTHER = "other"


class CaseState(str, enum.Enum):
    """Where a mention that needs an answer stands.

    awaiting_approval -> approved -> posting -> posted | failed
    awaiting_approval -> post_manually -> posted     (no posting API, or no credentials)
    awaiting_approval -> rejected
    triage: the model could not judge it (language not covered, judge error); a human decides.
    """

    AWAITING_APPROVAL = "awaiting_approval"
    TRIAGE = "triage"
    APPROVED = "approved"
    POSTING = "posting"
    POSTED = "posted"
    POST_MANUALLY = "post_manually"
    FAILED = "failed"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """Open cases are still waiting for the team; the deadline clock runs for them."""
        return self in (CaseState.AWAITING_APPROVAL, CaseState.TRIAGE)


@dataclass(frozen=True)
class Mention:
    """One public post or review, whatever platform it came from.

    `created_at` and `fetched_at` are timezone-aware UTC. `raw` is the platform payload
    (JSON-serialisable) kept for audit and re-parsing. `reply_to` is the platform id a reply
    must target (a Reddit fullname, a tweet id, a review id), when it differs from external_id.
    """

    source: str
    external_id: str
    text: str
    created_at: datetime
    url: str | None = None
    author: str | None = None
    author_reach: int | None = None
    title: str | None = None
    rating: int | None = None
    language: str | None = None
    fetched_at: datetime | None = None
    reply_to: str | None = None
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """Stable identity across polls, like Reddit's fullname."""
        return f"{self.source}:{self.external_id}"

    @property
    def full_text(self) -> str:
        """Title and body together: what the judge and drafter read."""
        if self.title and self.title.strip() and self.title.strip() not in self.text:
            return f"{self.title.strip()}\n{self.text}".strip()
        return self.text


@dataclass(frozen=True)
class Judgement:
    """What the judge decided about one mention, and why.

    `covered` is False when the mention's language is outside what the model was trained for:
    such a mention is never silently judged fine, it goes to triage.
    `urgency` is 0..100; `reasons` are short human-readable words behind needs_response/urgency.
    """

    label: Label | None
    scores: Mapping[str, float]
    needs_response: bool
    language: str | None
    covered: bool
    model: str
    category: Category = Category.OTHER
    urgency: int = 0
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draft:
    """A reply proposed by the drafter, before any human has seen it."""

    text: str
    template: str
    language: str


@dataclass(frozen=True)
class FetchResult:
    """What one `Source.fetch(cursor)` call returns: new mentions and where to resume."""

    mentions: list[Mention]
    cursor: Mapping[str, Any] | None
    errors: int = 0  # malformed items skipped (each one logged by the source)


class AlertKind(str, enum.Enum):
    URGENT = "urgent"  # an urgent complaint just arrived
    WARNING = "warning"  # a deadline is about to pass
    BREACH = "breach"  # a deadline passed with no response
    SPIKE = "spike"  # many negative mentions in a short time
    HEALTH = "health"  # a source started failing, or recovered


@dataclass(frozen=True)
class Alert:
    """One message for the team's channel. `dedupe_key` makes each alert fire once."""

    kind: AlertKind
    title: str
    dedupe_key: str
    text: str = ""  # the customer's words (untrusted), or a health message
    source: str | None = None
    url: str | None = None  # link to the post on its platform
    case_id: int | None = None
    case_url: str | None = None  # link to the case in the desk
    deadline_at: datetime | None = None
    urgency: int | None = None
    language: str | None = None
    author: str | None = None
