"""Quality figures for one set of predictions against gold labels.

How an item the judge did not judge counts (the judge leaves a mention uncovered when its
language is outside what the model reads; the pipeline sends it to triage):

* label metrics (macro-recall, accuracy): an uncovered item is wrong, for every class, so a
  judge cannot look better by declining hard items; `coverage` says how many were judged, and
  `macro_recall_covered` gives the figure over the judged items only;
* "needs a response" (gold = negative): what the judge decided, i.e. its `needs_response` flag;
  an uncovered item is flagged only if a rule flagged it, so a missed complaint in triage counts
  as missed here, although in production a human would still see it in the triage queue.

Macro-recall averages the recall of the classes present in the gold labels (the UCI sets have
no neutral items: their figure averages negative and positive; a neutral prediction is wrong).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.models import Label


@dataclass(frozen=True)
class Prediction:
    label: Label | None  # None: not judged
    needs_response: bool


@dataclass(frozen=True)
class Scores:
    n: int
    judged: int  # items the judge judged
    coverage: float  # share of items judged, 0..1
    macro_recall: float  # uncovered items count as wrong
    macro_recall_covered: float | None  # over judged items only; None if none was judged
    accuracy: float
    recall: dict[Label, float]  # per class present in gold, uncovered = wrong
    respond_precision: float | None  # None when nothing was flagged
    respond_recall: float | None  # None when no gold negative exists
    respond_f1: float | None


def macro_recall(gold: Sequence[Label], predicted: Sequence[Label | None]) -> tuple[float, dict[Label, float]]:
    """Mean recall over the classes present in `gold`; None predictions are wrong."""
    recall = {}
    for cls in Label:
        members = [p for g, p in zip(gold, predicted) if g == cls]
        if members:
            recall[cls] = sum(p == cls for p in members) / len(members)
    return (sum(recall.values()) / len(recall) if recall else 0.0), recall


def score(gold: Sequence[Label], predictions: Sequence[Prediction]) -> Scores:
    if len(gold) != len(predictions):
        raise ValueError(f"{len(gold)} gold labels but {len(predictions)} predictions")
    n = len(gold)
    labels = [p.label for p in predictions]
    macro, recall = macro_recall(gold, labels)
    judged = [(g, p) for g, p in zip(gold, labels) if p is not None]
    covered_macro = macro_recall(*zip(*judged))[0] if judged else None

    flagged = [p.needs_response for p in predictions]
    actual = [g == Label.NEGATIVE for g in gold]
    tp = sum(f and a for f, a in zip(flagged, actual))
    precision = tp / sum(flagged) if any(flagged) else None
    rec = tp / sum(actual) if any(actual) else None
    if precision is None or rec is None:
        f1 = None
    else:
        f1 = 2 * precision * rec / (precision + rec) if precision + rec else 0.0
    return Scores(
        n=n,
        judged=len(judged),
        coverage=len(judged) / n if n else 0.0,
        macro_recall=macro,
        macro_recall_covered=covered_macro,
        accuracy=sum(g == p for g, p in zip(gold, labels)) / n if n else 0.0,
        recall=recall,
        respond_precision=precision,
        respond_recall=rec,
        respond_f1=f1,
    )
