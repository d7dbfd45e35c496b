"""The store: one transaction per batch and cursor, unique mentions, recorded transitions."""
from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.models import Alert, AlertKind, CaseState
from monitor.store import Record, TransitionError
from tests.core.factories import T0, complaint_record, mention


def test_batch_and_cursor_are_stored_together(store):
    result = store.ingest("demo", [complaint_record(1), Record(mention(2))], {"page": 2}, now=T0)
    assert result.stored == 2 and len(result.cases) == 1
    assert store.cursors.get("demo") == {"page": 2}
    assert store.mention_count("demo") == 2


def test_reingesting_the_same_mentions_stores_nothing_new(store):
    store.ingest("demo", [complaint_record(1), complaint_record(2)], {"n": 1}, now=T0)
    again = store.ingest("demo", [complaint_record(2), complaint_record(3)], {"n": 2}, now=T0)
    assert (again.stored, again.duplicates) == (1, 1)
    assert store.mention_count() == 3
    assert len(store.open_queue()) == 3


def test_same_external_id_on_two_sources_are_two_mentions(store):
    store.ingest("demo", [Record(mention(1))], None, now=T0)
    store.ingest("reddit", [Record(mention(1, source="reddit"))], None, now=T0)
    assert store.mention_count() == 2


def test_failure_mid_batch_stores_nothing_and_keeps_the_old_cursor(store):
    store.ingest("demo", [complaint_record(1)], {"n": 1}, now=T0)

    def explode(case_id):
        raise RuntimeError("crash while writing the batch")

    broken = complaint_record(3)
    broken.alerts = explode
    with pytest.raises(RuntimeError):
        store.ingest("demo", [complaint_record(2), broken, complaint_record(4)], {"n": 2}, now=T0)
    assert store.mention_count() == 1
    assert store.cursors.get("demo") == {"n": 1}
    # the retry stores every mention exactly once
    store.ingest("demo", [complaint_record(2), complaint_record(3), complaint_record(4)], {"n": 2}, now=T0)
    assert store.mention_count() == 4
    assert store.cursors.get("demo") == {"n": 2}


def test_queue_is_ordered_by_deadline(store):
    late, early = complaint_record(1), complaint_record(2)
    late.deadline_at = T0 + timedelta(minutes=50)
    early.deadline_at = T0 + timedelta(minutes=5)
    store.ingest("demo", [late, early], None, now=T0)
    assert [c.mention.external_id for c in store.open_queue()] == ["m2", "m1"]


def test_approve_records_who_when_and_the_edited_text_beside_the_draft(store):
    case_id = store.ingest("demo", [complaint_record(1)], None, now=T0).cases[0]
    later = T0 + timedelta(minutes=12)
    case = store.approve(case_id, "lead@acme", later, text="Edited reply", can_post=False)
    assert case.state is CaseState.POST_MANUALLY
    assert case.responded_at == later
    assert case.draft.text == "Sorry about order 1" and case.draft.edited_text == "Edited reply"
    assert case.draft.final_text == "Edited reply"
    assert (case.draft.decided_by, case.draft.decided_at) == ("lead@acme", later)
    kinds = [e["kind"] for e in store.events(case_id)]
    assert kinds[0] == "approved" and "case_opened" in kinds and "draft_created" in kinds
    assert store.events(case_id)[0]["actor"] == "lead@acme"


def test_approve_without_edit_keeps_no_edited_text(store):
    case_id = store.ingest("demo", [complaint_record(1)], None, now=T0).cases[0]
    case = store.approve(case_id, "lead", T0, can_post=True)
    assert case.state is CaseState.APPROVED and case.draft.edited_text is None


def test_a_case_cannot_be_approved_twice(store):
    case_id = store.ingest("demo", [complaint_record(1)], None, now=T0).cases[0]
    store.approve(case_id, "a", T0, can_post=True)
    with pytest.raises(TransitionError, match="is approved"):
        store.approve(case_id, "b", T0, can_post=True)


def test_reject_requires_a_reason_and_closes_the_case(store):
    case_id = store.ingest("demo", [complaint_record(1)], None, now=T0).cases[0]
    with pytest.raises(TransitionError, match="reason"):
        store.reject(case_id, "lead", T0, reason=" ")
    case = store.reject(case_id, "lead", T0, reason="spam")
    assert case.state is CaseState.REJECTED and case.draft.reason == "spam"
    assert store.open_queue() == []


def test_posting_state_machine_never_goes_back_to_posting_after_posted(store):
    case_id = store.ingest("demo", [complaint_record(1)], None, now=T0).cases[0]
    store.approve(case_id, "lead", T0, can_post=True)
    store.begin_posting(case_id, T0)
    store.mark_posted(case_id, T0, ref="t1_abc")
    with pytest.raises(TransitionError):
        store.begin_posting(case_id, T0)
    assert store.case(case_id).posted_ref == "t1_abc"


def test_lease_is_exclusive_until_released_or_expired(store):
    assert store.leases.acquire("poll:demo", "a", T0, 60)
    assert not store.leases.acquire("poll:demo", "b", T0, 60)
    assert store.leases.acquire("poll:demo", "b", T0 + timedelta(seconds=61), 60)
    store.leases.release("poll:demo", "b")
    assert store.leases.acquire("poll:demo", "a", T0 + timedelta(seconds=62), 60)


def test_outbox_queues_each_dedupe_key_once(store):
    alert = Alert(kind=AlertKind.BREACH, title="t", dedupe_key="breach:case:1")
    assert store.outbox.enqueue(alert, T0)
    assert not store.outbox.enqueue(alert, T0)
    assert store.outbox.pending_count() == 1


def test_times_come_back_timezone_aware(store):
    store.ingest("demo", [complaint_record(1)], None, now=T0)
    case = store.open_queue()[0]
    assert case.deadline_at.tzinfo is not None and case.mention.created_at == T0 + timedelta(seconds=1)


def test_lease_of_a_dead_holder_is_taken_over(store):
    assert store.leases.acquire("poll:demo", "host:1:dead", T0, 600)
    assert not store.leases.acquire("poll:demo", "host:2:alive", T0, 600, stale=lambda h: False)
    assert store.leases.acquire("poll:demo", "host:2:alive", T0, 600, stale=lambda h: h == "host:1:dead")


def test_nul_characters_in_payloads_are_dropped_not_fatal(store):
    from dataclasses import replace

    m = replace(mention(1, text="broken\x00text"), raw={"body": "a\x00b", "list": ["\x00"]})
    store.ingest("demo", [Record(m)], None, now=T0)
    assert store.mention_count() == 1
