"""The Judge's decisions: coverage, threshold, ratings, failures, callbacks, factory, CLI helper."""
from __future__ import annotations

import json
import logging

import pytest

from monitor.judge import judge_texts, load_judge, load_model
from monitor.models import Label
from monitor.settings import JudgeSettings
from tests.judge.builders import mention

NEGATIVE = [0.6, 0.3, 0.1]
POSITIVE = [0.05, 0.15, 0.8]
JAPANESE = "注文した商品がまだ届きません。どうなっていますか"
JAPANESE_QUESTION = "このケトルは何色がありますか"  # no complaint cue: triage alone decides


def test_uncovered_language_goes_to_triage_with_a_reason(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=POSITIVE))
    (j,) = judge.judge([mention(JAPANESE_QUESTION)])
    assert (j.label, j.scores, j.covered, j.needs_response) == (None, {}, False, False)
    assert j.language == "ja"
    assert "language not covered by the model (ja)" in j.reasons
    assert j.urgency > 0


def test_uncovered_language_with_low_rating_still_needs_a_response(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=POSITIVE))
    (j,) = judge.judge([mention(JAPANESE, rating=1)])
    assert j.needs_response and not j.covered and j.label is None
    assert "1-star rating" in j.reasons


def test_platform_language_wins_over_detection(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=NEGATIVE))
    said_german, said_english = judge.judge(
        [mention("my order never arrived", 0, language="de"), mention(JAPANESE, 1, language="en-GB")]
    )
    assert not said_german.covered and said_german.language == "de"
    assert said_english.covered and said_english.language == "en" and said_english.label is Label.NEGATIVE


def test_negative_score_at_or_above_threshold_needs_a_response(tiny_model, make_judge):
    model_dir = tiny_model(probabilities=NEGATIVE)
    (low,) = make_judge(model_dir, threshold=0.6).judge([mention("worst service ever", language="en")])
    (high,) = make_judge(model_dir, threshold=0.7).judge([mention("worst service ever", language="en")])
    assert low.needs_response and "negative 0.60" in low.reasons
    assert not high.needs_response and high.label is Label.NEGATIVE
    assert high.urgency < low.urgency


@pytest.mark.parametrize("rating, needs", [(1, True), (2, True), (3, False), (5, False), (None, False)])
def test_low_star_rating_needs_a_response_even_when_text_is_positive(tiny_model, make_judge, rating, needs):
    judge = make_judge(tiny_model(probabilities=POSITIVE))
    (j,) = judge.judge([mention("i love it", language="en", rating=rating)])
    assert j.label is Label.POSITIVE and j.covered
    assert j.needs_response is needs
    assert (f"{rating}-star rating" in j.reasons) is needs


def test_empty_text_with_rating_is_judged_by_the_rating(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=POSITIVE))
    one_star, five_star = judge.judge([mention("", 0, rating=1), mention("  ", 1, rating=5)])
    assert one_star.needs_response and one_star.label is Label.NEGATIVE and one_star.covered
    assert "no text, judged by its rating" in one_star.reasons
    assert not five_star.needs_response and five_star.label is Label.POSITIVE


def test_a_failing_item_does_not_spoil_its_batch(tiny_model, make_judge):
    """A real failure: texts longer than the model's 16 positions crash its forward pass."""
    judge = make_judge(tiny_model(max_position_embeddings=16), max_length=64, batch_size=8)
    too_long = " ".join(["my order never arrived"] * 8)
    results = judge.judge(
        [mention("ok", 0, language="en"), mention(too_long, 1, language="en", rating=1),
         mention("i love it", 2, language="en"), mention(too_long, 3, language="en")]
    )
    assert [r.covered for r in results] == [True, False, True, False]
    assert results[0].label is not None and results[2].label is not None
    failed, failed_unrated = results[1], results[3]
    assert failed.label is None and failed.scores == {}
    assert any(r.startswith("judge failed: ") for r in failed.reasons)
    assert failed.needs_response  # its 1-star rating still counts
    assert not failed_unrated.needs_response and failed_unrated.urgency > 0


def test_repeat_complainers_are_counted_only_for_cases(tiny_model, make_judge):
    asked = []

    def prior(m):
        asked.append(m.external_id)
        return 2

    judge = make_judge(tiny_model(probabilities=POSITIVE))
    praise, complaint = judge.judge(
        [mention("i love it", 0, language="en"), mention("i love it", 1, language="en", rating=1)],
        prior_complaints=prior,
    )
    assert asked == ["1"]
    assert "3rd complaint by this author" in complaint.reasons
    assert not any("complaint by" in r for r in praise.reasons)


def test_a_failing_prior_complaints_callback_counts_as_none(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=NEGATIVE))

    def broken(m):
        raise RuntimeError("database down")

    (j,) = judge.judge([mention("bad", language="en")], prior_complaints=broken)
    assert j.needs_response and not any("complaint by" in r for r in j.reasons)


def test_judgement_names_the_model(tiny_model, make_judge):
    model_dir = tiny_model()
    (j,) = make_judge(model_dir).judge([mention("ok", language="en")])
    assert j.model == str(model_dir)


def test_languages_from_settings_win(tiny_model, make_judge):
    judge = make_judge(tiny_model(languages=["en"], probabilities=NEGATIVE), languages=["DE", "en"])
    assert judge.model.languages == ("de", "en")
    (j,) = judge.judge([mention("Meine Bestellung ist immer noch nicht angekommen")])
    assert j.covered and j.language == "de"


def test_languages_declared_in_model_config_are_used(tiny_model):
    model = load_model(JudgeSettings(model=str(tiny_model(languages=["ru", "en"]))))
    assert model.languages == ("en", "ru")


def test_model_without_languages_is_assumed_english_and_says_so(tiny_model, caplog):
    with caplog.at_level(logging.WARNING, logger="monitor.judge"):
        model = load_model(JudgeSettings(model=str(tiny_model())))
    assert model.languages == ("en",)
    assert "assuming English" in caplog.text


def test_load_judge_builds_once_per_settings_and_shares_the_model(tiny_model):
    model_dir = str(tiny_model())
    first = load_judge(JudgeSettings(model=model_dir))
    assert load_judge(JudgeSettings(model=model_dir)) is first
    stricter = load_judge(JudgeSettings(model=model_dir, threshold=0.9))
    assert stricter is not first and stricter.model is first.model


def test_judge_texts_gives_json_ready_dicts_in_order(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=NEGATIVE))
    rows = judge_texts(judge, ["My order never arrived and support ignores me", JAPANESE])
    assert json.loads(json.dumps(rows)) == rows
    assert [r["text"] for r in rows] == ["My order never arrived and support ignores me", JAPANESE]
    assert rows[0]["label"] == "negative" and rows[0]["needs_response"] and rows[0]["covered"]
    assert rows[1]["covered"] is False and rows[1]["label"] is None
    assert set(rows[0]) >= {"text", "label", "scores", "needs_response", "language", "covered", "reasons"}


def test_rating_and_alarm_word_rules_on_the_default_model(default_judge):
    from tests.core.factories import mention

    praise = mention(1, text="Had a double charge, wrote to Acme, refunded within 24 hours. Fair play.", rating=5)
    allergy = mention(2, text="Is the Acme charger supposed to get this hot? It smells like it could catch fire.")
    happy_lawyer = mention(3, text="Five stars, my lawyer loves this pen!", rating=5)
    j_praise, j_fire, j_happy = default_judge.judge([praise, allergy, happy_lawyer])
    assert not j_praise.needs_response and "outweighs" in " ".join(j_praise.reasons)
    assert j_fire.needs_response and "legal/safety words need an answer" in j_fire.reasons
    assert not j_happy.needs_response
