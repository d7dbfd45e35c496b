"""The default model on ONNX Runtime with int8 weights: about twice as fast, a third of the memory.

The packaged encoder with its mean pooling is exported once with torch.onnx.export and quantized
with dynamic per-channel int8 (MODEL-NOTES: per-tensor int8 costs ~2 points of macro recall,
per-channel ~0.1). The file is cached under $REPLYWATCH_CACHE_DIR, else
$XDG_CACHE_HOME/replywatch, else ~/.cache/replywatch, named by the encoder package's version and
the recipe, so a fresh install builds it once (some 20 s), deterministically and offline.
The head stays in float (numpy): it is one small matrix product, and keeping it out of the file
means a new head needs no rebuild.
"""
from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np

from monitor.judge.batching import token_counts
from monitor.judge.encoder import PACKAGE, packaged_model_dir
from monitor.judge.head import DEFAULT_HEAD, Head
from monitor.judge.labels import label_map
from monitor.judge.packaged import NAME
from monitor.models import Label

log = logging.getLogger(__name__)

BACKEND = "onnx-int8"
#: Bump when the export or the quantization changes, so caches built the old way are not reused.
RECIPE = "meanpool-opset17-int8pc-v2"
OPSET = 17


def cache_dir() -> Path:
    if os.environ.get("REPLYWATCH_CACHE_DIR"):
        return Path(os.environ["REPLYWATCH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "replywatch"


def cached_path(directory: Path | None = None) -> Path:
    """Where the int8 encoder for the installed encoder package lives (whether built or not)."""
    package = PACKAGE.replace("_", "-")
    return (directory or cache_dir()) / f"{package}-{version(package)}-{RECIPE}.onnx"


def ensure_model(directory: Path | None = None) -> Path:
    """The cached int8 file, built first if missing. Concurrent builders each write a private
    temporary file and rename it into place, so a reader never sees half a file."""
    path = cached_path(directory)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    log.info("judge: building the ONNX int8 encoder once, into %s", path)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".build-") as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        export_fp32(packaged_model_dir(), fp32)
        quantize(fp32, int8)
        os.replace(int8, path)
    return path


def export_fp32(model_dir: Path, out: Path) -> None:
    """Encoder + mean pooling over real tokens: (input_ids, attention_mask) -> pooled (batch, dim)."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)

    encoder = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation="eager").eval()
    # The example batch must contain padding: traced on an all-ones mask, the encoder's mask code
    # takes its "nothing to mask" shortcut and the exported graph ignores attention_mask.
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102], [101, 7592, 102, 0, 0, 0]])
    example = (ids, (ids != 0).long())
    with torch.no_grad():
        torch.onnx.export(
            Pooled(encoder),
            example,
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["pooled"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "pooled": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: needs no onnxscript, gives the same graph every time
        )


def quantize(fp32: Path, int8: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8)


class OnnxPackagedModel:
    """PackagedModel's scores from an int8 ONNX encoder; same tokenizer, head and label map."""

    def __init__(self, session, tokenizer, head: Head, *, max_length: int = 128,
                 languages: tuple[str, ...] | None = None):
        self.session = session
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.head = head
        self.weight = (head.weights / head.scale).astype(np.float32).T  # scaler folded in, as Head.linear
        self.bias = (head.bias - (head.weights / head.scale) @ head.mean).astype(np.float32)
        self.labels = label_map(dict(enumerate(head.labels)), model="default head")
        self.classes: tuple[Label, ...] = self.labels.classes
        self.name = f"{NAME}@{BACKEND}"
        self.languages = tuple(languages) if languages is not None else head.languages

    @classmethod
    def load(cls, *, max_length: int = 128, languages: tuple[str, ...] | None = None,
             threads: int | None = None, head: Path = DEFAULT_HEAD,
             cache: Path | None = None) -> OnnxPackagedModel:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        path = ensure_model(cache)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default, one per core
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        tokenizer = AutoTokenizer.from_pretrained(packaged_model_dir(), local_files_only=True)
        return cls(session, tokenizer, Head.load(head), max_length=max_length, languages=languages)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        return token_counts(self.tokenizer, texts, self.max_length)

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        # Padding per batch, never the tokenizer.json's fixed 128 (MODEL-NOTES: 5x slower).
        batch = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="np")
        feeds = {"input_ids": batch["input_ids"].astype(np.int64),
                 "attention_mask": batch["attention_mask"].astype(np.int64)}
        (pooled,) = self.session.run(["pooled"], feeds)
        if self.head.normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        logits = pooled @ self.weight + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return self.labels.scores(probabilities)
