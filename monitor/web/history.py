"""/history: the event log, newest first: who did what when, and for approvals the draft beside
the text that was actually sent, with a word diff."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from monitor.web.context import desk

bp = Blueprint("history", __name__)
PAGE = 100


@bp.get("/history")
def history():
    before = request.args.get("before", type=int)
    case_id = request.args.get("case", type=int)
    people = request.args.get("people") == "1"
    entries = desk().reports.history(limit=PAGE, before=before, case_id=case_id, people_only=people)
    older = entries[-1].id if len(entries) == PAGE else None
    return render_template("history.html", entries=entries, case_id=case_id, older=older, people=people)
