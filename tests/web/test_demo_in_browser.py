"""Done-when of the desk: from the demo's first complaint to a hand-posted reply, in the browser
only (no CLI), with the history showing every step. Real pipeline, default model, real Chromium."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from selenium.webdriver.common.by import By

from monitor.app import App
from monitor.clock import FakeClock
from monitor.models import CaseState
from tests.web.conftest import desk_settings
from tests.web.test_browser import arrive, driver, sign_in  # noqa: F401 (driver is a fixture)


@pytest.fixture(scope="module")
def demo_desk(tmp_path_factory, default_judge):
    from monitor.web import serve

    clock = FakeClock(datetime.now(timezone.utc).replace(microsecond=0))
    settings = desk_settings(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    settings = settings.model_copy(update={"sources": {"demo": {"enabled": True, "release_seconds": 0}}})
    app = App(settings, clock=clock, judge=default_judge)
    assert app.poll("demo").stored == 76
    server = serve(app, "127.0.0.1", 0)
    yield server, app
    server.stop()
    app.close()


@pytest.mark.slow
def test_first_demo_complaint_to_a_hand_posted_reply_without_the_cli(driver, demo_desk):  # noqa: F811
    server, app = demo_desk
    driver.delete_all_cookies()
    driver.get(f"{server.url}/queue")
    sign_in(driver)
    first_row = driver.find_element(By.CSS_SELECTOR, "tbody tr[id^='case-']")
    case_id = int(first_row.get_attribute("id").removeprefix("case-"))
    assert case_id == app.store.open_queue()[0].id  # the soonest deadline is on top
    first_row.find_element(By.CSS_SELECTOR, "a").click()
    arrive(driver, f"/items/{case_id}")
    driver.find_element(By.ID, "approve-button").click()
    arrive(driver, "/queue")
    assert app.store.case(case_id).state is CaseState.POST_MANUALLY  # the demo has no posting API

    driver.get(f"{server.url}/items/{case_id}")
    copy = driver.find_element(By.ID, "reply-final").get_attribute("value")
    assert copy.strip() == app.store.case(case_id).draft.final_text.strip()
    driver.find_element(By.ID, "posted-link").send_keys("https://reviews.example/reply/1")
    driver.find_element(By.ID, "posted-button").click()
    arrive(driver, "/queue")
    case = app.store.case(case_id)
    assert case.state is CaseState.POSTED and case.posted_ref == "https://reviews.example/reply/1"

    driver.get(f"{server.url}/history?case={case_id}")
    page = driver.find_element(By.TAG_NAME, "main").text
    kinds = [e["kind"] for e in reversed(app.store.events(case_id))]
    assert kinds[:2] == ["case_opened", "draft_created"] and "approved" in kinds and kinds[-1] == "posted"
    assert page.count("anna") >= 2  # approved and marked posted by the signed-in lead
