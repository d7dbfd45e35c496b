"""CSRF protection for every state-changing request: a synchronizer token kept in the session.

Each form carries `csrf_token` (templates call `csrf_token()`); scripts may send the header
`X-CSRF-Token` instead. A POST (PUT, PATCH, DELETE) without the session's token gets 400, before
any view runs. The token is renewed at login, so one fixed before login is worth nothing.
Endpoints that authenticate each request themselves (Slack's signed actions) are exempt.
SameSite=Lax cookies already stop most cross-site posts; the token covers the rest (older
browsers, same-site subdomains).
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT = frozenset({"slack.actions"})


def csrf_token() -> str:
    token = session.get(SESSION_KEY)
    if not token:
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def renew() -> str:
    session.pop(SESSION_KEY, None)
    return csrf_token()


def _check() -> None:
    if request.method not in UNSAFE or request.endpoint in EXEMPT:
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected).encode(), sent.encode()):
        abort(400, description="The form was too old or did not come from this desk (CSRF check failed). "
                               "Reload the page and try again.")


def init_app(app: Flask) -> None:
    app.before_request(_check)
    app.jinja_env.globals["csrf_token"] = csrf_token
