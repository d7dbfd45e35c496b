"""What every view needs: the desk's collaborators, the signed-in user, small shared helpers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from flask import abort, current_app, g

from monitor.clock import Clock
from monitor.links import http_link
from monitor.settings import Settings
from monitor.store import CaseView, Store
from monitor.store.reports import Reports
from monitor.web.throttle import LoginThrottle
from responders.limits import reply_limit

APPROVER = "approver"
# How responders.limits.reply_length counts, per platform: the editor's counter mirrors it.
_COUNT_MODES = {"twitter": "x", "x": "x", "google_business": "bytes"}


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def can_act(self) -> bool:
        return self.role == APPROVER


@dataclass
class Desk:
    """The collaborators handed to `create_app`; views reach them through `desk()`."""

    settings: Settings
    store: Store
    clock: Clock
    drafter: Any  # responders.drafting.Drafter: draft(...), templates_for(language)
    throttle: LoginThrottle
    background: Callable[[Callable[[], None]], Any]  # runs slow work after the response
    slack_post: Callable[[str, dict[str, Any]], Any]  # POSTs JSON to a Slack response_url
    reports: Reports = field(init=False)
    _sections: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.reports = Reports(self.store.engine)
        self._sections = self.settings.source_settings()

    def reply_limit(self, source: str) -> int | None:
        """The source's `max_reply_chars` if set, else the platform's known limit."""
        section = self._sections.get(source)
        return getattr(section, "max_reply_chars", None) or reply_limit(source)

    def case_or_404(self, case_id: int) -> CaseView:
        case = self.store.case(case_id)
        if case is None:
            abort(404, description=f"There is no case {case_id}.")
        return case


def desk() -> Desk:
    return current_app.extensions["replywatch"]


def current_user() -> User | None:
    return g.get("user")


def require_approver() -> User:
    """The signed-in user, or 403 for a viewer (who may look but not act)."""
    user = current_user()
    if user is None or not user.can_act:
        abort(403, description="Your role is viewer: you can look at cases but not act on them.")
    return user


def count_mode(source: str) -> str:
    """chars (code points), bytes (UTF-8) or x (X's weighted count), as the platform counts."""
    return _COUNT_MODES.get(source.strip().lower().replace("-", "_"), "chars")


def http_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link with a host; anything else is never made a link."""
    return http_link(url)


def case_language(case: CaseView) -> str | None:
    j = case.judgement
    return (j.language if j and j.language else None) or case.mention.language
