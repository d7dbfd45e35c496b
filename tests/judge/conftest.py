"""Fixtures for the judge tests: tiny local models, the language detector, the default model."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from monitor.settings import JudgeSettings
from tests.judge.builders import THREE_WAY, build_tiny_model


@pytest.fixture
def tiny_model(tmp_path: Path) -> Callable[..., Path]:
    """Factory: tiny_model(id2label, probabilities=..., languages=...) -> model directory."""
    counter = iter(range(1000))

    def make(id2label: dict[int, str] = THREE_WAY, **kwargs) -> Path:
        return build_tiny_model(tmp_path / f"model{next(counter)}", id2label, **kwargs)

    return make


@pytest.fixture(scope="session")
def detector():
    from monitor.judge.language import LanguageDetector

    return LanguageDetector()


@pytest.fixture
def make_judge(detector):
    """Factory: a Judge over a tiny local model directory with the given settings."""
    from monitor.judge import Judge, load_model

    def make(model_dir: Path, **settings) -> Judge:
        s = JudgeSettings(model=str(model_dir), **settings)
        return Judge(load_model(s), s, detector=detector)

    return make


@pytest.fixture(scope="session")
def default_judge():
    """The packaged default model, loaded once for the whole session."""
    from monitor.judge import load_judge

    return load_judge(JudgeSettings())
