"""Fixtures for the web desk: a real App over a temporary SQLite file, cases made by the real
pipeline (with a scripted judge and the real drafter), a fake clock, users with cheap hashes."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from werkzeug.security import generate_password_hash

from monitor.app import App
from monitor.clock import FakeClock
from monitor.models import Category, Judgement, Label, Mention
from monitor.pipeline import Pipeline, default_steps
from monitor.settings import Settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PASSWORDS = {"anna": "anna-secret-1", "victor": "victor-secret-1"}
SIGNING_ENV = "REPLYWATCH_TEST_SLACK_SIGNING_SECRET"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def cheap_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1000")  # fast for tests only


def desk_settings(db_url: str, **web: Any) -> Settings:
    return Settings.model_validate({
        "database": {"url": db_url},
        "web": {
            "secret_key": None,
            "users": {
                "anna": {"password_hash": cheap_hash(PASSWORDS["anna"]), "role": "approver"},
                "victor": {"password_hash": cheap_hash(PASSWORDS["victor"]), "role": "viewer"},
            },
            "login_attempts": 3,
            "login_window_seconds": 300,
            **web,
        },
        "alerts": {"slack": {"signing_secret": {"env": SIGNING_ENV}}},
        "app": {"desk_url": "http://desk.test"},
    })


class ScriptedJudge:
    """Judges every mention negative (needs a response), except `raw={"covered": False}` ones,
    which the model "does not cover" (triage). `raw` may also set label, category, urgency."""

    def judge(self, mentions: list[Mention], prior_complaints: Callable[[Mention], int] | None = None):
        out = []
        for m in mentions:
            raw = dict(m.raw or {})
            if raw.get("covered", True) is False:
                out.append(Judgement(label=None, scores={}, needs_response=False, language=m.language or "fi",
                                     covered=False, model="scripted", reasons=("language not covered",)))
                continue
            label = Label(raw.get("label", "negative"))
            needs = raw.get("needs_response", label is Label.NEGATIVE)
            out.append(Judgement(
                label=label, scores={"negative": 0.91, "neutral": 0.06, "positive": 0.03} if needs else
                {"negative": 0.05, "neutral": 0.15, "positive": 0.8},
                needs_response=needs, language=m.language or "en", covered=True, model="scripted",
                category=Category(raw.get("category", "delivery")), urgency=int(raw.get("urgency", 55)),
                reasons=("negative 0.91", "rating 1/5") if needs else (),
            ))
        return out


@dataclass
class Cases:
    """Makes cases through the real pipeline: normalize, dedupe, judge, decide, draft, store."""

    app: App
    clock: FakeClock
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add(self, text: str = "My parcel never arrived and nobody answers.", *, source: str = "trustpilot",
            author: str = "Megan R.", minutes_ago: float = 5, url: str | None = None, title: str | None = None,
            rating: int | None = 1, language: str = "en", deadline_minutes: int = 60, **raw: Any) -> int | None:
        n = next(self.ids)
        at = self.clock.now() - timedelta(minutes=minutes_ago)
        mention = Mention(source=source, external_id=f"ext-{n}", text=text, created_at=at, fetched_at=at,
                          url=url if url is not None else f"https://reviews.example/{n}", author=author,
                          title=title, rating=rating, language=language, raw=raw)
        pipeline = Pipeline(default_steps(self.app.store, ScriptedJudge(), self.app.drafter, urgent_at=101),
                            self.app.store, self.clock)
        result, _ = pipeline.run(source, [mention], None, deadline_minutes=deadline_minutes)
        return result.cases[0] if result.cases else None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def signing_secret(monkeypatch) -> str:
    monkeypatch.setenv(SIGNING_ENV, SIGNING_SECRET)
    return SIGNING_SECRET


@pytest.fixture(scope="session")
def drafter():
    """The real drafter, built once: it compiles every reply template (a quarter of a second)."""
    from responders.drafting import Drafter

    return Drafter.from_settings(desk_settings("sqlite://"))


def make_app(db_url: str, clock: FakeClock, drafter) -> App:
    application = App(desk_settings(db_url), clock=clock)
    application.__dict__["drafter"] = drafter  # App.drafter is a cached_property
    return application


@pytest.fixture
def app(tmp_path, clock, signing_secret, drafter):
    application = make_app(f"sqlite:///{tmp_path / 'desk.db'}", clock, drafter)
    yield application
    application.close()


@pytest.fixture
def cases(app, clock) -> Cases:
    return Cases(app, clock)


@dataclass
class SlackSpy:
    """Background work runs at once (inline), and response_url posts are recorded."""

    posts: list[tuple[str, dict]] = field(default_factory=list)

    def run(self, job: Callable[[], None]) -> None:
        job()

    def post(self, url: str, body: dict) -> None:
        self.posts.append((url, body))


@pytest.fixture
def slack_spy() -> SlackSpy:
    return SlackSpy()


@pytest.fixture
def flask_app(app, slack_spy):
    from monitor.web import create_app

    web = create_app(app, background=slack_spy.run, slack_post=slack_spy.post)
    web.config["TESTING"] = True
    return web


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)


class Browser:
    """The Flask test client with the form habits of a person: fetch the page, post its token."""

    def __init__(self, client):
        self.client = client
        self.token = ""

    def get(self, path: str, **kw):
        response = self.client.get(path, **kw)
        found = _CSRF.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, *, token: str | None = None, **kw):
        form = dict(data or {})
        if token is not False:
            form.setdefault("csrf_token", token if token is not None else self.token)
        return self.client.post(path, data=form, **kw)

    def login(self, user: str, password: str | None = None, **kw):
        self.get("/login")
        return self.post("/login", {"username": user, "password": password or PASSWORDS[user]}, **kw)


@pytest.fixture
def browser(flask_app) -> Browser:
    return Browser(flask_app.test_client())


@pytest.fixture
def anna(browser) -> Browser:
    response = browser.login("anna")
    assert response.status_code == 302, response.get_data(as_text=True)
    browser.get("/queue")
    return browser


@pytest.fixture
def victor(flask_app) -> Browser:
    b = Browser(flask_app.test_client())
    assert b.login("victor").status_code == 302
    b.get("/queue")
    return b
