"""Polling: exactly-once storage across polls and crashes; failing sources fail visibly and alone."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from typing import Any, Mapping

import pytest

from monitor.app import App
from monitor.models import FetchResult
from monitor.pipeline import Pipeline, default_steps
from monitor.polling import SourcePoller
from monitor.settings import load_settings
from sources.base import CheckResult, Source
from sources.errors import SourceConfigError, TransientSourceError
from tests.conftest import REPO
from tests.core.factories import T0, mention


def demo_settings(db_url: str, **demo: Any):
    section = {"enabled": True, "release_seconds": 0, **demo}
    return load_settings(os.devnull, environ={}, overrides={"database": {"url": db_url}, "sources": {"demo": section}})


@pytest.fixture
def demo_app(db_url, default_judge, clock):
    app = App(demo_settings(db_url), judge=default_judge, clock=clock)
    yield app
    app.close()


def test_second_poll_stores_nothing_new(demo_app):
    first = demo_app.poll("demo")
    assert first.status == "ok" and first.stored >= 60
    second = demo_app.poll("demo")
    assert (second.status, second.stored) == ("ok", 0)
    assert demo_app.store.mention_count() == first.stored


def test_cursor_survives_a_restart(db_url, default_judge, clock):
    app = App(demo_settings(db_url), judge=default_judge, clock=clock)
    stored = app.poll("demo").stored
    app.close()
    again = App(demo_settings(db_url), judge=default_judge, clock=clock)
    assert again.poll("demo").stored == 0
    assert again.store.mention_count() == stored
    again.close()


CRASHING_POLL = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {repo!r})
    from tests.core.test_polling import demo_settings
    from monitor.app import App
    from monitor.store import store as store_module

    original = store_module.Store._insert_record
    calls = [0]

    def crash_on_the_fifth(self, conn, record, now):
        calls[0] += 1
        if calls[0] == 5:
            os._exit(17)   # the process dies mid-transaction: no cleanup, no rollback code runs
        return original(self, conn, record, now)

    store_module.Store._insert_record = crash_on_the_fifth
    App(demo_settings({db!r})).poll("demo")
    """
)


@pytest.mark.slow
def test_crash_in_the_middle_of_a_poll_loses_and_duplicates_nothing(db_url, default_judge, clock):
    script = CRASHING_POLL.format(repo=str(REPO), db=db_url)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    crashed = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert crashed.returncode == 17, crashed.stderr[-2000:]
    app = App(demo_settings(db_url), judge=default_judge, clock=clock)
    assert app.store.mention_count() == 0  # the half-written batch was rolled back
    assert app.store.cursors.get("demo") is None
    outcome = app.poll("demo")
    from sources.demo import load_items

    assert outcome.stored == len(load_items()) == app.store.mention_count()
    ids = [c.mention.external_id for c in app.store.cases()]
    assert len(ids) == len(set(ids))
    app.close()


class ScriptedSource(Source):
    """A stand-in platform whose answers the test scripts (errors or mentions)."""

    name = "scripted"

    def __init__(self, script: list[Any]):
        super().__init__(Source.Settings(enabled=True))
        self.script = script
        self.calls = 0

    def check(self) -> CheckResult:
        return CheckResult(True, "scripted")

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        self.calls += 1
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


@pytest.fixture
def make_poller(store, default_judge, clock):
    from responders.drafting import Drafter
    from monitor.settings import Settings

    settings = Settings()
    pipeline = Pipeline(default_steps(store, default_judge, Drafter(settings.drafts, brand="Acme"), urgent_at=70),
                        store, clock)

    def make(name: str, script: list[Any]) -> SourcePoller:
        return SourcePoller(name, ScriptedSource(script), store, pipeline, clock, deadline_minutes=60,
                            max_reply_chars=None, lease_seconds=600, retry_seconds=30)

    return make


def batch(*ns: int, source: str = "flaky") -> FetchResult:
    return FetchResult([mention(n, source=source, text="Terrible, my parcel never arrived!") for n in ns],
                       {"last": ns[-1]})


def test_rate_limited_source_backs_off_for_retry_after_then_recovers(make_poller, store, clock):
    poller = make_poller("flaky", [TransientSourceError("flaky: rate limited (429)", retry_after=120), batch(1, 2)])
    first = poller.poll()
    assert first.failed and "429" in first.detail
    assert store.health.get("flaky")["state"] == "failing"
    clock.advance(seconds=60)
    assert poller.poll().status == "skipped"  # still inside Retry-After
    assert poller.source.calls == 1
    clock.advance(seconds=61)
    assert poller.poll().stored == 2
    kinds = [(a["kind"], a["payload"]["title"]) for a in store.outbox.all()]
    assert kinds == [("health", "flaky: failing"), ("health", "flaky: recovered")]


def test_bad_credentials_pause_the_source_and_tell_a_human_once(make_poller, store, clock):
    poller = make_poller("locked", [SourceConfigError("locked: access refused (401)")] * 3)
    for _ in range(3):
        assert poller.poll(force=True).status == "paused"
        clock.advance(minutes=1)
    health = store.health.get("locked")
    assert health["state"] == "paused" and "401" in health["detail"] and health["failures"] == 3
    assert [a["payload"]["title"] for a in store.outbox.all()] == ["locked: paused"]


def test_a_failing_source_does_not_stop_the_others(make_poller, store):
    broken = make_poller("broken", [ValueError("a bug in the parser")])
    healthy = make_poller("healthy", [batch(1, 2, 3, source="healthy")])
    assert broken.poll().failed
    assert healthy.poll().stored == 3
    assert store.mention_count("healthy") == 3


def test_an_overlapping_poll_of_the_same_source_is_refused(make_poller, store, clock):
    poller = make_poller("busy", [batch(1)])
    assert store.leases.acquire("poll:busy", "another-process", clock.now(), 600)
    outcome = poller.poll()
    assert outcome.status == "busy" and poller.source.calls == 0
    store.leases.release("poll:busy", "another-process")
    assert poller.poll().stored == 1


def test_items_sharing_a_timestamp_are_all_stored(make_poller, store):
    same = T0 + timedelta(minutes=3)
    result = FetchResult([mention(n, source="ts", at=same) for n in range(5)], {"c": 1})
    assert make_poller("ts", [result]).poll().stored == 5


def test_poll_once_exits_zero_when_every_source_succeeded(db_url, tmp_path, capsys):
    from monitor.cli import main

    cfg = tmp_path / "config.toml"
    cfg.write_text('[sources.demo]\nenabled = true\nrelease_seconds = 0\n', encoding="utf-8")
    assert main(["--config", str(cfg), "--db", db_url, "poll", "--once"]) == 0
    assert "demo: ok" in capsys.readouterr().out


@pytest.mark.slow
def test_urgent_complaints_reach_slack_right_after_the_poll_that_found_them(db_url, default_judge, clock, monkeypatch):
    from tests.fakes.slack_server import FakeSlack

    with FakeSlack() as slack:
        monkeypatch.setenv("RW_TEST_SLACK_HOOK", slack.webhook_url)
        settings = load_settings(os.devnull, overrides={
            "database": {"url": db_url},
            "sources": {"demo": {"enabled": True, "release_seconds": 0}},
            "alerts": {"slack": {"enabled": True, "webhook_url": {"env": "RW_TEST_SLACK_HOOK"}}},
        })
        app = App(settings, judge=default_judge, clock=clock)
        app.poll("demo")
        bodies = [str(r.json) for r in slack.requests]
        app.close()
    # the sample set's fire, lawyer and scam complaints are urgent (legal/safety words)
    assert any("caught fire" in b for b in bodies)
    assert any("lawyer" in b.lower() for b in bodies)
    assert all("<script>" not in b for b in bodies)  # hostile text is escaped for Slack
    assert app.store.outbox.pending_count() == 0
