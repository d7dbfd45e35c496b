"""Turn a classifier's own labels into negative / neutral / positive scores.

Hub models name their outputs in several common ways. Each scheme becomes a matrix M of shape
(model labels, our classes) so that `scores = probabilities @ M`: a star model's "1 star" and
"2 stars" both add into negative, which is the honest way to merge them (summing probabilities,
not picking the top star). A model whose labels fit no scheme is refused at load time, with its
labels in the message, rather than being guessed at.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from monitor.models import Label
from monitor.settings import ConfigError

CLASSES = (Label.NEGATIVE, Label.NEUTRAL, Label.POSITIVE)

_NAMED = {
    "negative": Label.NEGATIVE, "neg": Label.NEGATIVE,
    "neutral": Label.NEUTRAL, "neu": Label.NEUTRAL,
    "positive": Label.POSITIVE, "pos": Label.POSITIVE,
}
_STAR = re.compile(r"^([1-5])\s*stars?$")
_STAR_CLASS = {1: Label.NEGATIVE, 2: Label.NEGATIVE, 3: Label.NEUTRAL, 4: Label.POSITIVE, 5: Label.POSITIVE}
_GENERIC = {"label_0": Label.NEGATIVE, "label_1": Label.NEUTRAL, "label_2": Label.POSITIVE}

SUPPORTED = (
    "negative/neutral/positive (any case, or neg/neu/pos); negative/positive; "
    "'1 star'..'5 stars'; LABEL_0/LABEL_1/LABEL_2 (= negative/neutral/positive)"
)


class LabelSchemeError(ConfigError):
    """The configured model's labels cannot be read as sentiment; a human must pick another model."""


@dataclass(frozen=True)
class LabelMap:
    """How a model's output probabilities become our scores."""

    scheme: str  # "named", "binary", "stars" or "generic"
    matrix: np.ndarray  # (model labels, 3): which of our classes each model label feeds
    classes: tuple[Label, ...]  # the classes this scheme can score (binary has no neutral)

    def scores(self, probabilities: np.ndarray) -> list[dict[str, float]]:
        """One {class: score} dict per row of model probabilities (rows sum to 1)."""
        merged = probabilities @ self.matrix
        cols = [CLASSES.index(c) for c in self.classes]
        return [
            {CLASSES[j].value: round(float(row[j]), 6) for j in cols}
            for row in merged
        ]


def label_map(id2label: Mapping[int, str], *, model: str = "judge.model") -> LabelMap:
    """Read a model config's id2label; raise LabelSchemeError naming the labels if no scheme fits."""
    n = len(id2label)
    names = [str(id2label[i]) for i in range(n)] if set(id2label) == set(range(n)) else None
    if names is None:
        raise LabelSchemeError(f"{model}: id2label is not numbered 0..{n - 1}: {dict(id2label)}")
    keys = [re.sub(r"[\s_-]+", " ", name.strip().lower()) for name in names]

    named = [_NAMED.get(k) for k in keys]
    if None not in named and sorted(named) == sorted(set(named)):
        if set(named) == set(CLASSES):
            return _build("named", named, CLASSES)
        if set(named) == {Label.NEGATIVE, Label.POSITIVE}:
            return _build("binary", named, (Label.NEGATIVE, Label.POSITIVE))

    stars = [_STAR.match(k) for k in keys]
    if all(stars) and sorted(int(m.group(1)) for m in stars) == [1, 2, 3, 4, 5]:
        return _build("stars", [_STAR_CLASS[int(m.group(1))] for m in stars], CLASSES)

    generic = [_GENERIC.get(k.replace(" ", "_")) for k in keys]
    if n == 3 and None not in generic and set(generic) == set(CLASSES):
        return _build("generic", generic, CLASSES)

    raise LabelSchemeError(
        f"{model}: cannot read its labels {names} as sentiment. Supported label schemes: {SUPPORTED}"
    )


def _build(scheme: str, targets: list[Label], classes: tuple[Label, ...]) -> LabelMap:
    matrix = np.zeros((len(targets), len(CLASSES)), dtype=np.float32)
    for row, target in enumerate(targets):
        matrix[row, CLASSES.index(target)] = 1.0
    return LabelMap(scheme=scheme, matrix=matrix, classes=classes)
