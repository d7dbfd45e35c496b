"""monitor/store/reports.py: the dashboard's and history's read-only queries."""
from __future__ import annotations

from datetime import timedelta

from monitor.models import CaseState
from monitor.store.reports import Reports, buckets
from tests.web.conftest import T0


def test_volume_counts_mentions_per_hour_source_and_sentiment(app, cases, clock):
    cases.add(source="trustpilot", minutes_ago=10)
    cases.add(source="trustpilot", minutes_ago=20)
    cases.add(source="google_play", minutes_ago=70)
    cases.add(source="google_play", minutes_ago=75, label="positive")  # recorded, no case
    cases.add(source="reddit", minutes_ago=30, covered=False, language="fi")
    volume = Reports(app.store.engine).volume(T0 - timedelta(hours=3), T0, "hour")
    assert volume == {
        (T0 - timedelta(hours=1), "trustpilot", "negative"): 2,
        (T0 - timedelta(hours=2), "google_play", "negative"): 1,
        (T0 - timedelta(hours=2), "google_play", "positive"): 1,
        (T0 - timedelta(hours=1), "reddit", "not judged"): 1,
    }


def test_buckets_cover_the_window_whole():
    steps = buckets(T0 - timedelta(hours=2, minutes=30), T0, "hour")
    assert steps == [T0 - timedelta(hours=3), T0 - timedelta(hours=2), T0 - timedelta(hours=1), T0]


def test_a_case_is_due_once_answered_or_past_its_deadline(app, cases, clock, anna):
    reports = Reports(app.store.engine)
    cases.add(minutes_ago=30)  # stays open
    answered = cases.add(minutes_ago=40)
    anna.post(f"/items/{answered}/approve", {"text": "Sorry!"})
    window = (T0 - timedelta(days=1), T0 + timedelta(days=1))
    [stats] = reports.source_stats(*window, now=clock.now())
    assert (stats.cases, stats.due, stats.on_time, stats.breaches) == (2, 1, 1, 0)
    later = clock.now() + timedelta(minutes=31)  # the open case's deadline has passed
    [stats] = reports.source_stats(*window, now=later)
    assert (stats.due, stats.on_time, stats.breaches) == (2, 1, 1)
    assert stats.median_response_seconds == 40 * 60


def test_earlier_mentions_are_the_same_authors_on_any_source_newest_first(app, cases):
    a = cases.add("one", source="app_store", author="dana", minutes_ago=30)
    b = cases.add("two", source="reddit", author="dana", minutes_ago=20, label="positive")
    cases.add("other person", author="erik", minutes_ago=15)
    now = cases.add("three", source="trustpilot", author="dana", minutes_ago=10)
    case = app.store.case(now)
    found = Reports(app.store.engine).earlier_mentions("dana", mention_id=case.mention_id,
                                                       before=case.mention.created_at)
    assert [(e.text, e.source, e.label, e.case_id) for e in found] == [
        ("two", "reddit", "positive", None), ("one", "app_store", "negative", a)]
    assert b is None  # a positive mention opens no case


def test_history_pairs_each_approval_with_its_draft_and_the_sent_text(app, cases, anna):
    case = cases.add()
    draft = app.store.case(case).draft
    anna.post(f"/items/{case}/approve", {"text": "Short and kind.", "draft_id": draft.id})
    entries = Reports(app.store.engine).history(case_id=case)
    assert [e.kind for e in entries] == ["approved", "draft_created", "case_opened"]
    approved = entries[0]
    assert approved.actor == "anna" and approved.source == "trustpilot"
    assert approved.draft_text == draft.text and approved.sent_text == "Short and kind." and approved.edited
    older = Reports(app.store.engine).history(before=entries[0].id, limit=1)
    assert [e.id for e in older] == [entries[1].id]


def test_state_counts_and_queue_order(app, cases):
    first, second = cases.add(minutes_ago=5), cases.add(minutes_ago=50)
    cases.add(covered=False, language="fi")
    reports = Reports(app.store.engine)
    assert reports.state_counts() == {"awaiting_approval": 2, "triage": 1}
    assert reports.case_ids(CaseState.AWAITING_APPROVAL) == [second, first]
