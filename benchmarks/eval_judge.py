"""Judging quality: the configured judge and the VADER baseline on every labelled reporting set.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/eval_judge.py [--limit N] [--sets ...] [--data DIR] [--write]

Prints the same table as `replywatch eval`; `--write` replaces the "## Judging quality" section
of benchmarks/RESULTS.md (other sections stay as they are) with the table, the command and the
date. `--limit N` evaluates a fixed-seed sample of at most N items per set (a quick run). The
judge comes from the configuration (`--config`, else $REPLYWATCH_CONFIG or ./config.toml).
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.results import write_section  # noqa: E402
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SECTION = "## Judging quality"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config")
    p.add_argument("--data", help="the shared data folder (default: ../shared beside the repository)")
    p.add_argument("--limit", type=int, help="at most N items per set (fixed-seed sample)")
    p.add_argument("--sets", nargs="+", help="set names or groups (xlmt, vader, uci); default: all")
    p.add_argument("--write", action="store_true", help=f"write the table into RESULTS.md under {SECTION!r}")
    args = p.parse_args()

    from monitor.evaluation.datasets import DataMissing
    from monitor.evaluation.judges import ModelJudge, VaderJudge
    from monitor.evaluation.report import render
    from monitor.evaluation.runner import evaluate, load_sets
    from monitor.judge import load_judge
    from monitor.settings import load_settings

    try:
        datasets = load_sets(args.sets, args.data, args.limit)
    except (DataMissing, ValueError) as exc:
        print(f"eval_judge: {exc}", file=sys.stderr)
        return 2
    settings = load_settings(args.config, require_secrets=False).judge
    started = time.perf_counter()
    judges = [ModelJudge(load_judge(settings), progress=True), VaderJudge()]
    results = evaluate(datasets, judges, progress=True)
    elapsed = time.perf_counter() - started
    table = render(results, limit=args.limit)
    print(table)
    if args.write:
        command = ".venv/bin/python benchmarks/eval_judge.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        timing = ", ".join(f"{name} {s:.0f} s" for name, s in results.seconds.items())
        body = (
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at {revision()}; judge settings: model={settings.model!r}, "
            f"threshold={settings.threshold}. Whole run {elapsed:.0f} s including model load "
            f"(judging time: {timing}).\n\n```\nHF_HUB_OFFLINE=1 {command.strip()}\n```\n\n"
            "Each mention is judged as the pipeline judges it (language detected, no rating, the rules "
            "on top of the model). Sets and label mappings: ../shared/DATA.md; loaders in "
            "monitor/evaluation/datasets.py. Only reporting files are read (no `train*`/`val*` file; "
            "for HuSST its dev split, the only one with labels); RuSentiTweet without its "
            "`speech`/`skip` items.\n\n" + table
        )
        write_section(SECTION, body)
    return 0


def revision() -> str:
    """The commit measured, and whether the judge's code differed from it (the rules move figures)."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "monitor/judge")
    return f"commit {commit}" + (" with uncommitted changes in monitor/judge" if dirty else "")




if __name__ == "__main__":
    sys.exit(main())
