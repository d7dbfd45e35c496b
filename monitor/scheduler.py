"""The daemon: APScheduler runs one job per source at its interval (with jitter), the deadline
sweeper, the alert dispatcher and the posting of approved replies; SIGTERM/SIGINT stop it
gracefully (running jobs finish)."""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timezone
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import App
from responders.posting import post_pending

log = logging.getLogger("replywatch.daemon")

DISPATCH_SECONDS = 10
POST_SECONDS = 30


def _guarded(name: str, fn: Callable[[], object]) -> Callable[[], None]:
    def job() -> None:
        try:
            fn()
        except Exception:  # one job's bug must not stop the daemon
            log.exception("%s failed", name)

    return job


def build_scheduler(app: App) -> BackgroundScheduler:
    # one worker per source (+2) so a slow platform never delays the others
    workers = max(2, len(app.pollers) + 3)
    scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(workers)}, timezone=timezone.utc)
    now = datetime.now(timezone.utc)
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None, "next_run_time": now}
    jitter = app.settings.scheduler.jitter_seconds or None
    for name in app.pollers:
        interval = app.source_settings[name].interval_seconds
        scheduler.add_job(_guarded(f"poll {name}", lambda n=name: app.poll(n)), IntervalTrigger(seconds=interval, jitter=jitter),
                          id=f"poll:{name}", name=f"poll {name}", **defaults)
    scheduler.add_job(_guarded("sweep", app.sweeper.sweep),
                      IntervalTrigger(seconds=app.settings.deadlines.sweep_seconds),
                      id="sweep", name="deadline sweeper", **defaults)
    scheduler.add_job(_guarded("dispatch", app.dispatcher.flush), IntervalTrigger(seconds=DISPATCH_SECONDS),
                      id="dispatch", name="alert dispatcher", **defaults)
    scheduler.add_job(_guarded("post", lambda: post_pending(app.store, app.settings, app.clock, http=app.http)),
                      IntervalTrigger(seconds=POST_SECONDS), id="post", name="posting approved replies", **defaults)
    return scheduler


def run_daemon(app: App, *, on_started: Callable[[], None] | None = None,
               stop: threading.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set); running jobs finish before exit."""
    stop = stop or threading.Event()
    app.judge  # load the model once, before the first poll needs it  # noqa: B018
    scheduler = build_scheduler(app)

    def _signal(signum, _frame):
        log.info("received %s, stopping after running jobs finish", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _signal)
        signal.signal(signal.SIGINT, _signal)
    scheduler.start()
    log.info("daemon started: sources %s", ", ".join(app.pollers) or "(none)")
    if on_started:
        on_started()
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        app.close()
        log.info("daemon stopped")
