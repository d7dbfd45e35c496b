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


@pytest.fixture
def store(db_url):
    from monitor.store import Store

    s = Store(db_url)
    s.create_all()
    yield s
    s.dispose()


@pytest.fixture(scope="session")
def default_judge():
    """The default packaged model, loaded once for the whole run (a real forward pass)."""
    from monitor.judge import load_judge
    from monitor.settings import JudgeSettings

    return load_judge(JudgeSettings())
