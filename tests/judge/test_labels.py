"""Label schemes of hub models become negative/neutral/positive scores (real tiny models)."""
from __future__ import annotations

import numpy as np
import pytest

from monitor.judge import LabelSchemeError, load_model
from monitor.judge.labels import label_map
from monitor.settings import ConfigError, JudgeSettings

STARS = {0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"}


def scores_of(model_dir, text="my order never arrived"):
    return load_model(JudgeSettings(model=str(model_dir))).predict([text])[0]


@pytest.mark.parametrize(
    "id2label",
    [
        {0: "negative", 1: "neutral", 2: "positive"},
        {0: "NEGATIVE", 1: "Neutral", 2: "positive"},
        {0: "neg", 1: "neu", 2: "pos"},
        {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"},
    ],
    ids=["lower", "mixed-case", "short", "generic"],
)
def test_three_way_schemes_map_in_label_order(tiny_model, id2label):
    scores = scores_of(tiny_model(id2label, probabilities=[0.7, 0.2, 0.1]))
    assert scores == pytest.approx({"negative": 0.7, "neutral": 0.2, "positive": 0.1}, abs=1e-5)


def test_label_order_in_config_is_respected_not_assumed(tiny_model):
    scores = scores_of(tiny_model({0: "positive", 1: "negative", 2: "neutral"}, probabilities=[0.6, 0.3, 0.1]))
    assert scores == pytest.approx({"positive": 0.6, "negative": 0.3, "neutral": 0.1}, abs=1e-5)


def test_star_ratings_sum_into_three_classes(tiny_model):
    scores = scores_of(tiny_model(STARS, probabilities=[0.3, 0.25, 0.2, 0.15, 0.1]))
    assert scores == pytest.approx({"negative": 0.55, "neutral": 0.2, "positive": 0.25}, abs=1e-5)


def test_binary_model_scores_only_negative_and_positive(tiny_model):
    scores = scores_of(tiny_model({0: "NEGATIVE", 1: "POSITIVE"}, probabilities=[0.8, 0.2]))
    assert scores == pytest.approx({"negative": 0.8, "positive": 0.2}, abs=1e-5)


def test_unmappable_labels_are_refused_naming_them(tiny_model):
    with pytest.raises(LabelSchemeError, match=r"'joy'.*'anger'"):
        load_model(JudgeSettings(model=str(tiny_model({0: "joy", 1: "anger"}))))


def test_label_scheme_error_is_a_configuration_error():
    with pytest.raises(ConfigError):
        label_map({0: "LABEL_0", 1: "LABEL_1"})


@pytest.mark.parametrize(
    "id2label",
    [
        {0: "negative", 1: "negative", 2: "positive"},  # a class twice
        {0: "1 star", 1: "2 stars", 2: "3 stars"},  # incomplete star scale
        {0: "negative", 1: "neutral", 2: "positive", 3: "mixed"},
    ],
)
def test_partial_or_ambiguous_schemes_are_refused(id2label):
    with pytest.raises(LabelSchemeError):
        label_map(id2label)


def test_scores_are_plain_floats_for_json():
    lm = label_map(STARS)
    (scores,) = lm.scores(np.array([[0.2, 0.2, 0.2, 0.2, 0.2]], dtype=np.float32))
    assert all(type(v) is float for v in scores.values())
    assert sum(scores.values()) == pytest.approx(1.0)


def test_unloadable_model_says_which_setting(tmp_path):
    with pytest.raises(ConfigError, match="judge.model"):
        load_model(JudgeSettings(model=str(tmp_path / "no-such-model")))
