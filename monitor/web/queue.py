"""/queue: open cases by deadline, with filters and one tab per state the team works on."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from monitor.models import CaseState
from monitor.web.context import desk
from monitor.web.filters import countdown

bp = Blueprint("queue", __name__)

TABS = [
    (CaseState.AWAITING_APPROVAL, "Awaiting approval"),
    (CaseState.TRIAGE, "Triage"),
    (CaseState.POST_MANUALLY, "Post by hand"),
    (CaseState.FAILED, "Posting failed"),
]
CLOSED = [CaseState.POSTED, CaseState.REJECTED, CaseState.APPROVED, CaseState.POSTING]


@bp.get("/")
def home():
    return redirect(url_for("queue.queue"))


@bp.get("/queue")
def queue():
    d = desk()
    try:
        state = CaseState(request.args.get("state") or CaseState.AWAITING_APPROVAL.value)
    except ValueError:
        abort(400, description="Unknown state; choose one of " + ", ".join(s.value for s in CaseState) + ".")
    source = request.args.get("source") or None
    language = request.args.get("language") or None
    focus = request.args.get("focus", type=int)
    cases = d.store.cases([state], source=source, language=language)
    now = d.clock.now()
    warning = d.settings.deadlines.warning_minutes * 60
    sources, languages = d.reports.filter_options()
    return render_template(
        "queue.html",
        cases=cases,
        countdowns={c.id: countdown(c, now, warning) for c in cases},
        state=state, tabs=TABS, closed=CLOSED, counts=d.reports.state_counts(),
        source=source, language=language, sources=sources, languages=languages,
        focus=focus if any(c.id == focus for c in cases) else (cases[0].id if cases else None),
    )
