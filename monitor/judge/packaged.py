"""The default model: the packaged MiniLM encoder plus the head trained by scripts/train_head.py.

Everything it needs ships with the installed packages; it never reads ../shared or the network.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import torch

from monitor.judge.encoder import MeanPooledEncoder, packaged_model_dir
from monitor.judge.head import DEFAULT_HEAD, Head
from monitor.judge.labels import label_map
from monitor.models import Label

log = logging.getLogger(__name__)

NAME = "all-MiniLM-L6-v2+tweeteval-head"


class PackagedModel:
    def __init__(self, encoder: MeanPooledEncoder, head: Head, *, languages: tuple[str, ...] | None = None):
        self.encoder = encoder
        self.head = head
        self.linear = head.linear()
        self.labels = label_map(dict(enumerate(head.labels)), model="default head")
        self.classes: tuple[Label, ...] = self.labels.classes
        self.name = NAME
        self.languages = head.languages
        if languages is not None and tuple(languages) != head.languages:
            log.warning(
                "judge.languages = %s overrides the default head's %s; its head was trained on English tweets only",
                list(languages), list(head.languages),
            )
            self.languages = tuple(languages)

    @classmethod
    def load(
        cls, *, max_length: int = 128, languages: tuple[str, ...] | None = None, head: Path = DEFAULT_HEAD
    ) -> PackagedModel:
        return cls(MeanPooledEncoder(packaged_model_dir(), max_length=max_length), Head.load(head), languages=languages)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        return self.encoder.token_counts(texts)

    @torch.inference_mode()
    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        pooled = self.encoder.embed(texts)
        if self.head.normalize:
            pooled = torch.nn.functional.normalize(pooled, dim=1)
        probabilities = torch.softmax(self.linear(pooled), dim=1)
        return self.labels.scores(probabilities.numpy())
