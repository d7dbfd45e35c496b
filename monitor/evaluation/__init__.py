"""Judging quality against the labelled sets in ../shared (run by `replywatch eval` and
benchmarks/eval_judge.py).

datasets.py reads each set as negative/neutral/positive examples, metrics.py scores predictions
(and documents how an item the judge did not judge counts), judges.py adapts the Judge and the
VADER baseline, runner.py runs them, report.py renders the markdown table. Nothing here is
imported by the daemon, and nothing but this package reads ../shared.
"""
from monitor.evaluation.datasets import (
    DEFAULT_SETS,
    SETS,
    DataMissing,
    Dataset,
    Example,
    load,
)
from monitor.evaluation.metrics import Prediction, Scores, score

__all__ = ["DEFAULT_SETS", "SETS", "DataMissing", "Dataset", "Example", "Prediction", "Scores", "load", "score"]
