"""The desk over HTTP, in-process (Flask's test client), on a real SQLite store."""
from __future__ import annotations

import io
import re

import pytest
import requests
from markupsafe import escape
from werkzeug.security import check_password_hash

from monitor.models import CaseState
from monitor.settings import ConfigError
from tests.web.conftest import PASSWORDS, Browser, desk_settings

HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{7*7}} {% raw %}'


def events_of(app, case_id):
    return [(e["kind"], e["actor"]) for e in app.store.events(case_id)]


# -- signing in ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/queue", "/items/1", "/history", "/dashboard", "/no/such/page"])
def test_pages_redirect_to_login_when_signed_out(browser, path):
    response = browser.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_signed_out_post_redirects_to_login_and_changes_nothing(browser, app, cases):
    case = cases.add()
    response = browser.post(f"/items/{case}/approve", {"text": "hi"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL


def test_login_page_and_static_files_need_no_login(browser):
    assert browser.get("/login").status_code == 200
    assert browser.get("/static/desk.css").status_code == 200


def test_login_returns_to_the_page_asked_for_but_never_off_site(flask_app, cases):
    case = cases.add()
    b = Browser(flask_app.test_client())
    b.get("/login")
    response = b.post("/login", {"username": "anna", "password": PASSWORDS["anna"], "next": f"/items/{case}"})
    assert response.headers["Location"] == f"/items/{case}"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        b = Browser(flask_app.test_client())
        b.get("/login")
        response = b.post("/login", {"username": "anna", "password": PASSWORDS["anna"], "next": evil})
        assert response.headers["Location"] == "/queue"


def test_wrong_password_is_refused_with_a_message(browser):
    response = browser.login("anna", "wrong password")
    assert response.status_code == 200
    assert "Wrong user name or password." in response.get_data(as_text=True)
    assert browser.get("/queue").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(browser):
    cookie = browser.login("anna").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_setting_marks_the_cookie_secure(app, slack_spy):
    from monitor.web import create_app

    app.settings = app.settings.model_copy(update={"web": app.settings.web.model_copy(update={"secure_cookies": True})})
    b = Browser(create_app(app, background=slack_spy.run).test_client())
    assert "Secure" in b.login("anna").headers["Set-Cookie"]


def test_logins_are_throttled_per_user_and_address_until_the_window_passes(flask_app, clock):
    b = Browser(flask_app.test_client())
    for _ in range(3):  # web.login_attempts = 3 in the fixture settings
        assert b.login("anna", "guess").status_code == 200
    refused = b.login("anna")  # even the right password
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) == 300
    other_address = Browser(flask_app.test_client())
    assert other_address.login("anna", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302
    assert b.login("victor").status_code == 302  # another user from the same address
    clock.advance(seconds=299)
    assert Browser(flask_app.test_client()).login("anna").status_code == 429
    clock.advance(seconds=2)
    assert Browser(flask_app.test_client()).login("anna").status_code == 302


def test_logout_needs_the_token_and_ends_the_session(anna):
    assert anna.post("/logout", token="forged").status_code == 400
    assert anna.get("/queue").status_code == 200
    assert anna.post("/logout").status_code == 302
    assert anna.get("/queue").status_code == 302


def test_a_user_removed_from_the_settings_is_signed_out(anna, flask_app):
    desk = flask_app.extensions["replywatch"]
    desk.settings = desk.settings.model_copy(update={"web": desk.settings.web.model_copy(update={"users": {}})})
    assert anna.get("/queue").status_code == 302


# -- CSRF ------------------------------------------------------------------------------------

@pytest.mark.parametrize("token", [False, "", "forged-token"])
def test_state_changing_posts_without_the_right_token_are_refused(anna, app, cases, token):
    case = cases.add()
    for action, data in [("approve", {"text": "Sorry!"}), ("reject", {"reason": "spam"}),
                         ("regenerate", {"template": "en/refund"}), ("posted", {"link": ""})]:
        response = anna.post(f"/items/{case}/{action}", data, token=token)
        assert response.status_code == 400, action
        assert "CSRF" in response.get_data(as_text=True)
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL
    assert len(app.store.case(case).drafts) == 1


def test_login_form_needs_the_token_too(browser):
    browser.get("/login")
    response = browser.post("/login", {"username": "anna", "password": PASSWORDS["anna"]}, token=False)
    assert response.status_code == 400


# -- roles -----------------------------------------------------------------------------------

def test_viewer_can_look_but_not_act(victor, app, cases):
    case = cases.add()
    page = victor.get(f"/items/{case}").get_data(as_text=True)
    assert 'id="approve-form"' not in page and "approvers act on it" in page
    for action, data in [("approve", {"text": "Sorry!"}), ("reject", {"reason": "spam"}),
                         ("regenerate", {"template": "en/refund"}), ("posted", {"link": ""})]:
        assert victor.post(f"/items/{case}/{action}", data).status_code == 403, action
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL
    assert events_of(app, case) == [("draft_created", "replywatch"), ("case_opened", "replywatch")]


# -- the queue -------------------------------------------------------------------------------

def test_queue_lists_open_cases_by_deadline_with_countdown_states(anna, cases):
    late = cases.add("late", minutes_ago=70)
    soon = cases.add("soon", minutes_ago=50)
    fresh = cases.add("fresh", minutes_ago=1)
    page = anna.get("/queue").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'<tr id="case-(\d+)"', page)]
    assert order == [late, soon, fresh]
    states = re.findall(r'<time class="countdown (\w+)"', page)
    assert states == ["breached", "soon", "ok"]
    assert "10m 00s overdue" in page and "10m 00s left" in page and "59m 00s left" in page
    assert 'data-deadline="2026-03-02T08:50:00+00:00"' in page


def test_queue_filters_by_source_language_and_state(anna, cases):
    tp = cases.add("trustpilot one", source="trustpilot")
    gp = cases.add("play one", source="google_play")
    de = cases.add("Mein Paket kam nie an", source="trustpilot", language="de")
    fi = cases.add("Tilaukseni ei tullut", language="fi", covered=False)

    def ids(path):
        return [int(i) for i in re.findall(r'<tr id="case-(\d+)"', anna.get(path).get_data(as_text=True))]

    assert set(ids("/queue")) == {tp, gp, de}
    assert ids("/queue?source=google_play") == [gp]
    assert ids("/queue?language=de") == [de]
    assert ids("/queue?state=triage") == [fi]
    triage = anna.get("/queue?state=triage").get_data(as_text=True)
    assert "not covered" in triage and "Triage: the model could not judge" in triage
    assert anna.get("/queue?state=nonsense").status_code == 400


# -- acting on a case ------------------------------------------------------------------------

def test_approving_as_drafted_hands_over_and_records_the_approver(anna, app, cases):
    first, second = cases.add(minutes_ago=30), cases.add(minutes_ago=20)
    draft = app.store.case(first).draft
    response = anna.post(f"/items/{first}/approve", {"text": draft.text.replace("\n", "\r\n"), "draft_id": draft.id})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/queue?focus={second}"
    case = app.store.case(first)
    assert case.state is CaseState.POST_MANUALLY  # trustpilot has no responder configured
    assert case.draft.decided_by == "anna" and case.draft.edited_text is None
    assert ("approved", "anna") in events_of(app, first)
    assert "Post the reply by hand" in anna.get("/queue").get_data(as_text=True)


def test_edit_and_approve_sends_the_edited_text_and_history_shows_the_diff(anna, app, cases):
    case = cases.add()
    draft = app.store.case(case).draft
    edited = draft.text.replace("Kind regards", "Warm wishes")
    anna.post(f"/items/{case}/approve", {"text": edited, "draft_id": draft.id})
    assert app.store.case(case).draft.final_text == edited
    page = anna.get("/history").get_data(as_text=True)
    assert "<del>Kind</del>" in page and "<ins>Warm</ins>" in page
    assert "<del>regards,</del>" in page and "<ins>wishes,</ins>" in page


def test_a_reply_over_the_platform_limit_is_refused_and_kept_for_editing(anna, app, cases):
    case = cases.add(source="twitter")
    long_reply = "Sorry! " + "x" * 290
    response = anna.post(f"/items/{case}/approve", {"text": long_reply})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "twitter allows 280" in page and long_reply in page
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL


def test_an_empty_reply_is_refused(anna, app, cases):
    case = cases.add()
    assert anna.post(f"/items/{case}/approve", {"text": "  \r\n "}).status_code == 422
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL


def test_approving_after_the_draft_changed_asks_to_check_again(anna, app, cases):
    case = cases.add()
    old = app.store.case(case).draft
    anna.post(f"/items/{case}/regenerate", {"template": "en/refund"})
    response = anna.post(f"/items/{case}/approve", {"text": old.text, "draft_id": old.id})
    assert response.headers["Location"] == f"/items/{case}"
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL


def test_rejecting_needs_a_reason_and_records_it(anna, app, cases):
    case = cases.add()
    assert anna.post(f"/items/{case}/reject", {"reason": "   "}).status_code == 422
    response = anna.post(f"/items/{case}/reject", {"reason": "spam from a competitor"})
    assert response.status_code == 302 and response.headers["Location"] == "/queue"
    done = app.store.case(case)
    assert done.state is CaseState.REJECTED and done.draft.reason == "spam from a competitor"
    assert ("rejected", "anna") in events_of(app, case)
    assert "spam from a competitor" in anna.get("/history").get_data(as_text=True)


def test_regenerating_adds_a_draft_from_the_chosen_template(anna, app, cases):
    case = cases.add()
    assert app.store.case(case).draft.template == "en/delivery"
    response = anna.post(f"/items/{case}/regenerate", {"template": "en/refund"})
    assert response.headers["Location"] == f"/items/{case}"
    drafts = app.store.case(case).drafts
    assert [d.template for d in drafts] == ["en/delivery", "en/refund"]
    assert ("draft_regenerated", "anna") in events_of(app, case)
    assert anna.post(f"/items/{case}/regenerate", {"template": "../../etc/passwd"}).status_code == 400
    assert anna.post(f"/items/{case}/regenerate", {"template": "de/refund"}).status_code == 400  # not this language


def test_marking_posted_by_hand_records_the_link_and_the_person(anna, app, cases):
    case = cases.add()
    anna.post(f"/items/{case}/approve", {"text": "Sorry, we are on it."})
    page = anna.get(f"/items/{case}").get_data(as_text=True)
    assert "ready to copy" in page and "Sorry, we are on it." in page
    assert 'href="https://reviews.example/1"' in page
    assert anna.post(f"/items/{case}/posted", {"link": "javascript:alert(1)"}).status_code == 422
    response = anna.post(f"/items/{case}/posted", {"link": "https://reviews.example/1#reply"})
    assert response.headers["Location"] == "/queue?state=post_manually"
    done = app.store.case(case)
    assert done.state is CaseState.POSTED and done.posted_ref == "https://reviews.example/1#reply"
    assert ("posted", "anna") in events_of(app, case)


def test_acting_on_a_closed_case_changes_nothing(anna, app, cases):
    case = cases.add()
    anna.post(f"/items/{case}/reject", {"reason": "duplicate"})
    for action, data in [("approve", {"text": "hi"}), ("reject", {"reason": "again"}),
                         ("regenerate", {"template": "en/refund"}), ("posted", {"link": ""})]:
        response = anna.post(f"/items/{case}/{action}", data)
        assert response.headers["Location"] == f"/items/{case}", action
    assert app.store.case(case).state is CaseState.REJECTED
    assert [k for k, _ in events_of(app, case)].count("rejected") == 1


def test_unknown_case_is_404(anna):
    assert anna.get("/items/999").status_code == 404
    assert anna.post("/items/999/approve", {"text": "x"}).status_code == 404


def test_item_shows_the_authors_earlier_mentions_on_any_source(anna, cases):
    earlier = cases.add("First complaint on the app store", source="app_store", author="dana", minutes_ago=50)
    cases.add("Someone else", author="erik", minutes_ago=40)
    now = cases.add("Still broken!", source="trustpilot", author="dana", minutes_ago=10)
    later = cases.add("Even later", author="dana", minutes_ago=1)
    page = anna.get(f"/items/{now}").get_data(as_text=True)
    assert "First complaint on the app store" in page and f"case #{earlier}" in page
    assert "Someone else" not in page and "Even later" not in page and f"case #{later}" not in page


# -- escaping --------------------------------------------------------------------------------

def test_hostile_review_renders_as_inert_text_everywhere(anna, app, cases):
    case = cases.add(HOSTILE, title='"><script>alert(2)</script>', author='<img src=x onerror=alert(3)>',
                     url="javascript:alert(4)", rating=1)
    anna.post(f"/items/{case}/approve", {"text": "Reply with <b>markup</b> {{7*7}}"})
    pages = {path: anna.get(path).get_data(as_text=True)
             for path in ("/queue?state=post_manually", f"/items/{case}", "/history")}
    for path, page in pages.items():
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert 'href="javascript:' not in page.replace(" ", ""), path
        assert "onerror=alert" not in page.replace("&lt;img src=x onerror=alert", ""), path
        assert "{{7*7}}" in page and ">49<" not in page and " 49 " not in page, path
        assert "<b>markup</b>" not in page, path
    item = pages[f"/items/{case}"]
    assert str(escape('<script>alert(1)</script> "><img src=x onerror=alert(1)>')) in item
    assert "{{7*7}} {% raw %}" in item  # shown literally, never evaluated
    assert "&lt;img src=x onerror=alert(3)&gt;" in item
    assert "javascript:alert(4)" in item and "(not a web link)" in item
    assert "Reply with &lt;b&gt;markup&lt;/b&gt; {{7*7}}" in item


def test_hostile_text_stays_inert_in_the_dashboard_data(anna, cases):
    cases.add(HOSTILE, source="trustpilot")
    page = anna.get("/dashboard").get_data(as_text=True)
    assert "<script>alert" not in page


# -- headers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/queue", "/items/1", "/static/desk.js", "/nope"])
def test_security_headers_on_every_response(anna, cases, path):
    cases.add()
    headers = anna.get(path).headers
    csp = headers["Content-Security-Policy"]
    for part in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
                 "frame-ancestors 'none'"):
        assert part in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(anna, cases):
    case = cases.add()
    for path in ("/queue", f"/items/{case}", "/history", "/dashboard", "/login"):
        page = anna.get(path).get_data(as_text=True)
        assert " style=" not in page and "<style" not in page, path
        assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", page), path
        assert not re.search(r"\son[a-z]+=", page), path


# -- dashboard and history -------------------------------------------------------------------

def test_dashboard_shows_response_times_deadlines_and_breaches_per_source(anna, app, cases, clock):
    on_time = cases.add(source="trustpilot", minutes_ago=30)
    anna.post(f"/items/{on_time}/approve", {"text": "Sorry!"})  # answered after 30 minutes
    cases.add(source="trustpilot", minutes_ago=90)  # deadline passed unanswered: a breach
    late = cases.add(source="google_play", minutes_ago=100)
    anna.post(f"/items/{late}/approve", {"text": "Sorry!"})  # answered after 100 minutes: a breach
    rejected = cases.add(source="google_play", minutes_ago=120)
    anna.post(f"/items/{rejected}/reject", {"reason": "spam"})  # not counted
    page = anna.get("/dashboard?days=1").get_data(as_text=True)
    rows = dict(re.findall(r'<tr><th scope="row">(\w+)</th>(.*?)</tr>', page, re.S))
    cells = {k: re.findall(r"<td>([^<]*)", v) for k, v in rows.items()}
    assert cells["trustpilot"][:7] == ["2", "2", "2", "1", "30 min", "50% ", "1"]
    assert cells["google_play"][:7] == ["2", "2", "2", "1", "100 min", "0% ", "1"]
    assert 'id="kpi-breaches">2<' in page and 'id="kpi-median">65 min<' in page
    assert 'id="kpi-on-time">33%<' in page
    assert '<canvas id="chart-sentiment"' in page and "vendor/chart.umd.min.js" in page


def test_history_is_newest_first_and_pages_back(anna, app, cases):
    case = cases.add()
    anna.post(f"/items/{case}/reject", {"reason": "duplicate"})
    page = anna.get("/history").get_data(as_text=True)
    assert page.index("rejected the case") < page.index("opened the case")
    assert f"case #{case}" in page
    only = anna.get(f"/history?case={case}").get_data(as_text=True)
    assert "History of case" in only
    people = anna.get("/history?people=1").get_data(as_text=True)
    assert "rejected the case" in people and "opened the case" not in people


# -- configuration and helpers ---------------------------------------------------------------

def test_a_plain_password_in_the_config_stops_start_up(app, tmp_path):
    from monitor.web import create_app

    bad = desk_settings(app.settings.database.url)
    users = dict(bad.web.users)
    users["anna"] = users["anna"].model_copy(update={"password_hash": "hunter2"})
    app.settings = bad.model_copy(update={"web": bad.web.model_copy(update={"users": users})})
    with pytest.raises(ConfigError, match="web.users.anna.password_hash"):
        create_app(app)


def test_secret_key_comes_from_its_environment_variable(app, monkeypatch):
    from monitor.secrets import Secret
    from monitor.web import create_app

    monkeypatch.setenv("DESK_KEY_FOR_TEST", "k" * 40)
    app.settings = app.settings.model_copy(
        update={"web": app.settings.web.model_copy(update={"secret_key": Secret("DESK_KEY_FOR_TEST")})})
    assert create_app(app).secret_key == "k" * 40
    monkeypatch.delenv("DESK_KEY_FOR_TEST")
    with pytest.raises(ConfigError, match="web.secret_key"):
        create_app(app)


def test_hash_password_makes_a_hash_the_desk_accepts():
    from monitor.web import hash_password, hash_password_command

    made = hash_password("correct horse")
    assert made.startswith("scrypt:") and check_password_hash(made, "correct horse")
    out = io.StringIO()
    assert hash_password_command(stdin=io.StringIO("correct horse battery\n"), stdout=out) == 0
    assert check_password_hash(out.getvalue().strip(), "correct horse battery")
    assert hash_password_command(stdin=io.StringIO("short\n"), stdout=io.StringIO()) == 1


def test_demo_login_is_a_random_approver_password():
    from monitor.web.auth import demo_login

    name, password, entry = demo_login()
    assert name == "demo" and entry["role"] == "approver" and len(password) >= 12
    assert check_password_hash(entry["password_hash"], password) and demo_login()[1] != password


def test_serve_answers_on_an_ephemeral_port_and_stops(app):
    from monitor.web import serve

    server = serve(app, "127.0.0.1", 0)
    try:
        assert server.port > 0 and server.running
        response = requests.get(f"{server.url}/login", timeout=5)
        assert response.status_code == 200 and "Sign in" in response.text
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    finally:
        server.stop()
    assert not server.running
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/login", timeout=2)
