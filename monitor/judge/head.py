"""The trained classification head: a standard scaler and a multinomial logistic regression.

It is stored as JSON (weights, bias, scaler, label order, languages, how it was trained and what
it scored) so a reviewer can read what ships, and it is small (about 23 KB). The scaler is folded
into the linear layer on load, so run time costs one matrix product.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

DEFAULT_HEAD = Path(__file__).parent / "heads" / "minilm_tweeteval.json"

#: Smallest scale the scaler may divide by. A few pooled dimensions of MiniLM are almost always
#: zero; dividing by their tiny standard deviation turns them into noise with huge weights.
SCALE_FLOOR = 1e-2


@dataclass(frozen=True)
class Head:
    weights: np.ndarray  # (classes, dim), acting on scaled features
    bias: np.ndarray  # (classes,)
    mean: np.ndarray  # (dim,)
    scale: np.ndarray  # (dim,), already floored
    labels: tuple[str, ...]  # class order of weights rows, e.g. negative, neutral, positive
    languages: tuple[str, ...]
    normalize: bool = False  # L2-normalise pooled vectors before the scaler
    meta: dict[str, Any] = field(default_factory=dict)

    def linear(self) -> torch.nn.Linear:
        """One Linear layer equal to scaler + logistic regression: W/s and b - (W/s)·mean."""
        w = self.weights / self.scale
        b = self.bias - w @ self.mean
        layer = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(w.astype(np.float32)))
            layer.bias.copy_(torch.from_numpy(b.astype(np.float32)))
        return layer.eval()

    def save(self, path: str | Path) -> None:
        doc = {
            "format": "replywatch-head/1",
            "labels": list(self.labels),
            "languages": list(self.languages),
            "normalize": self.normalize,
            "meta": self.meta,
            "scaler": {"mean": _rounded(self.mean), "scale": _rounded(self.scale)},
            "bias": _rounded(self.bias),
            "weights": [_rounded(row) for row in self.weights],
        }
        Path(path).write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")

    @classmethod
    def load(cls, path: str | Path = DEFAULT_HEAD) -> Head:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        if doc.get("format") != "replywatch-head/1":
            raise ValueError(f"{path}: not a replywatch head file")
        weights = np.asarray(doc["weights"], dtype=np.float64)
        scale = np.maximum(np.asarray(doc["scaler"]["scale"], dtype=np.float64), SCALE_FLOOR)
        return cls(
            weights=weights,
            bias=np.asarray(doc["bias"], dtype=np.float64),
            mean=np.asarray(doc["scaler"]["mean"], dtype=np.float64),
            scale=scale,
            labels=tuple(doc["labels"]),
            languages=tuple(doc["languages"]),
            normalize=bool(doc.get("normalize", False)),
            meta=doc.get("meta", {}),
        )


def _rounded(values: Sequence[float] | np.ndarray) -> list[float]:
    """Seven significant digits: float32 precision, half the bytes of repr(float64)."""
    return [float(f"{v:.7g}") for v in np.asarray(values, dtype=np.float64).ravel()]
