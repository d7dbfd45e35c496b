"""Judging mentions: sentiment model, language coverage, category and urgency rules.

The pipeline calls `load_judge(settings.judge).judge(mentions, prior_complaints=...)`; the CLI
calls `judge_texts(judge, texts)`. Importing this package loads no model: that happens once, in
`load_judge`.
"""
from monitor.judge.judge import Judge, judge_texts, load_judge
from monitor.judge.labels import LabelSchemeError
from monitor.judge.model import SentimentModel, load_model

__all__ = ["Judge", "LabelSchemeError", "SentimentModel", "judge_texts", "load_judge", "load_model"]
