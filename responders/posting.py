"""What happens when a human approves a reply: it is recorded, then posted or handed over.

The approval is committed first (who, when, the text), then the responder of the source posts
it. A source with no responder (no posting API, or none configured) gets "post manually": the
text ready to copy and the link to the post.
"""
from __future__ import annotations

from typing import Any

from monitor.clock import Clock
from monitor.store import CaseView, Store
from responders.registry import responder_for


def deliver_approved(store: Store, settings: Any, case: CaseView, *, actor: str, text: str | None,
                     clock: Clock) -> str:
    sections = settings.source_settings()
    responder = responder_for(case.mention.source, sections.get(case.mention.source))
    approved = store.approve(case.id, actor, clock.now(), text=text, can_post=responder is not None)
    reply = approved.draft.final_text if approved.draft else text or ""
    if responder is None:
        return (
            f"case {case.id}: approved by {actor}; post it manually on {case.mention.source}:\n"
            f"  link: {case.mention.url or '(no link)'}\n"
            f"---\n{reply}\n---"
        )
    ref = responder.post_approved(store, approved, clock=clock)
    return f"case {case.id}: approved by {actor} and posted ({ref})"
