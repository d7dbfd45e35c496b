"""Any sequence-classification model from the Hugging Face hub or a local directory.

Its labels are mapped to negative/neutral/positive by `labels.label_map`; its languages come from
judge.languages, else a `languages` attribute in its config, else English (said in the log, since
a wrong guess sends foreign text to a model that cannot read it).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

import torch

from monitor.judge.batching import token_counts
from monitor.judge.labels import label_map
from monitor.models import Label
from monitor.settings import ConfigError

log = logging.getLogger(__name__)


class HubModel:
    def __init__(self, name: str, tokenizer, model, *, max_length: int, languages: tuple[str, ...] | None):
        self.name = name
        self.tokenizer = tokenizer
        self.model = model.eval()
        self.max_length = max_length
        self.labels = label_map(model.config.id2label, model=f"judge.model = {name!r}")
        self.classes: tuple[Label, ...] = self.labels.classes
        self.languages = languages or _declared_languages(name, model.config)

    @classmethod
    def load(cls, name: str, *, max_length: int = 128, languages: tuple[str, ...] | None = None) -> HubModel:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(name)
            model = AutoModelForSequenceClassification.from_pretrained(name)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"judge.model = {name!r}: cannot load it ({exc}). Use a local directory, or a hub id "
                "already in the Hugging Face cache when offline (HF_HUB_OFFLINE=1)."
            ) from None
        return cls(name, tokenizer, model, max_length=max_length, languages=languages)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        return token_counts(self.tokenizer, texts, self.max_length)

    @torch.inference_mode()
    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        batch = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        logits = self.model(**batch).logits
        return self.labels.scores(torch.softmax(logits.float(), dim=-1).numpy())


def _declared_languages(name: str, config) -> tuple[str, ...]:
    declared = getattr(config, "languages", None)
    if isinstance(declared, str):
        declared = [declared]
    if declared:
        return tuple(sorted({str(code).strip().lower() for code in declared}))
    log.warning(
        "judge.model = %r declares no languages (config has no 'languages'); assuming English only. "
        "Set judge.languages to say which languages it covers.", name,
    )
    return ("en",)
