"""Fixtures of the posting tests: one local fake platform server, a SQLite store, a fake clock."""
from __future__ import annotations

import pytest

from monitor.clock import FakeClock
from monitor.store import Store
from tests.fakes.replay_server import ReplayServer
from tests.responders.helpers import T0


@pytest.fixture(scope="session")
def replay_server():
    with ReplayServer() as s:  # one for the package: stopping a ReplayServer takes 0.5 s
        yield s


@pytest.fixture
def server(replay_server):
    """The shared server with no routes and no recorded requests; every request must match."""
    replay_server.clear()
    replay_server.requests.clear()
    replay_server.unmatched.clear()
    yield replay_server
    assert replay_server.unmatched == [], "a request no scripted answer covers"


@pytest.fixture
def db(db_url):
    s = Store(db_url)
    s.create_all()
    yield s
    s.dispose()


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture(autouse=True)
def no_politeness_delay(monkeypatch):
    """Tests talk to their own server: no second between two requests (the settings' delay_seconds
    is set to 0 where a platform has one)."""
    from responders.base import Responder

    monkeypatch.setattr(Responder, "delay_seconds", 0.0)
