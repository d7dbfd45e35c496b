"""Small builders for domain values used across core tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor.models import CaseState, Category, Draft, Judgement, Label, Mention
from monitor.store import Record

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def mention(n: int, *, source: str = "demo", text: str | None = None, author: str | None = None,
            at: datetime | None = None, rating: int | None = None) -> Mention:
    return Mention(
        source=source, external_id=f"m{n}", text=text or f"My order {n} never arrived",
        created_at=at or T0 + timedelta(seconds=n), fetched_at=at or T0 + timedelta(seconds=n),
        url=f"https://example.test/{n}", author=author or f"user{n}", rating=rating,
    )


def negative(language: str = "en", urgency: int = 40) -> Judgement:
    return Judgement(label=Label.NEGATIVE, scores={"negative": 0.9, "neutral": 0.07, "positive": 0.03},
                     needs_response=True, language=language, covered=True, model="test",
                     category=Category.DELIVERY, urgency=urgency, reasons=("negative 0.90",))


def complaint_record(n: int, **kw) -> Record:
    m = mention(n, **kw)
    return Record(mention=m, judgement=negative(), case_state=CaseState.AWAITING_APPROVAL,
                  deadline_at=m.created_at + timedelta(minutes=60),
                  draft=Draft(text=f"Sorry about order {n}", template="en/delivery", language="en"))
