"""Screenshots of the web desk for the docs: docs/queue.png, docs/item.png, docs/dashboard.png.

The shipped demo mentions go through the real pipeline (normalize, dedupe, the default judge
model, decide, the drafter, the store) into a temporary SQLite file, spread over the last seven
days on a simulated clock under each item's own platform name. A simulated team works the queue
as time passes (approves, sometimes edits, sometimes rejects, posts by hand; a few deadlines slip)
and the deadline sweeper runs, so the history and the dashboard have something to show; the
cases of the last three hours stay open for the queue. The desk is then served on 127.0.0.1 and
Debian's headless Chromium captures the pages.

    .venv/bin/python scripts/screenshots.py [--out docs] [--keep-db]

Needs /usr/bin/chromium and /usr/bin/chromedriver (scripts/install-test-deps.sh) and the default
model (installed with the package). Takes about a minute on two cores.
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from monitor.app import App  # noqa: E402
from monitor.clock import FakeClock  # noqa: E402
from monitor.models import CaseState, Mention  # noqa: E402
from monitor.settings import load_settings  # noqa: E402
from monitor.store import TransitionError  # noqa: E402
from responders.limits import reply_limit  # noqa: E402
from responders.posting import deliver_approved  # noqa: E402
from sources.demo import load_items  # noqa: E402

DAYS = 7
STEP = timedelta(minutes=15)
LEFT_OPEN = timedelta(hours=3)
USER, PASSWORD = "sam", "screenshots-only"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1"]
REJECT_REASONS = ["Spam, not a customer", "Already answered by e-mail", "Duplicate of an earlier post"]


def build_app(db: Path, clock: FakeClock) -> App:
    from monitor.web import hash_password

    settings = load_settings(os.devnull, require_secrets=False, overrides={
        "database": {"url": f"sqlite:///{db}"},
        "web": {"users": {USER: {"password_hash": hash_password(PASSWORD), "role": "approver"}}},
    })
    return App(settings, clock=clock)


def schedule(end: datetime, rng: random.Random) -> list[tuple[datetime, dict]]:
    """Each demo item gets a time within the dashboard's last DAYS days; the last dozen, and any
    item whose author wrote before, arrive in the last three hours (they stay open)."""
    items, seen = load_items(), set()
    early, late = [], []
    for item in items:
        (late if item["author"] in seen else early).append(item)
        seen.add(item["author"])
    early, late = early[:-12], early[-12:] + late
    span = (DAYS - 0.6) * 24 * 60 - 200
    timed = [(end - timedelta(minutes=span * (1 - n / len(early)) + 200 + rng.uniform(-40, 40)), item)
             for n, item in enumerate(early)]
    step = 170 / len(late)
    timed += [(end - timedelta(minutes=175 - n * step + rng.uniform(-3, 3)), item) for n, item in enumerate(late)]
    return sorted(timed, key=lambda pair: pair[0])


def mention(item: dict, created_at: datetime, now: datetime) -> Mention:
    return Mention(
        source=item["platform"], external_id=item["id"], text=item["text"], created_at=created_at,
        url=item["url"], author=item["author"], author_reach=item["author_reach"], title=item["title"],
        rating=item["rating"], fetched_at=now, raw=dict(item),
    )


def simulate(app: App, clock: FakeClock, end: datetime, rng: random.Random) -> None:
    arrivals = schedule(end, rng)
    plans: dict[int, tuple[timedelta, str]] = {}
    posted_after: dict[int, datetime] = {}
    deadline = app.settings.deadlines.response_minutes
    while clock.now() < end:
        now = clock.now()
        due = [(at, item) for at, item in arrivals if at <= now]
        arrivals = [(at, item) for at, item in arrivals if at > now]
        by_source: dict[str, list[Mention]] = {}
        for at, item in due:
            by_source.setdefault(item["platform"], []).append(mention(item, at, now))
        for source, batch in by_source.items():
            app.pipeline.run(source, batch, None, deadline_minutes=deadline, max_reply_chars=reply_limit(source))
        if now < end - LEFT_OPEN:
            act(app, now, rng, plans, posted_after)
        app.sweeper.sweep()
        clock.advance(seconds=STEP.total_seconds())
    clock.set(end)


def act(app: App, now: datetime, rng: random.Random, plans: dict, posted_after: dict) -> None:
    """The simulated team: answers most cases within the hour, some late, rejects a few."""
    for case in app.store.cases([CaseState.AWAITING_APPROVAL, CaseState.TRIAGE]):
        if case.id not in plans:
            wait = rng.choice([rng.uniform(8, 45)] * 6 + [rng.uniform(45, 75)] * 3 + [rng.uniform(75, 200)])
            what = "reject" if rng.random() < 0.12 else "edit" if rng.random() < 0.35 else "approve"
            if case.state is CaseState.TRIAGE:
                wait, what = rng.uniform(300, 1500), rng.choice(["approve", "reject", "wait"])
            plans[case.id] = (timedelta(minutes=wait), what)
        wait, what = plans[case.id]
        if what == "wait" or now - case.mention.created_at < wait:
            continue
        try:
            if what == "reject":
                app.store.reject(case.id, USER, now, reason=rng.choice(REJECT_REASONS))
                continue
            text = None
            if what == "edit" and case.draft:
                text = case.draft.text.replace("Kind regards", "Best wishes").replace(
                    "we're really sorry", "we're so sorry")
                text = text if text != case.draft.text else None
            deliver_approved(app.store, app.settings, case, actor=USER, text=text, clock=app.clock)
            posted_after[case.id] = now + timedelta(minutes=rng.uniform(5, 40))
        except TransitionError:
            continue
    for case_id, when in list(posted_after.items()):
        if now >= when and rng.random() < 0.85:
            case = app.store.case(case_id)
            app.store.mark_posted(case_id, now, ref=f"{case.mention.url}#reply", actor=USER,
                                  from_states=[CaseState.POST_MANUALLY])
            del posted_after[case_id]
        elif now >= when:
            del posted_after[case_id]  # left in "post by hand"


def capture(url: str, app: App, out: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp(prefix="replywatch-shots-")
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS + [f"--user-data-dir={profile}", "--window-size=1360,900"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    try:
        driver.get(f"{url}/login")
        driver.find_element(By.ID, "username").send_keys(USER)
        driver.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
        WebDriverWait(driver, 10).until(lambda d: "/queue" in d.current_url)

        def shot(path: str, name: str, max_height: int = 1500) -> None:
            driver.set_window_size(1360, 900)
            driver.get(url + path)
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1360, min(max(height, 700), max_height))
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(str(out / name))
            print(f"wrote {out / name} ({path})")

        shot("/queue", "queue.png", 1000)
        shot(f"/items/{pick_case(app)}", "item.png", 1400)
        shot("/dashboard?days=7", "dashboard.png", 1700)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def pick_case(app: App) -> int:
    """An open case whose author wrote before (on any source); else the most urgent judged one."""
    from monitor.store.reports import Reports

    reports = Reports(app.store.engine)
    queue = [c for c in app.store.open_queue() if c.draft and c.judgement and c.judgement.covered]
    for case in queue:
        if reports.earlier_mentions(case.mention.author, mention_id=case.mention_id, before=case.mention.created_at):
            return case.id
    return max(queue, key=lambda c: c.judgement.urgency).id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "docs"), help="where the PNG files go")
    parser.add_argument("--keep-db", action="store_true", help="keep the temporary database and say where")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from monitor.web import serve

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="replywatch-shots-db-"))
    end = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    clock = FakeClock(end - timedelta(days=DAYS))
    app = build_app(work / "desk.db", clock)
    try:
        simulate(app, clock, end, random.Random(20260302))
        counts = app.store.events(limit=100000)
        print(f"simulated {app.store.mention_count()} mentions, {len(counts)} events")
        server = serve(app, "127.0.0.1", 0)
        try:
            capture(server.url, app, out)
        finally:
            server.stop()
    finally:
        app.close()
        if args.keep_db:
            print(f"database kept: {work / 'desk.db'}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
