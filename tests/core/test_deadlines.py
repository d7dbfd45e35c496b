"""Deadlines on a fake clock: a warning 15 minutes before, a breach at the deadline, once each;
the alerts they raise reach a (fake, local) Slack, and a rate-limited alert is retried, not lost."""
from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.alerts import SlackWebhookSink
from monitor.clock import FakeClock
from monitor.deadlines import Sweeper
from monitor.dispatch import AlertDispatcher
from monitor.secrets import Secret
from tests.core.factories import T0, complaint_record
from tests.fakes.slack_server import FakeSlack


@pytest.fixture
def fake_clock():
    return FakeClock(T0)


@pytest.fixture
def sweeper(store, fake_clock):
    return Sweeper(store, fake_clock, warning_minutes=15, desk_url="http://desk.test")


def open_case(store, n=1):
    return store.ingest("demo", [complaint_record(n)], None, now=T0).cases[0]


def test_nothing_happens_while_there_is_time(store, sweeper, fake_clock):
    open_case(store)
    fake_clock.advance(minutes=30)
    result = sweeper.sweep()
    assert (result.warned, result.breached) == ([], [])


def test_warning_fires_once_fifteen_minutes_before_the_deadline(store, sweeper, fake_clock):
    case_id = open_case(store)  # created T0+1s, deadline T0+60m+1s
    fake_clock.advance(minutes=45, seconds=2)
    assert sweeper.sweep().warned == [case_id]
    fake_clock.advance(minutes=1)
    assert sweeper.sweep().warned == []
    alerts = store.outbox.all()
    assert [a["kind"] for a in alerts] == ["warning"]
    assert alerts[0]["payload"]["case_url"] == f"http://desk.test/items/{case_id}"


def test_breach_fires_once_at_the_deadline(store, sweeper, fake_clock):
    case_id = open_case(store)
    fake_clock.advance(minutes=60, seconds=1)
    assert sweeper.sweep().breached == [case_id]
    fake_clock.advance(minutes=10)
    assert sweeper.sweep().breached == []
    assert [a["kind"] for a in store.outbox.all()] == ["breach"]
    assert any(e["kind"] == "deadline_breach" for e in store.events(case_id))


def test_a_sweeper_that_slept_past_the_deadline_reports_the_breach_not_a_late_warning(store, sweeper, fake_clock):
    open_case(store)
    fake_clock.advance(hours=3)
    result = sweeper.sweep()
    assert result.warned == [] and len(result.breached) == 1


def test_answered_cases_raise_no_deadline_alerts(store, sweeper, fake_clock):
    case_id = open_case(store)
    store.approve(case_id, "lead", T0 + timedelta(minutes=5), can_post=False)
    fake_clock.advance(hours=2)
    assert sweeper.sweep().breached == []
    assert store.outbox.all() == []


def test_two_sweepers_racing_alert_once(store, fake_clock):
    open_case(store)
    fake_clock.advance(hours=2)
    a = Sweeper(store, fake_clock, warning_minutes=15, desk_url="http://d")
    b = Sweeper(store, fake_clock, warning_minutes=15, desk_url="http://d")
    assert len(a.sweep().breached) + len(b.sweep().breached) == 1
    assert len(store.outbox.all()) == 1


def test_breach_alert_reaches_slack(store, sweeper, fake_clock, monkeypatch):
    open_case(store)
    fake_clock.advance(minutes=61)
    sweeper.sweep()
    with FakeSlack() as slack:
        monkeypatch.setenv("RW_TEST_WEBHOOK", slack.webhook_url)
        dispatcher = AlertDispatcher(store.outbox, SlackWebhookSink(Secret("RW_TEST_WEBHOOK")), fake_clock)
        assert dispatcher.flush() == 1
        assert len(slack.requests) == 1
        assert "breach" in str(slack.requests[0].json).lower()
    assert store.outbox.pending_count() == 0


def test_rate_limited_alert_is_retried_after_retry_after_not_lost(store, sweeper, fake_clock, monkeypatch):
    open_case(store, 1)
    open_case(store, 2)
    fake_clock.advance(minutes=61)
    sweeper.sweep()
    with FakeSlack() as slack:
        monkeypatch.setenv("RW_TEST_WEBHOOK", slack.webhook_url)
        dispatcher = AlertDispatcher(store.outbox, SlackWebhookSink(Secret("RW_TEST_WEBHOOK")), fake_clock)
        slack.respond(429, b"rate_limited", headers={"Retry-After": "30"})
        assert dispatcher.flush() == 0
        assert store.outbox.pending_count() == 2
        fake_clock.advance(seconds=10)
        assert dispatcher.flush() == 0  # still inside Retry-After: nothing sent
        assert len(slack.requests) == 1
        fake_clock.advance(seconds=25)
        assert dispatcher.flush() == 2
    assert store.outbox.pending_count() == 0


def test_permanently_refused_alert_is_marked_failed_with_the_reason(store, sweeper, fake_clock, monkeypatch):
    open_case(store)
    fake_clock.advance(minutes=61)
    sweeper.sweep()
    with FakeSlack() as slack:
        monkeypatch.setenv("RW_TEST_WEBHOOK", slack.webhook_url)
        slack.respond(404, b"no_service")
        AlertDispatcher(store.outbox, SlackWebhookSink(Secret("RW_TEST_WEBHOOK")), fake_clock).flush()
        webhook = slack.webhook_url
    row = store.outbox.all()[0]
    assert row["failed_at"] is not None and "no_service" in row["last_error"]
    assert webhook not in row["last_error"]
