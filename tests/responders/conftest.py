"""Fixtures of the posting tests: one local fake platform server, a SQLite store, a fake clock."""
from __future__ import annotations

import pytest

from monitor.clock import FakeClock
from monitor.store import Store
from tests.responders.helpers import T0



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
