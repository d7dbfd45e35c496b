"""What is evaluated: the configured Judge, and VADER as the baseline row.

Both turn texts into `Prediction`s. The Judge sees each text as a mention with no platform
language and no rating (like a source that gives neither): it detects the language itself and
applies its rules, exactly as in the pipeline.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from monitor.evaluation.metrics import Prediction
from monitor.models import Label, Mention

CHUNK = 4096  # texts per Judge call: sorted batching inside it, progress between calls


class ModelJudge:
    def __init__(self, judge, *, progress: bool = False):
        self.judge = judge
        self.name = f"judge: {judge.model.name}"
        self.progress = progress

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        now = datetime.now(UTC)
        out: list[Prediction] = []
        for start in range(0, len(texts), CHUNK):
            mentions = [
                Mention(source="eval", external_id=str(start + i), text=t, created_at=now)
                for i, t in enumerate(texts[start : start + CHUNK])
            ]
            for j in self.judge.judge(mentions):
                label = j.label if j.covered else None
                out.append(Prediction(label, j.needs_response))
            if self.progress:
                print(f"  {self.name}: {len(out)}/{len(texts)}", file=sys.stderr, flush=True)
        return out


class VaderJudge:
    """vaderSentiment's compound score with the paper's ±0.05 thresholds; it judges every text."""

    name = "VADER (compound ±0.05)"

    def __init__(self):
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        except ImportError:
            raise ImportError("the VADER baseline needs the package vaderSentiment (pip install vaderSentiment)") from None
        self.analyzer = SentimentIntensityAnalyzer()

    def label(self, text: str) -> Label:
        compound = self.analyzer.polarity_scores(text)["compound"]
        return Label.POSITIVE if compound >= 0.05 else Label.NEGATIVE if compound <= -0.05 else Label.NEUTRAL

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        labels = [self.label(t) for t in texts]
        return [Prediction(lab, lab == Label.NEGATIVE) for lab in labels]
