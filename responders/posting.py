"""Posting approved replies: a state machine that never blindly re-posts.

    approved -> posting -> posted
                        -> failed -> (retry: posting ...) | post_manually

- `deliver_approved` (CLI, web desk, Slack): the approval is committed first (who, when, the
  text); then, when the source has a responder, the reply is posted at once, because a person
  is waiting. Without one (no posting API, or no posting credentials) the case becomes "post
  manually": the text ready to copy and the link to the post.
- `post_pending` (the daemon, every ~30 s): posts approved cases, retries failed ones whose
  error was retryable once their back-off has passed, and reconciles attempts that were
  interrupted (a case left in `posting` by a crash).

Every attempt starts with `Store.begin_posting` (a conditional UPDATE: only one process wins a
case) and ends in exactly one recorded outcome. Before every attempt after the first (the case
has attempts behind it, is `failed`, or was found in `posting`), the responder first looks for
our reply on the platform; if it is there the case is marked posted with its ref and nothing is
sent. The outcome of an attempt decides what follows:

| what happened                         | the case becomes                        | retried?                   |
|---------------------------------------|-----------------------------------------|----------------------------|
| posted (or found already there)       | posted                                  | -                          |
| over the platform's length limit      | failed, with the length and the limit   | no: shorten and re-approve |
| RetryLater: 429, 5xx, timeout         | failed, "retrying at ..."               | yes, capped back-off with  |
|                                       |                                         | jitter; Retry-After wins   |
| Refused: 400/404/422, X's reply rule  | failed, then post_manually with reason  | no                         |
| NeedsConfig: 401/403, no credits      | failed, reason kept                     | once the config changed    |
| Unconfirmed: maybe taken, no proof    | posted if found, else post_manually     | no (never re-sent)         |
| MAX_ATTEMPTS attempts                 | post_manually (after one last look)     | no                         |

What was decided about an attempt is an event of the case, written before the state changes:
`post_retry_scheduled` (when), `post_needs_config` (under which configuration fingerprint),
`post_refused` (why), `post_interrupted`; next to the store's own `posting` / `posted` /
`post_failed` / `post_manually` events, and `post_result` (the link, and whether the reply
was found already there). A crash between a decision and its transition leaves the case in
`posting` (reconciled after INTERRUPTED_AFTER) or `failed` with the decision to finish.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from monitor.alerts.backoff import next_attempt_delay
from monitor.clock import Clock
from monitor.models import CaseState
from monitor.store import CaseView, Store, TransitionError
from responders.base import NeedsConfig, PostError, PostResult, Refused, Responder, RetryLater, Unconfirmed
from responders.registry import build_responder
from sources.errors import NotConfigured

log = logging.getLogger("replywatch.posting")

SYSTEM = "replywatch"
RETRY_BASE_SECONDS = 60.0  # first retry after 30-60 s, doubling
RETRY_CAP_SECONDS = 15 * 60.0  # never more than 15 min apart (unless the platform asks for longer)
MAX_ATTEMPTS = 8  # then a person takes over
INTERRUPTED_AFTER = timedelta(minutes=5)  # a case this long in `posting` was interrupted (a crash)
PENDING = (CaseState.APPROVED, CaseState.POSTING, CaseState.FAILED)


@dataclass(frozen=True)
class Outcome:
    """What one attempt (or a decision not to attempt) left a case as, in words for a person."""

    case_id: int
    state: CaseState
    message: str
    ref: str | None = None
    url: str | None = None
    retry_at: datetime | None = None


DECISIONS = ("post_retry_scheduled", "post_needs_config", "post_interrupted", "post_refused")


@dataclass(frozen=True)
class History:
    """A case's posting history, read from its events: how many attempts began, when the last one
    did, and what was decided about it (recorded BEFORE the state changed, so a crash in between
    leaves the case in `posting`, which is reconciled, never in a state nobody acts on)."""

    attempts: int = 0
    last_started: datetime | None = None
    decision: dict[str, Any] | None = None  # the newest decision event after the last attempt began

    @classmethod
    def of(cls, events: Iterable[dict[str, Any]]) -> "History":
        newest_first = sorted(events, key=lambda e: e["id"], reverse=True)
        attempts = sum(1 for e in newest_first if e["kind"] == "posting")
        last_started = decision = None
        for event in newest_first:
            if event["kind"] == "posting":
                last_started = event["at"]
                break
            if decision is None and event["kind"] in DECISIONS:
                decision = event
        return cls(attempts, last_started, decision)


# -- the entry points ---------------------------------------------------------------------------


def deliver_approved(store: Store, settings: Any, case: CaseView, *, actor: str, text: str | None,
                     clock: Clock) -> str:
    """Approve the case, then post it now (or hand it over); a sentence for the person waiting."""
    source = case.mention.source
    responder, why_not = _build(source, settings.source_settings().get(source), clock)
    approved = store.approve(case.id, actor, clock.now(), text=text, can_post=responder is not None)
    if responder is None:
        reply = approved.draft.final_text if approved.draft else text or ""
        return (
            f"case {case.id}: approved by {actor}; post it manually on {source} ({why_not}):\n"
            f"  link: {case.mention.url or '(no link)'}\n"
            f"---\n{reply}\n---"
        )
    outcome = attempt(store, responder, approved, clock, history=History())
    return f"case {case.id}: approved by {actor}; {outcome.message}"


def post_pending(store: Store, settings: Any, clock: Clock, *, http: Any = None) -> list[Outcome]:
    """The daemon's job: post what is approved, retry what is due, reconcile what was interrupted.

    One case's unexpected error is logged and the others go on.
    """
    sections = settings.source_settings()
    built: dict[str, tuple[Responder | None, str]] = {}
    outcomes: list[Outcome] = []
    for case in store.cases(PENDING):
        source = case.mention.source
        try:
            if source not in built:
                built[source] = _build(source, sections.get(source), clock, http=http)
            outcome = _pending(store, case, *built[source], clock)
        except Exception:  # a bug in one case must not stop the others
            log.exception("posting: case %s failed unexpectedly", case.id)
            continue
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _build(source: str, section: Any, clock: Clock, *, http: Any = None) -> tuple[Responder | None, str]:
    try:
        return build_responder(source, section, http=http, clock=clock), ""
    except NotConfigured as exc:
        return None, str(exc)


def _pending(store: Store, case: CaseView, responder: Responder | None, why_not: str,
             clock: Clock) -> Outcome | None:
    history = History.of(store.events(case.id))
    now = clock.now()
    if case.state is CaseState.POSTING:
        if history.last_started is not None and now - history.last_started < INTERRUPTED_AFTER:
            return None  # an attempt is under way, in this process or another
        started = f"{history.last_started:%Y-%m-%d %H:%M:%S} UTC" if history.last_started else "earlier"
        store.record_event(SYSTEM, "post_interrupted", now, case_id=case.id, detail={"started": started})
        try:
            store.mark_post_failed(case.id, now, error=f"the attempt started {started} was interrupted before "
                                                       "its outcome was recorded")
        except TransitionError:
            return None  # another process got there first
        case = store.case(case.id)
    elif case.state is CaseState.FAILED:
        decision = history.decision or {}
        if decision.get("kind") == "post_refused":  # the hand-over was interrupted: finish it
            return _hand_over(store, case, clock, f"{decision['detail']['reason']}; post it manually")
        if not _due(history, responder, now):
            return None
    if responder is None:
        checked = " (an earlier attempt may have reached it: look first)" if history.attempts else ""
        return _hand_over(store, case, clock, f"{why_not}; post it manually{checked}")
    return attempt(store, responder, case, clock, history=history)


def _due(history: History, responder: Responder | None, now: datetime) -> bool:
    decision = history.decision or {}
    kind, detail = decision.get("kind"), decision.get("detail") or {}
    if kind == "post_retry_scheduled":
        return datetime.fromisoformat(detail["retry_at"]) <= now
    if kind == "post_needs_config":  # retried only once the configuration changed
        return responder is None or responder.fingerprint() != detail["fingerprint"]
    return kind == "post_interrupted"  # else it failed for good (too long): a person acts


# -- one attempt --------------------------------------------------------------------------------


def attempt(store: Store, responder: Responder, case: CaseView, clock: Clock, *, history: History) -> Outcome:
    """One pass through the state machine for a case that is `approved` or `failed`."""
    reconcile = history.attempts > 0 or case.state is not CaseState.APPROVED
    try:
        store.begin_posting(case.id, clock.now())
    except TransitionError as exc:
        current = store.case(case.id)
        return Outcome(case.id, current.state if current else case.state, f"not posted now: {exc}")
    number = history.attempts + 1
    try:
        problem = responder.length_problem(case)
        if problem is not None:
            return _failed(store, case, clock, f"{responder.name}: not posted: {problem}")
        if reconcile:
            found = responder.find_existing(case)
            if found is not None:
                return _posted(store, case, clock, responder, found, reconciled=True)
            if history.attempts >= MAX_ATTEMPTS:
                return _refused(store, case, clock, Refused(
                    f"{responder.name}: gave up after {history.attempts} attempts ({case.last_error or 'no error kept'}); "
                    "our reply is not on the platform"))
        result = responder.post(case)
    except RetryLater as exc:
        return _retry(store, case, clock, exc, number)
    except NeedsConfig as exc:
        store.record_event(SYSTEM, "post_needs_config", clock.now(), case_id=case.id,
                           detail={"attempt": number, "fingerprint": responder.fingerprint(), "reason": exc.reason})
        return _failed(store, case, clock, f"{exc.reason}; not retried until the configuration changes")
    except Refused as exc:
        return _refused(store, case, clock, exc)
    except Unconfirmed as exc:
        return _unconfirmed(store, case, clock, responder, exc)
    except Exception as exc:  # a bug: the outcome is unknown, so the next attempt looks first
        log.exception("posting: case %s: unexpected error from the %s responder", case.id, responder.name)
        return _retry(store, case, clock, RetryLater(f"{responder.name}: unexpected {type(exc).__name__} "
                                                     "(see the log)"), number)
    return _posted(store, case, clock, responder, result, reconciled=False)


def _posted(store: Store, case: CaseView, clock: Clock, responder: Responder, result: PostResult, *,
            reconciled: bool) -> Outcome:
    now = clock.now()
    where = result.url or result.ref
    try:
        store.mark_posted(case.id, now, ref=result.ref)
    except TransitionError as exc:  # someone changed the case meanwhile (say, marked it posted by hand)
        log.warning("posting: case %s: our reply is on %s (%s) but the case changed: %s",
                    case.id, responder.name, where, exc)
        current = store.case(case.id)
        return Outcome(case.id, current.state if current else case.state,
                       f"the reply is on {responder.name} ({where}), but the case had changed: {exc}",
                       ref=result.ref, url=result.url)
    store.record_event(SYSTEM, "post_result", now, case_id=case.id,
                       detail={"ref": result.ref, "url": result.url, "found_existing": reconciled})
    if reconciled:
        message = f"our reply was already on {responder.name}, not posted again: {where}"
    else:
        message = f"posted on {responder.name}: {where}"
    return Outcome(case.id, CaseState.POSTED, message, ref=result.ref, url=result.url)


def _retry(store: Store, case: CaseView, clock: Clock, exc: PostError, number: int) -> Outcome:
    now = clock.now()
    delay = next_attempt_delay(number, exc.retry_after, RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS)
    retry_at = now + timedelta(seconds=delay)
    store.record_event(SYSTEM, "post_retry_scheduled", now, case_id=case.id,
                       detail={"attempt": number, "retry_at": retry_at.isoformat(), "reason": exc.reason})
    when = f"{retry_at:%Y-%m-%d %H:%M:%S} UTC"
    store.mark_post_failed(case.id, now, error=f"{exc.reason}; retrying at {when}")
    return Outcome(case.id, CaseState.FAILED, f"not posted yet ({exc.reason}); retrying at {when}", retry_at=retry_at)


def _failed(store: Store, case: CaseView, clock: Clock, reason: str) -> Outcome:
    store.mark_post_failed(case.id, clock.now(), error=reason)
    return Outcome(case.id, CaseState.FAILED, f"not posted: {reason}")


def _refused(store: Store, case: CaseView, clock: Clock, exc: PostError) -> Outcome:
    store.record_event(SYSTEM, "post_refused", clock.now(), case_id=case.id, detail={"reason": exc.reason})
    store.mark_post_failed(case.id, clock.now(), error=exc.reason)
    return _hand_over(store, case, clock, f"{exc.reason}; post it manually")


def _unconfirmed(store: Store, case: CaseView, clock: Clock, responder: Responder, exc: Unconfirmed) -> Outcome:
    try:
        found = responder.find_existing(case)
    except PostError as look:
        found, exc = None, Unconfirmed(f"{exc.reason}; looking for it failed too ({look.reason})")
    if found is not None:
        return _posted(store, case, clock, responder, found, reconciled=True)
    return _refused(store, case, clock, Refused(f"{exc.reason}; check the post before answering it by hand"))


def _hand_over(store: Store, case: CaseView, clock: Clock, reason: str) -> Outcome:
    store.hand_over(case.id, clock.now(), reason=reason)
    return Outcome(case.id, CaseState.POST_MANUALLY,
                   f"not posted: {reason}:\n  link: {case.mention.url or '(no link)'}\n"
                   f"---\n{case.draft.final_text if case.draft else ''}\n---")
