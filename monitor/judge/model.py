"""What the judge asks of a sentiment model, and the one place models are loaded.

Loading a transformer costs seconds and hundreds of megabytes, so `load_model` keeps one
instance per (model, languages, max_length): judges that differ only in threshold or batch size
share it.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Protocol

import torch

from monitor.models import Label
from monitor.settings import JudgeSettings

log = logging.getLogger(__name__)

_cache: dict[tuple, SentimentModel] = {}
_lock = threading.Lock()


class SentimentModel(Protocol):
    """Scores one batch of texts; the judge does sorting, batching and error isolation."""

    name: str  # recorded in every Judgement
    languages: tuple[str, ...]  # ISO 639-1 codes it was trained for
    classes: tuple[Label, ...]  # the classes its scores contain

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """One {class: probability} dict per text, in order."""

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text (after truncation), used to sort texts into batches."""


def load_model(settings: JudgeSettings) -> SentimentModel:
    """The configured model, loaded once per process and reused."""
    set_threads(settings.threads)
    languages = tuple(sorted({code.strip().lower() for code in settings.languages})) if settings.languages else None
    # Until JudgeSettings declares `backend`, it is read with a default (the lead adds the field).
    backend = settings.backend
    key = (settings.model, languages, settings.max_length, backend)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(settings.model, languages, settings.max_length, backend, settings.threads)
        return _cache[key]


def _load(
    model: str, languages: tuple[str, ...] | None, max_length: int, backend: str = "torch", threads: int | None = None
) -> SentimentModel:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a daemon's log is no place for "Loading weights: 100%|███|"
    if backend == "onnx-int8":
        if model != "default":
            raise ValueError(f'judge.backend = "onnx-int8" supports only judge.model = "default", not {model!r}')
        from monitor.judge.onnx_backend import OnnxPackagedModel

        return OnnxPackagedModel.load(max_length=max_length, languages=languages, threads=threads)
    if backend != "torch":
        raise ValueError(f'judge.backend must be "torch" or "onnx-int8", not {backend!r}')
    if model == "default":
        from monitor.judge.packaged import PackagedModel

        return PackagedModel.load(max_length=max_length, languages=languages)
    from monitor.judge.hub import HubModel

    return HubModel.load(model, max_length=max_length, languages=languages)


def set_threads(threads: int | None) -> None:
    """Torch's intra-op threads are process-wide: use the configured count, else every usable core."""
    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads or 1)
