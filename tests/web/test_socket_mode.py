"""Slack's buttons over Socket Mode: slack_sdk's real client against a local Socket Mode server,
a real SQLite store, and the response_url updates over real HTTP."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import pytest

from monitor.app import App
from monitor.clock import FakeClock
from monitor.models import CaseState
from monitor.settings import Settings
from monitor.web.socket_mode import Press, button_press, start_socket_mode
from tests.fakes.replay_server import ReplayServer
from tests.fakes.slack_socket import APP_TOKEN, FakeSocketSlack
from tests.web.conftest import T0, Cases

APP_TOKEN_ENV = "REPLYWATCH_TEST_SLACK_APP_TOKEN"
RESPONSE_PATH = "/actions/T000/123/abc"
ORIGINAL_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Urgent complaint"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "> Where is my parcel?"}},
    {"type": "actions", "block_id": "replywatch_case_1", "elements": []},
]


def socket_settings(db_url: str, api_url: str, **slack) -> Settings:
    return Settings.model_validate({
        "database": {"url": db_url},
        "alerts": {"slack": {"enabled": True, "socket_mode": True, "app_token": {"env": APP_TOKEN_ENV},
                             "api_url": api_url, "timeout_seconds": 2, **slack}},
        "app": {"desk_url": "http://desk.test"},
    })


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def env():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(APP_TOKEN_ENV, APP_TOKEN)
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            mp.delenv(name, raising=False)  # slack_sdk would send even 127.0.0.1 through it
        yield


def make_app(path, api_url: str, drafter, clock, **slack) -> App:
    application = App(socket_settings(f"sqlite:///{path}", api_url, **slack), clock=clock)
    application.__dict__["drafter"] = drafter  # App.drafter is a cached_property
    return application


# One connection serves the tests of pressing buttons: slack_sdk needs a few seconds to close one
# (it waits out its 3 s socket timeout), so each test makes its own cases and response_url.

@pytest.fixture(scope="module")
def slack(env):
    with FakeSocketSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def app(tmp_path_factory, slack, drafter):
    application = make_app(tmp_path_factory.mktemp("socket") / "desk.db", slack.api_url, drafter, FakeClock(T0))
    yield application
    application.close()


@pytest.fixture(scope="module")
def cases(app) -> Cases:
    return Cases(app, app.clock)


@pytest.fixture(scope="module")
def receiver(app, slack):
    started = start_socket_mode(app)
    try:
        slack.wait_connected()
        yield started
    finally:
        started.stop()


@dataclass
class ResponseUrl:
    """Where a press's message update goes: a local server that records it."""

    server: ReplayServer

    @property
    def url(self) -> str:
        return self.server.url + RESPONSE_PATH

    def updates(self) -> list[dict]:
        return [seen.json() for seen in self.server.requests if seen.path == RESPONSE_PATH]


@pytest.fixture
def response_url():
    with ReplayServer() as server:
        server.add("POST", RESPONSE_PATH, body={"ok": True}, repeat=True)
        yield ResponseUrl(server)


@pytest.fixture
def other_slack(env):
    """A Socket Mode server of its own, for tests that never connect to it or are refused."""
    with FakeSocketSlack() as fake:
        yield fake


def test_approve_is_acknowledged_then_done_as_the_slack_user(receiver, slack, app, cases, response_url):
    case = cases.add()
    envelope_id = slack.press(case, "approve", user="maria", response_url=response_url.url,
                              blocks=ORIGINAL_BLOCKS)
    assert slack.wait_ack(envelope_id) == {"envelope_id": envelope_id}
    wait_for(response_url.updates, "the message update")
    done = app.store.case(case)
    assert done.state is CaseState.POST_MANUALLY and done.draft.decided_by == "slack:maria"
    assert ("approved", "slack:maria") in [(e["kind"], e["actor"]) for e in app.store.events(case)]
    [body] = response_url.updates()
    assert body["replace_original"] is True
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "context"]  # buttons gone
    assert "Approved by maria" in body["text"]
    opened = slack.api.requests[0]  # the connection was opened with the app-level token
    assert opened.path == "/apps.connections.open" and opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"


def test_reject_records_who_rejected(receiver, slack, app, cases, response_url):
    case = cases.add()
    slack.wait_ack(slack.press(case, "reject", user="li", response_url=response_url.url))
    wait_for(response_url.updates, "the message update")
    done = app.store.case(case)
    assert done.state is CaseState.REJECTED and done.draft.reason == "rejected in Slack by li"
    assert "Rejected by li" in response_url.updates()[0]["text"]


def test_a_press_on_a_handled_case_changes_nothing(receiver, slack, app, cases, response_url):
    case = cases.add()
    slack.wait_ack(slack.press(case, "reject", user="li", response_url=response_url.url))
    wait_for(lambda: len(response_url.updates()) == 1, "the first update")
    slack.wait_ack(slack.press(case, "approve", user="maria", response_url=response_url.url))
    wait_for(lambda: len(response_url.updates()) == 2, "the second update")
    done = app.store.case(case)
    assert done.state is CaseState.REJECTED and done.draft.decided_by == "slack:li"
    assert "Nothing changed: case" in response_url.updates()[1]["text"]
    assert "already rejected by slack:li" in response_url.updates()[1]["text"]


def test_other_envelopes_are_acknowledged_and_ignored(receiver, slack, app, cases, response_url):
    case = cases.add()
    edit = slack.press(case, "edit", response_url=response_url.url)  # the desk link button
    event = slack.envelope("events_api", {"type": "event_callback", "event": {"type": "app_mention"}})
    slack.wait_ack(edit)
    slack.wait_ack(event)
    # they change nothing and update no message; a real press still does
    after = cases.add()
    slack.wait_ack(slack.press(after, "reject", user="li", response_url=response_url.url))
    wait_for(response_url.updates, "the later press")
    assert app.store.case(case).state is CaseState.AWAITING_APPROVAL
    [only] = response_url.updates()
    assert "Rejected by li" in only["text"]


def test_presses_still_arrive_after_slack_asks_for_a_new_connection(receiver, slack, app, cases, response_url):
    connections, urls = slack.connections, len(slack.api.requests)
    slack.disconnect("refresh_requested")
    slack.wait_connected(count=connections + 1)
    assert len(slack.api.requests) == urls + 1  # a new URL from apps.connections.open
    case = cases.add()
    slack.wait_ack(slack.press(case, "approve", response_url=response_url.url))
    wait_for(lambda: app.store.case(case).state is CaseState.POST_MANUALLY, "the approval")


def test_a_refused_app_token_is_reported_once_and_not_retried(tmp_path, clock, drafter, other_slack, caplog):
    other_slack.refuse("invalid_auth")
    application = make_app(tmp_path / "refused.db", other_slack.api_url, drafter, clock)
    with caplog.at_level(logging.INFO, logger="replywatch.web.slack"):
        started = start_socket_mode(application, retry_seconds=0.01)  # a retry would come at once
        try:
            wait_for(lambda: not started.connecting, "the connecting thread to give up")
            assert not started.connected
        finally:
            started.stop()
            application.close()
    assert len(other_slack.api.requests) == 1 and other_slack.connections == 0
    [refused] = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert "alerts.slack.app_token (invalid_auth)" in refused and APP_TOKEN not in caplog.text


def test_an_unreachable_slack_is_retried_until_stopped(tmp_path, clock, drafter, other_slack):
    other_slack.api.clear()  # apps.connections.open answers 599 with no JSON
    application = make_app(tmp_path / "retry.db", other_slack.api_url, drafter, clock)
    started = start_socket_mode(application, retry_seconds=0.05)
    try:
        wait_for(lambda: len(other_slack.api.requests) >= 3, "retries")
    finally:
        stopping = threading.Thread(target=started.stop)
        stopping.start()
        stopping.join(8)
        application.close()
    assert not stopping.is_alive() and not started.connecting


@pytest.mark.parametrize("slack_section", [{"socket_mode": False}, {"enabled": False}])
def test_without_socket_mode_nothing_starts(tmp_path, clock, drafter, other_slack, slack_section):
    application = make_app(tmp_path / "off.db", other_slack.api_url, drafter, clock, **slack_section)
    try:
        assert start_socket_mode(application) is None
    finally:
        application.close()
    assert other_slack.api.requests == []


@pytest.mark.parametrize("payload", [
    None,
    {"type": "view_submission"},
    {"type": "block_actions", "actions": []},
    {"type": "block_actions", "actions": [{"action_id": "edit", "url": "http://desk.test/items/1"}]},
    {"type": "block_actions", "actions": [{"action_id": "approve"}]},
    {"type": "block_actions", "actions": [{"action_id": "reject", "value": "not-a-case"}]},
])
def test_only_an_approve_or_reject_press_with_a_case_id_is_a_press(payload):
    assert button_press(payload) is None


def test_a_press_names_the_user_as_the_desk_endpoint_does():
    payload = {"type": "block_actions", "user": {"id": "U0123ABC"}, "response_url": "https://hooks.slack.com/x",
               "actions": [{"action_id": "reject", "value": "12"}]}
    assert button_press(payload) == Press("reject", 12, "U0123ABC", "https://hooks.slack.com/x", None)
