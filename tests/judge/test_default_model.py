"""The packaged default model end to end (loaded once per session), and the head file it ships."""
from __future__ import annotations

import json

import numpy as np
import pytest

from monitor.judge.head import DEFAULT_HEAD, SCALE_FLOOR, Head
from monitor.models import Category, Label
from tests.judge.builders import mention

pytestmark = pytest.mark.slow


def test_clear_complaint_needs_a_response(default_judge):
    (j,) = default_judge.judge([mention("My order never arrived and support ignores me. Worst service ever.")])
    assert j.covered and j.language == "en"
    assert j.label is Label.NEGATIVE and j.needs_response
    assert j.category is Category.DELIVERY
    assert any(r.startswith("negative ") for r in j.reasons)


def test_clear_praise_needs_no_response(default_judge):
    (j,) = default_judge.judge([mention("Absolutely love it, fast delivery, thank you!")])
    assert j.covered and j.label is Label.POSITIVE and not j.needs_response


@pytest.mark.parametrize(
    "text, language",
    [
        ("注文した商品が二週間たっても届きません。サポートも返事がありません。最悪です。", "ja"),
        ("Заказ так и не доставили, поддержка не отвечает. Худший сервис.", "ru"),
    ],
)
def test_japanese_and_russian_are_not_covered(default_judge, text, language):
    (j,) = default_judge.judge([mention(text)])
    assert (j.covered, j.label, j.language) == (False, None, language)
    assert f"language not covered by the model ({language})" in j.reasons
    assert j.category is Category.DELIVERY  # the keyword rules still read it


def test_default_model_is_named_and_covers_english_only(default_judge):
    assert default_judge.model.languages == ("en",)
    (j,) = default_judge.judge([mention("ok thanks")])
    assert j.model == "all-MiniLM-L6-v2+tweeteval-head"


def test_shipped_head_is_small_and_well_formed():
    assert DEFAULT_HEAD.stat().st_size < 100_000
    doc = json.loads(DEFAULT_HEAD.read_text())
    assert doc["labels"] == ["negative", "neutral", "positive"] and doc["languages"] == ["en"]
    assert {"val", "test", "choice", "trained_on"} <= set(doc["meta"])
    head = Head.load()
    assert head.weights.shape == (3, 384) and np.all(head.scale >= SCALE_FLOOR)
    assert np.abs(head.weights).max() < 100  # no blown-up near-constant dimensions
