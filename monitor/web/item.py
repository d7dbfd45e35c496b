"""/items/<id>: one case in full, with the reply editor and the actions (see actions.py)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, render_template

from monitor.store import CaseView
from monitor.web.context import case_language, count_mode, desk
from monitor.web.filters import countdown
from responders.limits import reply_length

log = logging.getLogger("replywatch.web")
bp = Blueprint("item", __name__)


@bp.get("/items/<int:case_id>")
def item(case_id: int):
    return page(desk().case_or_404(case_id))


def page(case: CaseView, *, text: str | None = None, error: str | None = None, status: int = 200):
    """The item page; `text` keeps what the user typed when an action sends them back."""
    d = desk()
    m = case.mention
    reply = text if text is not None else (case.draft.final_text if case.draft else "")
    return render_template(
        "item.html",
        case=case,
        mention=m,
        judgement=case.judgement,
        countdown=countdown(case, d.clock.now(), d.settings.deadlines.warning_minutes * 60),
        reply=reply,
        length=reply_length(reply, m.source),
        error=error,
        limit=d.reply_limit(m.source),
        count_mode=count_mode(m.source),
        templates=_templates(case),
        earlier=d.reports.earlier_mentions(m.author, mention_id=case.mention_id, before=m.created_at),
        events=d.reports.history(case_id=case.id, limit=50),
    ), status


def _templates(case: CaseView) -> list[str]:
    drafter = desk().drafter
    if drafter is None:
        return []
    try:
        return list(drafter.templates_for(case_language(case)))
    except Exception:  # the page must show even if the drafter cannot list templates
        log.exception("web: listing reply templates for case %s failed", case.id)
        return []


def notify(text: str, kind: str = "info", *, href: str | None = None, link: str | None = None) -> None:
    """A flash message shown on the next page; an optional link (a path on this site)."""
    message: dict[str, Any] = {"text": text}
    if href and link:
        message.update(href=href, link=link)
    flash(message, kind)
