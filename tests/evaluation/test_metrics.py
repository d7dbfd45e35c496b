"""Metrics on small cases worked out by hand."""
from __future__ import annotations

import pytest

from monitor.evaluation.metrics import Prediction, macro_recall, score
from monitor.models import Label

NEG, NEU, POS = Label.NEGATIVE, Label.NEUTRAL, Label.POSITIVE


def preds(*labels):
    return [Prediction(lab, lab == NEG) for lab in labels]


def test_macro_recall_averages_the_recall_of_each_class():
    # negative 2/2, neutral 1/2, positive 0/1 -> (1 + 0.5 + 0) / 3
    gold = [NEG, NEG, NEU, NEU, POS]
    value, per_class = macro_recall(gold, [NEG, NEG, NEU, POS, NEU])
    assert per_class == {NEG: 1.0, NEU: 0.5, POS: 0.0}
    assert value == pytest.approx(0.5)


def test_macro_recall_ignores_classes_absent_from_gold():
    # binary set: negative 1/2, positive 2/2; a neutral call is simply wrong
    value, per_class = macro_recall([NEG, NEG, POS, POS], [NEG, NEU, POS, POS])
    assert set(per_class) == {NEG, POS}
    assert value == pytest.approx(0.75)


def test_an_item_not_judged_counts_as_wrong_and_lowers_coverage():
    gold = [NEG, NEU, POS, POS]
    s = score(gold, [Prediction(NEG, True), Prediction(NEU, False), Prediction(None, False), Prediction(POS, False)])
    assert s.judged == 3
    assert s.coverage == pytest.approx(0.75)
    assert s.accuracy == pytest.approx(0.75)
    assert s.macro_recall == pytest.approx((1 + 1 + 0.5) / 3)
    assert s.macro_recall_covered == pytest.approx(1.0)


def test_needs_response_precision_recall_f1_against_gold_negative():
    # gold negatives: items 0, 1, 2; flagged: 0, 1, 3 -> TP 2, FP 1, FN 1
    gold = [NEG, NEG, NEG, NEU, POS]
    flags = [True, True, False, True, False]
    s = score(gold, [Prediction(NEU, f) for f in flags])
    assert s.respond_precision == pytest.approx(2 / 3)
    assert s.respond_recall == pytest.approx(2 / 3)
    assert s.respond_f1 == pytest.approx(2 / 3)


def test_an_uncovered_complaint_flagged_by_a_rule_still_counts_as_found():
    s = score([NEG, NEG], [Prediction(None, True), Prediction(None, False)])
    assert s.coverage == 0
    assert s.macro_recall == 0
    assert s.macro_recall_covered is None
    assert (s.respond_precision, s.respond_recall) == (1.0, 0.5)


def test_precision_is_undefined_when_nothing_is_flagged():
    s = score([NEG, POS], preds(POS, POS))
    assert s.respond_precision is None
    assert s.respond_recall == 0
    assert s.respond_f1 is None


def test_f1_is_zero_when_every_flag_is_wrong():
    s = score([NEG, POS], preds(POS, NEG))
    assert (s.respond_precision, s.respond_recall, s.respond_f1) == (0.0, 0.0, 0.0)


def test_gold_and_predictions_must_line_up():
    with pytest.raises(ValueError):
        score([NEG, POS], preds(NEG))
