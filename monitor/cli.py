"""The `replywatch` command: run, poll --once, demo, check, judge, eval, queue, triage, show, approve, reject."""
from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from monitor.settings import ConfigError, Settings, load_settings

log = logging.getLogger("replywatch")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="replywatch", description=__doc__)
    p.add_argument("--config", help="config file (default: $REPLYWATCH_CONFIG or ./config.toml)")
    p.add_argument("--db", help="database URL, overrides database.url")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the daemon (polls, deadline sweeper, alerts)")
    run.add_argument("--port", type=int, help="web desk port (overrides web.port)")

    poll = sub.add_parser("poll", help="poll the enabled sources")
    poll.add_argument("--once", action="store_true", required=True, help="one pass, for cron")
    poll.add_argument("--source", action="append", help="only this source (repeatable)")
    poll.add_argument("--force", action="store_true", help="ignore back-off of failing sources")

    demo = sub.add_parser("demo", help="run the daemon on the demo configuration")
    demo.add_argument("--db-file", default="replywatch-demo.db", help="the demo's own SQLite file")
    demo.add_argument("--release-seconds", type=float, default=180)
    demo.add_argument("--port", type=int)
    demo.add_argument("--keep", action="store_true", help="keep an existing demo database")

    sub.add_parser("check", help="validate the configuration and each enabled source")
    sub.add_parser("hash-password", help="print a password hash for [web.users.NAME] (asks twice, or reads stdin)")

    judge = sub.add_parser("judge", help="judge texts (arguments, or one per line on stdin)")
    judge.add_argument("texts", nargs="*")

    ev = sub.add_parser("eval", help="judging quality on the labelled sets (needs the shared data folder)")
    ev.add_argument("--data", metavar="DIR", help="the shared data folder (default: ../shared beside the repository)")
    ev.add_argument("--limit", type=int, metavar="N", help="at most N items per set (a fixed-seed sample)")
    ev.add_argument("--sets", nargs="+", metavar="SET", help="set names or groups (xlmt, vader, uci); default: all")

    for name, help_ in (("queue", "open cases by deadline"), ("triage", "mentions the model could not judge")):
        q = sub.add_parser(name, help=help_)
        q.add_argument("--format", choices=["table", "json"], default="table")
        q.add_argument("--source")

    show = sub.add_parser("show", help="one case in full")
    show.add_argument("id", type=int)

    approve = sub.add_parser("approve", help="approve a draft (optionally edited)")
    approve.add_argument("id", type=int)
    approve.add_argument("--text", help="the edited reply text to send instead of the draft")
    approve.add_argument("--as", dest="actor", help="who approves (default: $REPLYWATCH_USER or login name)")

    reject = sub.add_parser("reject", help="reject a draft; the case is closed without reply")
    reject.add_argument("id", type=int)
    reject.add_argument("--reason", required=True)
    reject.add_argument("--as", dest="actor")
    return p


def _actor(args: argparse.Namespace) -> str:
    if getattr(args, "actor", None):
        return args.actor
    return os.environ.get("REPLYWATCH_USER") or getpass.getuser()


def _settings(args: argparse.Namespace, *, require_secrets: bool = True, **overrides: Any) -> Settings:
    if args.db:
        overrides.setdefault("database", {})["url"] = args.db
    if getattr(args, "port", None):
        overrides.setdefault("web", {})["port"] = args.port
    return load_settings(args.config, overrides=overrides, require_secrets=require_secrets)


def _setup_logging(settings: Settings | None, verbose: bool) -> None:
    level = logging.DEBUG if verbose else getattr(logging, settings.app.log_level if settings else "INFO")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("apscheduler", "urllib3", "httpx", "filelock", "tweepy", "prawcore", "praw"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"replywatch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _serve_desk(app):
    """The web desk beside the daemon, on web.host:web.port (--port is already merged)."""
    if not app.settings.web.enabled:
        return None
    from monitor.web import serve

    try:
        return serve(app)
    except OSError as exc:
        raise ConfigError(f"web: cannot listen on {app.settings.web.host}:{app.settings.web.port}: {exc}") from None


def cmd_run(args: argparse.Namespace) -> int:
    from monitor.app import App

    settings = _settings(args)
    _setup_logging(settings, args.verbose)
    app = App(settings)
    return _run_with_desk(app, _serve_desk(app))


def _run_with_desk(app, desk, on_started=None) -> int:
    """The daemon beside the desk (and Slack's Socket Mode when configured); all stop together."""
    from monitor.scheduler import run_daemon

    presses = None
    try:
        presses = _socket_mode(app)
        run_daemon(app, on_started=on_started)
    finally:
        if presses is not None:
            presses.stop()
        if desk is not None:
            desk.stop()
    return 0


def _socket_mode(app):
    """Slack's buttons without a public URL, when configured (None otherwise)."""
    from monitor.web.socket_mode import start_socket_mode

    return start_socket_mode(app)


def cmd_hash_password(args: argparse.Namespace) -> int:
    from monitor.web.auth import hash_password_command

    return hash_password_command()


def cmd_poll(args: argparse.Namespace) -> int:
    from monitor.app import App

    settings = _settings(args)
    _setup_logging(settings, args.verbose)
    app = App(settings)
    names = args.source or list(app.pollers) + list(app.not_configured)
    unknown = [n for n in names if n not in app.pollers and n not in app.not_configured]
    if unknown:
        print(f"replywatch: not an enabled source: {', '.join(unknown)}", file=sys.stderr)
        return 2
    failed = False
    for name in names:
        if name in app.not_configured:
            print(f"{name}: FAILED cannot start: {app.not_configured[name]}")
            failed = True
            continue
        outcome = app.poll(name, force=args.force)
        failed |= outcome.failed
        extra = f" ({outcome.detail})" if outcome.detail else ""
        print(f"{name}: {outcome.status} {outcome.stored} new, {outcome.duplicates} known, {outcome.cases} cases{extra}")
    app.sweeper.sweep()
    app.dispatcher.flush()
    app.close()
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.app import App

    db_file = Path(args.db_file).resolve()
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    overrides: dict[str, Any] = {
        "database": {"url": args.db or f"sqlite:///{db_file}"},
        "sources": {"demo": {"enabled": True, "interval_seconds": 10, "release_seconds": args.release_seconds}},
        "scheduler": {"jitter_seconds": 1},
    }
    from monitor.web.auth import demo_login

    user, password, entry = demo_login()
    overrides["web"] = {"users": {user: entry}}
    # the demo ignores config.toml: it must run on a fresh machine with no credentials
    settings = load_settings(os.devnull, overrides=overrides)
    _setup_logging(settings, args.verbose)
    db = settings.database.url
    app = App(settings)
    desk = _serve_desk_at(app, args.port)

    def started() -> None:
        print(
            f"\nReplywatch demo is running: {len(_demo_items())} sample mentions arrive over "
            f"{args.release_seconds:.0f} s, polled every 10 s.\n"
            f"  database:   {db}\n"
            f"  the queue:  replywatch --db {db} queue\n"
            f"  one case:   replywatch --db {db} show ID\n"
            f"  approve:    replywatch --db {db} approve ID\n"
            f"  triage:     replywatch --db {db} triage\n"
            + (f"  web desk:   {desk.url}/queue   (user {user}, password {password})\n" if desk else "")
            + "Alerts go to this log (Slack is not configured). Stop with Ctrl-C.\n",
            flush=True,
        )

    return _run_with_desk(app, desk, on_started=started)


def _serve_desk_at(app, port: int | None):
    """The demo's desk: --port when given (0 = any free port), else web.port, else any free port
    (the demo must start on a machine where 8080 is taken)."""
    from monitor.web import serve

    try:
        return serve(app, port=port) if port is not None else serve(app)
    except OSError as exc:
        if port is not None:
            raise ConfigError(f"web: cannot listen on port {port}: {exc}") from None
        log.warning("web: port %s is taken (%s); the desk uses a free port instead", app.settings.web.port, exc)
        return serve(app, port=0)


def _demo_items() -> list:
    from sources.demo import load_items

    return load_items()


def cmd_check(args: argparse.Namespace) -> int:
    from monitor.app import App

    settings = _settings(args)
    _setup_logging(settings, args.verbose)
    print(f"config: ok ({len(settings.enabled_sources())} enabled sources, database {settings.database.url.split('://')[0]})")
    app = App(settings)
    failed = False
    for name, reason in app.not_configured.items():
        print(f"{name}: FAILED cannot start: {reason}")
        failed = True
    for name, source in app.sources.items():
        try:
            result = source.check()
        except Exception as exc:  # check must answer in words, whatever happens
            result = type("R", (), {"ok": False, "detail": f"{type(exc).__name__}: {exc}"})()
        health = app.store.health.get(name)
        state = f" (last poll: {health['state']}{', ' + health['detail'] if health and health.get('detail') else ''})" if health else ""
        detail = result.detail.removeprefix(f"{name}: ")  # sources name themselves; say it once
        print(f"{name}: {'ok' if result.ok else 'FAILED'} {detail}{state}")
        failed |= not result.ok
    app.close()
    return 1 if failed else 0


def cmd_judge(args: argparse.Namespace) -> int:
    from monitor.judge import judge_texts, load_judge

    settings = _settings(args, require_secrets=False)
    _setup_logging(settings, args.verbose)
    texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    judge = load_judge(settings.judge)
    for row in judge_texts(judge, texts):
        print(json.dumps(row, ensure_ascii=False))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from monitor.evaluation.runner import run_eval

    settings = _settings(args, require_secrets=False)
    _setup_logging(settings, args.verbose)
    return run_eval(settings.judge, data=args.data, limit=args.limit, sets=args.sets)


def _store(args: argparse.Namespace):
    from monitor.store import Store

    settings = _settings(args, require_secrets=False)
    _setup_logging(settings, args.verbose)
    store = Store(settings.database.url)
    store.create_all()
    return settings, store


def _list(args: argparse.Namespace, triage: bool) -> int:
    from monitor.clock import SystemClock
    from monitor.views import case_dict, queue_table

    _, store = _store(args)
    now = SystemClock().now()
    cases = store.triage() if triage else store.open_queue()
    if args.source:
        cases = [c for c in cases if c.mention.source == args.source]
    if args.format == "json":
        for c in cases:
            print(json.dumps(case_dict(c, now), ensure_ascii=False))
    else:
        print(queue_table(cases, now))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from monitor.clock import SystemClock
    from monitor.views import case_detail

    _, store = _store(args)
    case = _case(store, args.id)
    if case is None:
        return 1
    print(case_detail(case, SystemClock().now()))
    return 0


def _case(store, case_id: int):
    """The case, or None after saying on stderr that there is no such case."""
    case = store.case(case_id)
    if case is None:
        print(f"replywatch: no case {case_id}", file=sys.stderr)
    return case


def cmd_approve(args: argparse.Namespace) -> int:
    from monitor.clock import SystemClock
    from monitor.store import TransitionError
    from responders.posting import deliver_approved

    settings, store = _store(args)
    case = _case(store, args.id)
    if case is None:
        return 1
    try:
        outcome = deliver_approved(store, settings, case, actor=_actor(args), text=args.text, clock=SystemClock())
    except TransitionError as exc:
        print(f"replywatch: {exc}", file=sys.stderr)
        return 1
    print(outcome)
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    from monitor.clock import SystemClock
    from monitor.store import TransitionError

    _, store = _store(args)
    try:
        store.reject(args.id, _actor(args), SystemClock().now(), reason=args.reason)
    except TransitionError as exc:
        print(f"replywatch: {exc}", file=sys.stderr)
        return 1
    print(f"case {args.id}: rejected ({args.reason})")
    return 0


COMMANDS = {
    "run": cmd_run,
    "poll": cmd_poll,
    "demo": cmd_demo,
    "check": cmd_check,
    "judge": cmd_judge,
    "eval": cmd_eval,
    "queue": lambda a: _list(a, triage=False),
    "triage": lambda a: _list(a, triage=True),
    "show": cmd_show,
    "approve": cmd_approve,
    "reject": cmd_reject,
    "hash-password": cmd_hash_password,
}
