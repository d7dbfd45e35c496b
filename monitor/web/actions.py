"""What an approver does to a case: approve (as drafted or edited), reject, regenerate, mark
posted by hand. Each one is a POST (CSRF-checked), needs the approver role, records an event
with the user as actor, and redirects to the queue with the next case selected.

Approval goes through `responders.posting.deliver_approved`, the one path that approves and
then posts or hands over; nothing here posts by itself.
"""
from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, request, url_for

from monitor.models import CaseState
from monitor.store import CaseView, TransitionError
from monitor.web.context import case_language, desk, http_url, require_approver
from monitor.web.item import notify, page
from responders.limits import reply_length
from responders.posting import deliver_approved

log = logging.getLogger("replywatch.web")
bp = Blueprint("actions", __name__)
MAX_REASON = 1000


def _item_url(case_id: int) -> str:
    return url_for("item.item", case_id=case_id)


def _next_in_queue(case: CaseView) -> str:
    """The queue of the case's current state, with the case after this one selected."""
    ids = desk().reports.case_ids(case.state)
    following = None
    if case.id in ids:
        at = ids.index(case.id)
        rest = ids[at + 1:] or ids[:at][-1:]
        following = rest[0] if rest else None
    state = None if case.state is CaseState.AWAITING_APPROVAL else case.state.value
    return url_for("queue.queue", state=state, focus=following)


def _text(field: str) -> str:
    """Form text with the browser's CRLF line ends made plain newlines."""
    return request.form.get(field, "").replace("\r\n", "\n").replace("\r", "\n")


def _refuse_closed(case: CaseView):
    if case.state.is_open:
        return None
    notify(f"Case {case.id} is already {case.state.value.replace('_', ' ')}; nothing was changed.", "error")
    return redirect(_item_url(case.id))


@bp.post("/items/<int:case_id>/approve")
def approve(case_id: int):
    user = require_approver()
    d = desk()
    case = d.case_or_404(case_id)
    if (refused := _refuse_closed(case)) is not None:
        return refused
    text = _text("text")
    shown = request.form.get("draft_id", type=int)
    if case.draft is not None and shown is not None and shown != case.draft.id:
        notify("The draft changed while you were reading it (a new one was made). Check it and approve again.", "error")
        return redirect(_item_url(case.id))
    if not text.strip():
        return page(case, text=text, error="The reply is empty.", status=422)
    source = case.mention.source
    limit = d.reply_limit(source)
    length = reply_length(text, source)
    if limit is not None and length > limit:
        return page(case, text=text, status=422,
                    error=f"The reply is {length} characters long; {source} allows {limit}. Shorten it.")
    after = _next_in_queue(case)
    try:
        deliver_approved(d.store, d.settings, case, actor=user.name, text=text, clock=d.clock)
    except TransitionError as exc:
        notify(f"Not approved: {exc}", "error")
        return redirect(_item_url(case.id))
    except Exception as exc:  # the approval is committed; the posting step failed
        log.exception("web: posting case %s after approval failed", case.id)
        notify(f"Case {case.id} was approved, but posting it failed: {type(exc).__name__}.", "error",
               href=_item_url(case.id), link="Open the case")
        return redirect(after)
    _tell_outcome(d.store.case(case.id) or case)
    return redirect(after)


def _tell_outcome(done: CaseView) -> None:
    """What became of an approved case: posted, to post by hand (and why), failed, or queued."""
    source, here = done.mention.source, _item_url(done.id)
    if done.state is CaseState.POSTED:
        notify(f"Case {done.id} approved and posted on {source}.", "success")
    elif done.state is CaseState.POST_MANUALLY:
        why = f": {done.last_error}" if done.last_error else f" (Replywatch cannot post on {source})"
        notify(f"Case {done.id} approved. Post the reply by hand{why}.", "success",
               href=here, link="Copy the reply and open the post")
    elif done.state is CaseState.FAILED:
        notify(f"Case {done.id} approved, but posting failed: {done.last_error}", "error",
               href=here, link="Open the case")
    else:
        notify(f"Case {done.id} approved; it will be posted shortly.", "success")


@bp.post("/items/<int:case_id>/reject")
def reject(case_id: int):
    user = require_approver()
    d = desk()
    case = d.case_or_404(case_id)
    if (refused := _refuse_closed(case)) is not None:
        return refused
    reason = " ".join(_text("reason").split())
    if not reason:
        return page(case, text=_text("text") or None, status=422, error="Say why you reject it: a reason is required.")
    after = _next_in_queue(case)
    try:
        d.store.reject(case.id, user.name, d.clock.now(), reason=reason[:MAX_REASON])
    except TransitionError as exc:
        notify(f"Not rejected: {exc}", "error")
        return redirect(_item_url(case.id))
    notify(f"Case {case.id} rejected: {reason[:MAX_REASON]}", "success")
    return redirect(after)


@bp.post("/items/<int:case_id>/regenerate")
def regenerate(case_id: int):
    user = require_approver()
    d = desk()
    case = d.case_or_404(case_id)
    if (refused := _refuse_closed(case)) is not None:
        return refused
    template = request.form.get("template", "")
    if d.drafter is None or template not in d.drafter.templates_for(case_language(case)):
        abort(400, description="Choose one of the reply templates offered for this case's language.")
    if case.judgement is None:
        notify("This mention was never judged, so no template can be filled; write the reply yourself.", "error")
        return redirect(_item_url(case.id))
    try:
        draft = d.drafter.draft(case.mention, case.judgement, max_chars=d.reply_limit(case.mention.source),
                                template=template)
    except Exception as exc:  # DraftError and friends carry a message meant for people
        log.warning("web: regenerating case %s from %s failed: %s", case.id, template, exc)
        notify(f"No draft from {template}: {exc}", "error")
        return redirect(_item_url(case.id))
    d.store.add_draft(case.id, draft, user.name, d.clock.now())
    notify(f"New draft from the template {template}.", "success")
    return redirect(_item_url(case.id))


@bp.post("/items/<int:case_id>/posted")
def posted(case_id: int):
    user = require_approver()
    d = desk()
    case = d.case_or_404(case_id)
    if case.state is not CaseState.POST_MANUALLY:
        notify(f"Case {case.id} is {case.state.value.replace('_', ' ')}, not waiting to be posted by hand.", "error")
        return redirect(_item_url(case.id))
    link = request.form.get("link", "").strip()
    if link and (len(link) > 2000 or http_url(link) is None):
        return page(case, status=422, error="The link to your reply must be an http:// or https:// address.")
    after = _next_in_queue(case)
    try:
        d.store.mark_posted(case.id, d.clock.now(), ref=link or None, actor=user.name,
                            from_states=[CaseState.POST_MANUALLY])
    except TransitionError as exc:
        notify(f"Not marked as posted: {exc}", "error")
        return redirect(_item_url(case.id))
    notify(f"Case {case.id} marked as posted by hand.", "success")
    return redirect(after)
