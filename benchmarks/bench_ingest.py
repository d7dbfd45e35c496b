"""End-to-end ingest: N mentions through the real pipeline (judge, draft) into a real SQLite file.

    .venv/bin/python benchmarks/bench_ingest.py --mentions 10000 --batch 500

The mentions are the shipped demo texts, each made unique by a counter, fed through the same
SourcePoller the daemon uses (lease, cursor, one transaction per batch). Prints the wall time of
the whole run, mentions/s, the share of time spent judging, and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from monitor.app import App  # noqa: E402
from monitor.models import FetchResult, Mention  # noqa: E402
from monitor.polling import SourcePoller  # noqa: E402
from monitor.settings import load_settings  # noqa: E402
from sources.base import CheckResult, Source  # noqa: E402
from sources.demo import load_items  # noqa: E402


class SyntheticSource(Source):
    """Serves `total` mentions in batches of `batch`, built from the demo texts."""

    name = "bench"

    def __init__(self, total: int, batch: int, clock):
        super().__init__(Source.Settings(enabled=True), clock=clock)
        self.total, self.batch = total, batch
        self.items = load_items()

    def check(self) -> CheckResult:
        return CheckResult(True, "synthetic")

    def fetch(self, cursor: Mapping[str, Any] | None) -> FetchResult:
        start = (cursor or {}).get("next", 0)
        end = min(self.total, start + self.batch)
        now = self.clock.now()
        mentions = []
        for n in range(start, end):
            item = self.items[n % len(self.items)]
            mentions.append(Mention(
                source="bench", external_id=f"b{n}", text=f"{item['text']} (#{n})", title=item["title"],
                created_at=now - timedelta(seconds=n % 600), url=f"https://bench.example/{n}",
                author=f"{item['author']}-{n % 997}", rating=item["rating"], author_reach=item["author_reach"],
            ))
        return FetchResult(mentions, {"next": end})


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mentions", type=int, default=10_000)
    p.add_argument("--batch", type=int, default=500)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(os.devnull, environ={}, overrides={"database": {"url": f"sqlite:///{tmp}/bench.db"}})
        app = App(settings)
        t0 = time.perf_counter()
        app.judge  # noqa: B018 - load the model before timing ingest
        load_s = time.perf_counter() - t0
        judge_time = [0.0]
        real_judge = app.judge.judge

        def timed_judge(mentions, **kw):
            t = time.perf_counter()
            try:
                return real_judge(mentions, **kw)
            finally:
                judge_time[0] += time.perf_counter() - t

        app.judge.judge = timed_judge
        source = SyntheticSource(args.mentions, args.batch, app.clock)
        poller = SourcePoller("bench", source, app.store, app.pipeline, app.clock, deadline_minutes=60,
                              max_reply_chars=None, lease_seconds=600)
        t0 = time.perf_counter()
        polls = 0
        while app.store.mention_count("bench") < args.mentions:
            outcome = poller.poll()
            polls += 1
            assert outcome.status == "ok", outcome
        elapsed = time.perf_counter() - t0
        stored = app.store.mention_count("bench")
        cases = len(app.store.cases())
        app.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"command: .venv/bin/python benchmarks/bench_ingest.py --mentions {args.mentions} --batch {args.batch}")
    print(f"cores: {os.cpu_count()}, model load {load_s:.1f} s (not in the ingest time)")
    print(f"ingested {stored} mentions in {polls} polls: {elapsed:.1f} s = {stored / elapsed:.0f} mentions/s; "
          f"{cases} cases opened")
    print(f"judging took {judge_time[0]:.1f} s ({100 * judge_time[0] / elapsed:.0f}% of the run)")
    print(f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
