"""Run judges over the chosen sets: one row per (set, judge), plus per-language rows.

A language row pools every item of that language's reporting sets (validation sets are left
out) and scores the pool as one set, so large sets weigh more than small ones.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from monitor.evaluation.datasets import DataMissing, Dataset, load, select
from monitor.evaluation.metrics import Prediction, Scores, score
from monitor.models import Label


@dataclass(frozen=True)
class Row:
    judge: str
    name: str  # set name, or the language code for a pooled row
    language: str
    scores: Scores
    total: int  # items in the set before a --limit sample
    note: str = ""


@dataclass(frozen=True)
class Results:
    sets: list[Row]
    languages: list[Row]
    seconds: dict[str, float]  # judging time per judge


def evaluate(datasets: Sequence[Dataset], judges: Sequence, *, progress: bool = False) -> Results:
    rows: list[Row] = []
    pooled: dict[tuple[str, str], tuple[list[Label], list[Prediction]]] = {}
    seconds: dict[str, float] = {}
    for d in datasets:
        gold = [e.label for e in d.examples]
        for judge in judges:
            started = time.perf_counter()
            predictions = judge.predict([e.text for e in d.examples])
            seconds[judge.name] = seconds.get(judge.name, 0.0) + time.perf_counter() - started
            rows.append(Row(judge.name, d.name, d.language, score(gold, predictions), d.total or len(gold), d.note))
            if d.note != "validation":
                g, p = pooled.setdefault((judge.name, d.language), ([], []))
                g.extend(gold)
                p.extend(predictions)
        if progress:
            print(f"evaluated {d.name} ({len(gold)} items)", file=sys.stderr, flush=True)
    languages = [
        Row(judge, "all sets", language, score(g, p), len(g))
        for (judge, language), (g, p) in sorted(pooled.items(), key=lambda kv: (kv[0][1], kv[0][0] != rows[0].judge))
    ]
    return Results(rows, languages, seconds)


def load_sets(names: list[str] | None, data: str | Path | None, limit: int | None) -> list[Dataset]:
    return [load(name, data).sample(limit) for name in select(names)]


def run_eval(judge_settings, *, data=None, limit: int | None = None, sets: list[str] | None = None) -> int:
    """`replywatch eval`: print the table; exit 2 with a clear message when the data is missing."""
    from monitor.evaluation.judges import ModelJudge, VaderJudge
    from monitor.evaluation.report import render
    from monitor.judge import load_judge

    try:
        datasets = load_sets(sets, data, limit)
    except (DataMissing, ValueError) as exc:
        print(f"replywatch eval: {exc}", file=sys.stderr)
        return 2
    judges = [ModelJudge(load_judge(judge_settings), progress=True), VaderJudge()]
    print(render(evaluate(datasets, judges, progress=True), limit=limit))
    return 0
