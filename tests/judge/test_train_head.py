"""The head-training script: clear failure without data, a sound fit, a head file that loads back."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from monitor.judge.head import SCALE_FLOOR, Head

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "train_head.py"


@pytest.fixture(scope="module")
def train_head():
    spec = importlib.util.spec_from_file_location("train_head", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_shared_data_fails_with_the_expected_path(train_head, tmp_path):
    with pytest.raises(SystemExit, match="TweetEval data not found") as exc:
        train_head.locate_data(tmp_path / "shared")
    assert "train_reconstructed" in str(exc.value)


def test_fit_separates_classes_and_floors_constant_dimensions(train_head):
    rng = np.random.default_rng(0)
    centers = np.array([[-3.0, 0.0], [0.0, 3.0], [3.0, 0.0]])
    y = np.repeat([0, 1, 2], [50, 200, 150])
    x = centers[y] + rng.normal(size=(len(y), 2))
    x = np.hstack([x, np.full((len(y), 1), 1e-7)])  # a dead dimension, like three of MiniLM's
    w, b, mean, scale = train_head.fit(x, y, l2=1e-3, power=1.0)
    assert scale[2] == SCALE_FLOOR
    assert np.abs(w).max() < 100
    assert train_head.scores(y, train_head.predict((w, b, mean, scale), x))["macro_recall"] > 90


def test_head_round_trips_through_its_json_file(tmp_path):
    rng = np.random.default_rng(1)
    head = Head(
        weights=rng.normal(size=(3, 4)), bias=rng.normal(size=3), mean=rng.normal(size=4),
        scale=np.array([1.0, 0.5, 2.0, SCALE_FLOOR]), labels=("negative", "neutral", "positive"),
        languages=("en",), normalize=True, meta={"val": {"macro_recall": 1.0}},
    )
    head.save(tmp_path / "head.json")
    loaded = Head.load(tmp_path / "head.json")
    assert loaded.labels == head.labels and loaded.languages == ("en",) and loaded.normalize
    assert np.allclose(loaded.weights, head.weights, rtol=1e-6)
    x = rng.normal(size=(5, 4))
    import torch

    expected = ((x - head.mean) / head.scale) @ head.weights.T + head.bias
    got = loaded.linear()(torch.from_numpy(x).float()).detach().numpy()
    assert np.allclose(got, expected, atol=1e-4)
