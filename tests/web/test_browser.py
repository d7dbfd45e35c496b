"""The desk in a real browser: Debian's headless Chromium, driven by Selenium + chromedriver,
against the desk served by waitress on 127.0.0.1 (what a person sees and does).

These tests are never skipped: without Chromium they fail and say how to install it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timezone

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from monitor.clock import FakeClock
from monitor.models import CaseState
from tests.web.conftest import PASSWORDS, Cases, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,900"]
HOSTILE = '<script>window.__pwned = true; alert(1)</script>"><img src=x onerror=alert(1)> {{7*7}}'
# runs before any page script, and is not subject to the page's CSP
TRAP = """
window.__pwned = false;
window.alert = window.confirm = window.prompt = function () { window.__pwned = true; };
"""


def launch_chromium(user_data_dir: str) -> webdriver.Chrome:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: the browser tests need Debian's chromium and chromium-driver. "
            "Run `make install-test` (or, as root, `bash scripts/install-test-deps.sh`).",
            pytrace=False,
        )
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={user_data_dir}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


@pytest.fixture(scope="module")
def desk(tmp_path_factory, drafter):
    """The desk over a fresh database, served for real; its clock is today's time, held still."""
    from monitor.web import serve

    clock = FakeClock(datetime.now(timezone.utc).replace(microsecond=0))
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('desk') / 'desk.db'}", clock, drafter)
    server = serve(app, "127.0.0.1", 0)
    yield server, app, Cases(app, clock)
    server.stop()
    app.close()


@pytest.fixture(scope="module")
def driver():
    profile = tempfile.mkdtemp(prefix="replywatch-chromium-")
    chrome = launch_chromium(profile)
    chrome.implicitly_wait(0)
    chrome.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TRAP})
    yield chrome
    chrome.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def signed_in(driver, desk):
    server, _, _ = desk
    driver.get(f"{server.url}/queue")
    if "/login" in driver.current_url:
        sign_in(driver)
    driver.get_log("browser")  # start each test with an empty console
    return server.url


def sign_in(driver, user: str = "anna") -> None:
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[user] + Keys.ENTER)
    arrive(driver, "/queue")


def wait(driver, seconds: float = 5) -> WebDriverWait:
    return WebDriverWait(driver, seconds, poll_frequency=0.05)


def arrive(driver, path_part: str) -> None:
    """Wait until a key press or click has led to `path_part` and its scripts have run."""
    wait(driver).until(lambda d: path_part in d.current_url
                       and d.execute_script("return document.readyState") == "complete")


def press(driver, *keys: str) -> None:
    ActionChains(driver).send_keys(*keys).perform()


def selected_row(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "tr[aria-selected='true']").get_attribute("id")


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_sign_in_and_work_the_queue_with_the_keyboard(driver, desk):
    server, app, cases = desk
    ids = [cases.add(f"Order {n} never came", minutes_ago=40 - n * 10) for n in range(3)]
    driver.delete_all_cookies()
    driver.get(f"{server.url}/queue")
    assert "/login" in driver.current_url
    sign_in(driver)
    open_ids = [i for i in app.store.open_queue()]
    assert [c.id for c in open_ids][:3] == ids  # soonest deadline first
    assert selected_row(driver) == f"case-{ids[0]}"
    press(driver, "j")
    assert selected_row(driver) == f"case-{ids[1]}"
    press(driver, "j", "j", "k")
    assert selected_row(driver) == f"case-{ids[1]}"

    press(driver, "?")
    assert driver.find_element(By.ID, "help").is_displayed()
    press(driver, Keys.ESCAPE)
    assert not driver.find_element(By.ID, "help").is_displayed()

    press(driver, Keys.ENTER)
    arrive(driver, f"/items/{ids[1]}")
    press(driver, "e")
    assert driver.switch_to.active_element.get_attribute("id") == "reply-text"
    counter = driver.find_element(By.ID, "reply-count").text
    press(driver, " We have sent a new one today.")
    assert driver.find_element(By.ID, "reply-count").text != counter  # the counter follows typing
    press(driver, Keys.ESCAPE, "a")
    arrive(driver, "/queue")
    assert f"Case {ids[1]} approved" in driver.find_element(By.CLASS_NAME, "flashes").text
    assert selected_row(driver) == f"case-{ids[2]}"  # the next case is selected
    case = app.store.case(ids[1])
    assert case.state is CaseState.POST_MANUALLY and case.draft.decided_by == "anna"
    assert case.draft.final_text.endswith("We have sent a new one today.")
    assert "\r" not in case.draft.final_text
    assert not console_errors(driver)


def test_open_with_o_then_reject_with_a_reason(driver, desk, signed_in):
    _, app, cases = desk
    case = cases.add("Spam spam spam", minutes_ago=59)  # the soonest deadline: first row
    driver.get(f"{signed_in}/queue")
    assert selected_row(driver) == f"case-{case}"
    press(driver, "o")
    arrive(driver, f"/items/{case}")
    press(driver, "r")
    assert driver.switch_to.active_element.get_attribute("id") == "reject-reason"
    press(driver, "advertising, not a customer", Keys.ENTER)
    arrive(driver, "/queue")
    done = app.store.case(case)
    assert done.state is CaseState.REJECTED and done.draft.reason == "advertising, not a customer"
    assert done.draft.decided_by == "anna"


def test_edit_and_approve_with_the_mouse_and_see_the_diff_in_history(driver, desk, signed_in):
    _, app, cases = desk
    case = cases.add("The blender arrived broken", minutes_ago=3, category="damaged")
    driver.get(f"{signed_in}/items/{case}")
    editor = driver.find_element(By.ID, "reply-text")
    editor.clear()
    editor.send_keys("Hi, so sorry about the blender.\nA new one is on its way.\nAlex")
    driver.find_element(By.ID, "approve-button").click()
    arrive(driver, "/queue")
    assert app.store.case(case).draft.edited_text == "Hi, so sorry about the blender.\nA new one is on its way.\nAlex"
    driver.get(f"{signed_in}/history?case={case}")
    diff = driver.find_element(By.CSS_SELECTOR, ".event.approved .diff")
    assert diff.find_elements(By.TAG_NAME, "ins") and diff.find_elements(By.TAG_NAME, "del")


def test_countdown_turns_red_when_the_deadline_passes(driver, desk, signed_in):
    _, _, cases = desk
    case = cases.add("Deadline in two seconds", minutes_ago=60 - 2 / 60)
    driver.get(f"{signed_in}/queue")
    clock = driver.find_element(By.CSS_SELECTOR, f"#case-{case} .countdown")
    assert "soon" in clock.get_attribute("class") and clock.text.endswith("left")
    wait(driver, 6).until(lambda d: "breached" in clock.get_attribute("class"))
    assert clock.text.endswith("overdue")


def test_dashboard_draws_its_charts(driver, desk, signed_in):
    _, _, cases = desk
    cases.add("For the charts", source="google_play", minutes_ago=5)
    driver.get(f"{signed_in}/dashboard?days=1")
    drawn = driver.execute_script("""
        return Array.from(document.querySelectorAll('canvas[data-chart]')).map(function (c) {
            var chart = window.Chart && Chart.getChart(c);
            var pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            var inked = 0;
            for (var i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) inked++;
            return [c.id, !!chart, c.width, inked];
        });
    """)
    assert [d[0] for d in drawn] == ["chart-sentiment", "chart-sources", "chart-deadlines", "chart-response"]
    for name, has_chart, width, inked in drawn:
        assert has_chart and width > 100 and inked > 500, name
    assert driver.find_element(By.ID, "per-source").is_displayed()
    assert not console_errors(driver)  # no CSP violation, no script error


def test_hostile_review_renders_inert_even_without_csp(driver, desk, signed_in):
    _, _, cases = desk
    case = cases.add(HOSTILE, title="<b onmouseover=alert(1)>title</b>", author="<svg onload=alert(1)>",
                     url="javascript:alert(1)", minutes_ago=1)
    driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})  # escaping alone must hold
    try:
        for path in (f"/items/{case}", "/queue"):
            driver.get(f"{signed_in}{path}")
            assert driver.execute_script("return window.__pwned") is False, path
            with pytest.raises(NoAlertPresentException):
                _ = driver.switch_to.alert.text
            assert not driver.find_elements(By.CSS_SELECTOR, "img[src='x'], svg[onload], b[onmouseover]"), path
            assert not driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript']"), path
            assert driver.execute_script(
                "return Array.from(document.scripts)"
                ".every(function (s) { return s.src || s.type === 'application/json'; })")
        driver.get(f"{signed_in}/items/{case}")
        assert driver.find_element(By.ID, "customer-text").text == HOSTILE  # shown literally
        assert "javascript:alert(1)" in driver.find_element(By.CSS_SELECTOR, ".facts .url").text
    finally:
        driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": False})
