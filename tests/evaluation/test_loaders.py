"""Each loader on the real files in ../shared: row counts and label splits as published.

The expected figures are copied from ../shared/DATA.md (and, for TweetEval, from
../shared/data/tweeteval/sentiment/README.md), never computed from the files.
"""
from __future__ import annotations

from collections import Counter

import pytest

from monitor.evaluation.datasets import (
    DEFAULT_SETS,
    DataMissing,
    data_dir,
    load,
    select,
)
from monitor.evaluation.metrics import Prediction
from monitor.evaluation.report import render
from monitor.evaluation.runner import evaluate
from monitor.models import Label


@pytest.fixture(scope="module")
def data():
    from tests.conftest import shared_dir

    return shared_dir()


def split(name, data) -> tuple[int, tuple[int, int, int]]:
    d = load(name, data)
    c = Counter(e.label for e in d.examples)
    return len(d.examples), (c[Label.NEGATIVE], c[Label.NEUTRAL], c[Label.POSITIVE])


# (set, rows, negative / neutral / positive) as DATA.md / the TweetEval README state them
PUBLISHED = [
    ("tweeteval", 12_284, (3_972, 5_937, 2_375)),  # TweetEval README, test
    ("tweeteval-val", 2_000, (312, 869, 819)),  # TweetEval README, val
    ("vader-tweets", 4_200, (1_195, 359, 2_646)),
    ("vader-amazon", 3_708, (1_336, 467, 1_905)),
    ("husst-dev", 1_165, (697, 435, 33)),
    ("opinhubank", 10_006, (2_389, 5_770, 1_847)),
    *((f"uci-{k}", 1_000, (500, 0, 500)) for k in ("amazon", "yelp", "imdb")),  # 500 per class
    *((f"xlmt-{k}", 870, (290, 290, 290)) for k in ("ar", "de", "en", "es", "fr", "hi", "it", "pt")),  # "balanced"
]


@pytest.mark.parametrize("name,rows,labels", PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_rows_and_label_split_match_the_published_figures(data, name, rows, labels):
    assert split(name, data) == (rows, labels)


@pytest.mark.parametrize("name,rows", [("vader-movies", 10_605), ("vader-nyt", 5_190)])
def test_vader_snippet_sets_have_the_published_row_counts(data, name, rows):
    d = load(name, data)
    assert len(d.examples) == rows
    assert {e.label for e in d.examples} == set(Label)


def test_rusentitweet_drops_speech_and_skip_from_its_published_test_rows(data):
    d = load("rusentitweet", data)
    assert len(d.examples) + d.excluded == 2_679  # DATA.md: test 2,679
    assert d.excluded > 0
    assert {e.label for e in d.examples} == set(Label)


def test_every_set_has_a_language_and_only_nonempty_texts(data):
    for name in DEFAULT_SETS:
        d = load(name, data)
        assert len(d.language) == 2, name
        assert all(e.text for e in d.examples), name


def test_opinhubank_is_read_as_iso_8859_2(data):
    texts = " ".join(e.text for e in load("opinhubank", data).examples[:200])
    assert "ő" in texts or "ű" in texts  # letters that Latin-1 would turn into other characters


def test_the_reporting_sets_read_no_training_or_validation_file(data):
    for name in DEFAULT_SETS:
        leaf = load(name, data).source.rsplit("/", 1)[-1]
        assert not leaf.startswith(("train", "val")), name


def test_a_limit_draws_the_same_sample_every_time(data):
    full = load("vader-tweets", data)
    first, again = full.sample(50), full.sample(50)
    assert first.examples == again.examples
    assert len(first.examples) == 50 and first.total == 4_200
    assert first.examples != full.examples[:50]  # a sample, not the head of a possibly sorted file


def test_a_missing_data_folder_is_reported_with_what_to_do(tmp_path):
    with pytest.raises(DataMissing, match="--data"):
        data_dir(tmp_path / "nowhere")


def test_replywatch_eval_says_it_needs_the_data_folder(tmp_path, capsys):
    import os

    from monitor.cli import main

    assert main(["--config", os.devnull, "eval", "--data", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "needs the shared data folder" in err and "--data DIR" in err


def test_sets_are_chosen_by_name_or_group():
    assert select(["tweeteval", "uci"]) == ["tweeteval", "uci-amazon", "uci-yelp", "uci-imdb"]
    assert len(select(None)) == len(DEFAULT_SETS)
    with pytest.raises(ValueError, match="unknown evaluation set"):
        select(["klingon"])


class Fixed:
    """A judge that calls everything negative except texts it cannot read."""

    name = "fixed"

    def predict(self, texts):
        return [Prediction(None, False) if "ő" in t else Prediction(Label.NEGATIVE, True) for t in texts]


def test_the_report_has_a_row_per_set_and_per_language(data):
    sets = [load("uci-yelp", data).sample(20), load("husst-dev", data).sample(20)]
    results = evaluate(sets, [Fixed()])
    table = render(results, limit=20)
    assert "| uci-yelp (binary) | en | 20 of 1,000 | fixed |" in table
    assert [r.language for r in results.languages] == ["en", "hu"]
    # calling everything negative on a balanced binary set: macro-recall 50%, flag recall 100%
    yelp = results.sets[0].scores
    assert yelp.macro_recall == pytest.approx(0.5)
    assert yelp.respond_recall == 1.0
