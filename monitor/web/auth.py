"""Signing in: configured users with werkzeug password hashes, roles, throttled attempts.

Users live in `[web.users.NAME]` with a `password_hash` made by `replywatch hash-password`
(werkzeug's scrypt by default) and a role: `approver` acts on cases, `viewer` only looks.
The session cookie (Flask's signed cookie) holds the user name only; the role is read from the
settings on every request, so removing a user or changing a role takes effect at once.
Every page but the login page, static files and Slack's signed endpoint needs a user.
"""
from __future__ import annotations

import getpass
import logging
import secrets
import sys
from functools import lru_cache
from typing import TextIO
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from monitor.settings import ConfigError, WebSettings
from monitor.web import csrf
from monitor.web.context import User, desk

log = logging.getLogger("replywatch.web")
bp = Blueprint("auth", __name__)
PUBLIC = frozenset({"auth.login", "static", "slack.actions"})
HASH_METHODS = ("scrypt", "pbkdf2")


def hash_password(password: str, method: str = "scrypt") -> str:
    """The `password_hash` value for a `[web.users.NAME]` entry."""
    if not password:
        raise ValueError("the password is empty")
    return generate_password_hash(password, method=method)


def hash_password_command(stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """`replywatch hash-password`: asks twice on a terminal, or reads one line from a pipe."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    if stdin.isatty():
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            print("replywatch: the two passwords differ", file=sys.stderr)
            return 1
    else:
        password = stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        print("replywatch: use at least 8 characters", file=sys.stderr)
        return 1
    print(hash_password(password), file=stdout)
    return 0


def demo_login(name: str = "demo") -> tuple[str, str, dict[str, str]]:
    """A one-run approver login for `replywatch demo`: (name, password, the [web.users] entry).
    The password is random and printed once at start; it is never written anywhere."""
    password = secrets.token_urlsafe(9)
    return name, password, {"password_hash": hash_password(password), "role": "approver"}


def check_users(web: WebSettings) -> None:
    """Stop at start-up on a password_hash that is not a werkzeug hash (a pasted password)."""
    for name, user in web.users.items():
        method = user.password_hash.split("$", 1)[0].split(":", 1)[0]
        if method not in HASH_METHODS or user.password_hash.count("$") != 2:
            raise ConfigError(
                f"web.users.{name}.password_hash: not a password hash; make one with `replywatch hash-password`"
            )
    if not web.users:
        log.warning("web: no users configured, nobody can sign in; add [web.users.NAME] with a "
                    "password_hash from `replywatch hash-password`")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the user does not exist, so both cases take as long."""
    return generate_password_hash("not a password")


def _load_user() -> None:
    g.user = None
    name = session.get("user")
    configured = desk().settings.web.users.get(name) if isinstance(name, str) else None
    if configured is not None:
        g.user = User(name, configured.role)
    elif name is not None:
        session.clear()  # the user was removed from the configuration


def _require_login():
    if g.user is None and request.endpoint not in PUBLIC:
        if request.endpoint is None:  # 404: do not reveal which paths exist
            return redirect(url_for("auth.login"))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme) may be the place to return to."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("queue.queue")


@bp.route("/login", methods=["GET", "POST"])
def login():
    d = desk()
    if request.method == "GET":
        if g.user is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""), no_users=not d.settings.web.users)
    name = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    next_url = request.form.get("next", "")
    key = d.throttle.key(name, request.remote_addr)
    wait = d.throttle.retry_after(key)
    if wait:
        minutes = max(1, round(wait / 60))
        log.warning("web: login for %r from %s refused: too many failures", name, request.remote_addr)
        error = (f"Too many failed sign-ins for this user from your address. "
                 f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}.")
        page = render_template("login.html", error=error, username=name, next=next_url)
        return page, 429, {"Retry-After": str(int(wait + 0.999))}
    user = d.settings.web.users.get(name)
    valid = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if not (user and valid):
        d.throttle.failed(key)
        log.warning("web: failed login for %r from %s", name, request.remote_addr)
        return render_template("login.html", error="Wrong user name or password.", username=name, next=next_url)
    d.throttle.succeeded(key)
    session.clear()
    session["user"] = name
    session.permanent = True
    csrf.renew()
    log.info("web: %s signed in from %s", name, request.remote_addr)
    return redirect(_safe_next(next_url))


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    app.before_request(_load_user)
    app.before_request(_require_login)
    app.register_blueprint(bp)
