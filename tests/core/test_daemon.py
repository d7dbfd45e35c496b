"""The daemon: one job per source, the sweeper and the dispatcher; a graceful stop on SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from monitor.app import App
from monitor.scheduler import build_scheduler
from monitor.settings import load_settings


def test_scheduler_has_one_job_per_source_plus_sweeper_dispatcher_and_poster(db_url, default_judge):
    settings = load_settings(os.devnull, environ={}, overrides={
        "database": {"url": db_url},
        "sources": {"demo": {"enabled": True, "interval_seconds": 42}},
    })
    app = App(settings, judge=default_judge)
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"poll:demo", "sweep", "dispatch", "post"}
    assert jobs["poll:demo"].trigger.interval.total_seconds() == 42
    assert all(job.max_instances == 1 for job in jobs.values())  # one poll of a source at a time
    app.close()


def _wait_for(proc: subprocess.Popen, needle: str, timeout: float) -> str:
    """Read the daemon's log until `needle` appears (or fail with what was seen)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if needle in line:
            return "".join(seen)
    pytest.fail(f"{needle!r} not seen within {timeout} s; log:\n{''.join(seen)[-3000:]}")


@pytest.mark.slow
def test_demo_daemon_polls_then_stops_gracefully_on_sigterm(tmp_path):
    db_file = tmp_path / "demo.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "demo", "--db-file", str(db_file), "--release-seconds", "0", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        log = _wait_for(proc, "demo: 76 new", timeout=120)
        assert "daemon started" in log
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        rest = proc.stderr.read()
        assert "daemon stopped" in rest
        out = proc.stdout.read()
        assert "queue" in out and str(db_file) in out
    finally:
        if proc.poll() is None:
            proc.kill()
    from monitor.store import Store

    store = Store(f"sqlite:///{db_file}")
    assert store.mention_count("demo") == 76
    assert store.open_queue(), "the demo's complaints have drafts waiting"
    store.dispose()
