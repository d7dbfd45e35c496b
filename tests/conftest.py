"""Shared fixtures: a real database per test, a fake clock, the shared data folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """../shared beside the repo: recorded traffic and labelled data, never needed at run time."""
    path = REPO.parent / "shared"
    if not path.is_dir():
        pytest.fail(f"the shared data folder is missing: expected {path} (it sits beside the repo)")
    return path


@pytest.fixture
def shared() -> Path:
    return shared_dir()


@pytest.fixture
def clock():
    from monitor.clock import FakeClock

    return FakeClock()


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'replywatch.db'}"


PG_URL = os.environ.get("REPLYWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url():
    """A fresh schema in the local PostgreSQL server (started by scripts/ensure-services.sh)."""
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"rw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001 - say what is missing, plainly
        pytest.fail(f"PostgreSQL is not reachable at {PG_URL} ({type(exc).__name__}); run scripts/ensure-services.sh")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, db_url):
    """The store on each supported database: SQLite (the default) and PostgreSQL."""
    from monitor.store import Store

    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = Store(url)
    s.create_all()
    yield s
    s.dispose()


@pytest.fixture(scope="session")
def default_judge():
    """The default packaged model, loaded once for the whole run (a real forward pass)."""
    from monitor.judge import load_judge
    from monitor.settings import JudgeSettings

    return load_judge(JudgeSettings())


@pytest.fixture(scope="session")
def replay_server():
    """One local replay server for the run (reset for each test by `server`)."""
    from tests.fakes.replay_server import ReplayServer

    with ReplayServer() as s:
        yield s


@pytest.fixture
def server(replay_server):
    """The replay server with no routes and nothing recorded; every request must be scripted."""
    yield replay_server.reset()
    assert not replay_server.unmatched, f"requests nothing was scripted for: {replay_server.unmatched}"
