"""Source parsing throughput: mentions/s from the recorded payloads of every real source.

    .venv/bin/python benchmarks/bench_sources.py [--rounds R] [--min-seconds S] [--write]

parse  the parse/convert step only: one recorded response body as served (text) -> Mentions,
       JSON decoding or HTML parsing included; no HTTP, no judge, no store. The payloads are the
       ones tests/fakes/platforms.py serves (../shared/fixtures, see shared/DATA.md).
fetch  end to end through a local ReplayServer for a few sources: `source.fetch(None)` (a first
       poll reading every recorded page) with the real client library over real HTTP on
       127.0.0.1; the source and its client are built once, as the daemon keeps them. No judge.

Each round repeats a measurement until it has run `--min-seconds`; sources alternate round by
round so a busy machine hurts all alike. The table shows the best round (the least disturbed)
and the median. `--write` replaces the "## Source parsing throughput" section of
benchmarks/RESULTS.md with the table; other sections stay as they are.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.results import write_section, cpu_name  # noqa: E402

from monitor.clock import FakeClock
from sources import (
    app_store,
    google_business,
    google_play,
    reddit_convert,
    trustpilot,
    twitter,
    yelp,
)
from sources.registry import source_class
from tests.fakes import platforms as fakes

SECTION = "## Source parsing throughput"
CLOCK = FakeClock()
BASE = "https://example.invalid"
FETCHED = ("reddit", "twitter", "trustpilot", "app_store")


PARSERS: dict[str, Callable[[str | bytes], int]] = {
    "reddit": lambda b: len(reddit_convert.read_page(json.loads(b), fetched_at=CLOCK.now())[0]),
    "twitter": lambda b: len(twitter.page_mentions(json.loads(b), fetched_at=CLOCK.now())[0]),
    "trustpilot": lambda b: len(trustpilot.parse_page(b, base_url=BASE, clock=CLOCK).reviews),
    "app_store": lambda b: len(app_store.parse_feed(json.loads(b), country="us", app_id=fakes.APPLE_APP,
                                                    clock=CLOCK).reviews),
    "google_play": lambda b: len(google_play.parse_details_page(b, package=fakes.PLAY_PACKAGE, base_url=BASE,
                                                                clock=CLOCK).reviews),
    "google_business": lambda b: len(google_business.parse_maps_page(b, clock=CLOCK).reviews),
    "yelp": lambda b: len(yelp.parse_page(json.loads(b), clock=CLOCK)[0].reviews),
}


def timed(step: Callable[[], int], min_seconds: float) -> float:
    """Mentions per second of `step` (which returns how many it made), repeated for min_seconds."""
    made, start = 0, time.perf_counter()
    while True:
        made += step()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return made / elapsed


def parse_step(name: str, payloads: list[str | bytes]) -> Callable[[], int]:
    parse = PARSERS[name]
    return lambda: sum(parse(body) for body in payloads)


def fetch_step(name: str, section: dict[str, Any]) -> Callable[[], int]:
    cls = source_class(name)
    source = cls.from_settings(cls.Settings.model_validate(section), clock=CLOCK)
    return lambda: len(source.fetch(None).mentions)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--min-seconds", type=float, default=0.5, help="least duration of one round per measurement")
    ap.add_argument("--write", action="store_true", help="write the section into benchmarks/RESULTS.md")
    args = ap.parse_args()
    command = ".venv/bin/python benchmarks/bench_sources.py " + " ".join(sys.argv[1:])
    os.environ.update(fakes.ENV)  # the dummy credentials the replaying servers expect

    with fakes.start_platforms() as started, fakes.start_platforms(FETCHED) as quick:
        for server in (p.server for p in quick.platforms.values()):
            # The ReplayServer writes headers and body in two sends; with Nagle's algorithm on, the
            # second waits for the client's delayed ACK (about 40 ms on Linux loopback) on every
            # keep-alive request. Measured both ways: as the tests run it, and with TCP_NODELAY.
            server._server.RequestHandlerClass.disable_nagle_algorithm = True
        steps: dict[tuple[str, str], Callable[[], int]] = {}
        info: dict[tuple[str, str], str] = {}
        for name, p in started.platforms.items():
            step = parse_step(name, p.payloads)
            made = step()
            assert made == len(p.expected), f"{name}: parsed {made} mentions, the recordings hold {len(p.expected)}"
            size = sum(len(b.encode() if isinstance(b, str) else b) for b in p.payloads)
            steps[("parse", name)] = step
            bodies = "body" if len(p.payloads) == 1 else "bodies"
            info[("parse", name)] = f"{made} mentions in {len(p.payloads)} {bodies}, {size / 1024:.0f} KiB"
        for kind, platforms in (("fetch", started), ("fetch, server TCP_NODELAY", quick)):
            for name in FETCHED:
                step = fetch_step(name, platforms.platforms[name].section)
                server = platforms.server(name)
                made = step()  # warm-up: the client, its token and robots.txt are fetched once here
                server.requests.clear()
                step()
                assert made == len(platforms.expected[name]), f"{name}: fetched {made}"
                steps[(kind, name)] = step
                info[(kind, name)] = f"{made} mentions, {len(server.requests)} HTTP requests per fetch"

        rates: dict[tuple[str, str], list[float]] = {key: [] for key in steps}
        loads = []
        for _ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            for key, step in steps.items():
                rates[key].append(timed(step, args.min_seconds))
        assert not started.unmatched() and not quick.unmatched(), (started.unmatched(), quick.unmatched())

    rows = ["| step | source | best mentions/s | median mentions/s | work per pass |",
            "|---|---|---:|---:|---|"]
    for (kind, name), values in rates.items():
        rows.append(f"| {kind} | {name} | {max(values):,.0f} | {statistics.median(values):,.0f} | "
                    f"{info[(kind, name)]} |")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"Measured {when} on {cpu_name()}, Python {platform.python_version()}, "
              f"1-minute load average {min(loads):.1f}-{max(loads):.1f} during the run.")
    notes = ("`parse`: one recorded response body as served -> Mentions (JSON decoding / HTML parsing included; "
             "no HTTP, judge or store). `fetch`: `source.fetch(None)` through a local ReplayServer with the "
             "real client library (praw, tweepy, requests) over HTTP on 127.0.0.1, the source built once; "
             "no judge. `fetch` runs the ReplayServer as the tests do; `fetch, server TCP_NODELAY` turns off "
             "Nagle's algorithm on its sockets, which removes a delayed-ACK wait (about 40 ms) per keep-alive "
             f"request: the server's cost, not the source's. {args.rounds} rounds of at least "
             f"{args.min_seconds:g} s per row; best and median round.")
    report = "\n".join([header, "", "```", command.strip(), "```", "", *rows, "", notes])
    print(report)
    if args.write:
        write_section(SECTION, report)
        print("\nwrote benchmarks/RESULTS.md")






if __name__ == "__main__":
    main()
