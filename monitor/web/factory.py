"""`create_app`: the desk as a Flask application, wired from the daemon's `App`.

Security that holds for every response is set here, once: session cookies HttpOnly and
SameSite=Lax (Secure with `web.secure_cookies`), a strict Content-Security-Policy (no inline
script or style, nothing from other origins, no framing), nosniff, same-origin referrers.
Templates autoescape; customer text is only ever rendered as text.
"""
from __future__ import annotations

import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, Callable

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from monitor.secrets import MissingSecret
from monitor.settings import ConfigError, WebSettings
from monitor.web import actions, auth, csrf, dashboard, filters, history, item, queue, slack_actions
from monitor.web.context import Desk
from monitor.web.throttle import LoginThrottle

log = logging.getLogger("replywatch.web")

CSP = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(
    app: Any,
    *,
    background: Callable[[Callable[[], None]], Any] | None = None,
    slack_post: Callable[[str, dict[str, Any]], Any] | None = None,
) -> Flask:
    """The desk over `app` (a `monitor.app.App`, or anything with settings, store, clock and
    drafter). `background` runs Slack actions after the answer (default: a 2-thread pool);
    `slack_post` sends a JSON body to a Slack response_url (default: requests, https only)."""
    settings = app.settings
    auth.check_users(settings.web)
    flask_app = Flask("monitor.web")
    flask_app.config.update(
        SECRET_KEY=_secret_key(settings.web),
        SESSION_COOKIE_NAME="replywatch_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.web.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    flask_app.extensions["replywatch"] = Desk(
        settings=settings, store=app.store, clock=app.clock, drafter=app.drafter,
        throttle=LoginThrottle(settings.web.login_attempts, settings.web.login_window_seconds, app.clock),
        background=background or _pool(),
        slack_post=slack_post or slack_actions.post_json,
    )
    auth.init_app(flask_app)  # who is signed in, and the login gate
    csrf.init_app(flask_app)
    filters.init_app(flask_app)
    for module in (queue, item, actions, history, dashboard, slack_actions):
        flask_app.register_blueprint(module.bp)
    flask_app.after_request(_security_headers)
    flask_app.register_error_handler(HTTPException, _error_page)
    flask_app.jinja_env.globals.update(brand=settings.app.brand)

    @flask_app.context_processor
    def _page_globals() -> dict[str, Any]:
        from monitor.web.context import current_user, desk

        d = desk()
        return {"user": current_user(), "server_now": d.clock.now().isoformat(),
                "warning_seconds": d.settings.deadlines.warning_minutes * 60}

    return flask_app


def _secret_key(web: WebSettings) -> str:
    if web.secret_key is not None:
        try:
            return web.secret_key.get()
        except MissingSecret as exc:
            raise ConfigError(f"web.secret_key: {exc}") from None
    log.warning("web.secret_key is not set: using a random key, so everyone must sign in again "
                "after each restart")
    return secrets.token_hex(32)


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error_page(exc: HTTPException):
    return render_template("error.html", error=exc), exc.code or 500


def _pool() -> Callable[[Callable[[], None]], Any]:
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="desk-background")

    def submit(job: Callable[[], None]):
        def logged() -> None:
            try:
                job()
            except Exception:
                log.exception("web: background job failed")

        return executor.submit(logged)

    return submit
