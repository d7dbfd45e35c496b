"""Builders for the posting tests: a case with an approved reply, settings, what a server saw."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from monitor.models import CaseState, Category, Draft, Judgement, Label, Mention
from monitor.settings import Settings
from monitor.store import CaseView, Record, Store
from tests.fakes.replay_server import ReplayServer, Seen

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
REPLY = "We're sorry about your order. Please write to support@acme.example and we'll sort it out. Alex, Acme"


def mention(source: str, external_id: str, *, reply_to: str | None = None, raw: dict[str, Any] | None = None,
            url: str | None = None, author: str | None = None, text: str = "Still waiting for my order.",
            title: str | None = None, language: str | None = "en") -> Mention:
    return Mention(source=source, external_id=external_id, text=text, title=title, created_at=T0, fetched_at=T0,
                   url=url or f"https://{source}.example/{external_id}", author=author, reply_to=reply_to,
                   language=language, raw=raw)


def open_case(store: Store, m: Mention, text: str = REPLY) -> int:
    judgement = Judgement(label=Label.NEGATIVE, scores={"negative": 0.9}, needs_response=True, language="en",
                          covered=True, model="test", category=Category.DELIVERY, urgency=50)
    record = Record(mention=m, judgement=judgement, case_state=CaseState.AWAITING_APPROVAL,
                    deadline_at=T0 + timedelta(hours=1), draft=Draft(text=text, template="en/delivery", language="en"))
    return store.ingest(m.source, [record], None, now=T0).cases[0]


def approved(store: Store, m: Mention, text: str = REPLY) -> CaseView:
    """A case whose reply was approved for posting (what deliver_approved does before posting)."""
    case_id = open_case(store, m, text)
    return store.approve(case_id, "lead@acme", T0, can_post=True)


def settings(**sections: dict[str, Any]) -> Settings:
    return Settings.model_validate({"sources": sections})


def sent(server: ReplayServer, method: str, path: str) -> list[Seen]:
    return [r for r in server.requests if r.method == method and r.path == path]


def kinds(store: Store, case_id: int) -> list[str]:
    """The case's events, oldest first."""
    return [e["kind"] for e in reversed(store.events(case_id))]


# -- Reddit (PRAW's cassettes through the replay server) ------------------------------------------

REDDIT_ENV = {
    "RW_REDDIT_ID": "id-Zx81kq-never-shown",
    "RW_REDDIT_SECRET": "secret-Qp27vb-never-shown",
    "RW_REDDIT_USER": "replywatch_test",  # the <USERNAME> of PRAW's cassettes, as tests.fakes substitutes it
    "RW_REDDIT_PASSWORD": "pw-Hk55tt-never-shown",
}


def reddit_section(server: ReplayServer, **extra: Any) -> dict[str, Any]:
    """[sources.reddit] for a script app's account, pointed at the replay server. Tokens are asked
    of `localhost` and the API of `127.0.0.1` (two hosts, as on Reddit; see tests/sources/test_reddit)."""
    return {"client_id": {"env": "RW_REDDIT_ID"}, "client_secret": {"env": "RW_REDDIT_SECRET"},
            "username": {"env": "RW_REDDIT_USER"}, "password": {"env": "RW_REDDIT_PASSWORD"},
            "oauth_url": server.url, "reddit_url": server.url.replace("127.0.0.1", "localhost"),
            "keywords": ["acme"], **extra}


def reddit_listing(*things: dict[str, Any]) -> dict[str, Any]:
    """A Reddit Listing (the shape of every recorded listing answer) holding `things`."""
    return {"kind": "Listing", "data": {"after": None, "before": None, "dist": len(things), "modhash": "",
                                        "geo_filter": "", "children": list(things)}}
