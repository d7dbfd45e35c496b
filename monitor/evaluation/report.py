"""The evaluation as markdown: one table per data set and judge, one per language."""
from __future__ import annotations

from monitor.evaluation.runner import Results, Row

#: Below this many judged items the judged-only macro-recall is noise, and shown as "–".
MIN_JUDGED = 50

HEADER = (
    "| {what} | lang | n | judge | judged | macro-R | macro-R (judged only) | accuracy | needs response P / R / F1 |\n"
    "|---|---|---:|---|---:|---:|---:|---:|---:|"
)
LEGEND = """\
Percentages. `judged`: share of items the judge judged (the rest were outside the languages its
model covers and would go to triage). `macro-R`: recall averaged over the classes present in the
set, an item not judged counting as wrong; `macro-R (judged only)`: the same over judged items
("–" when fewer than 50 were judged).
`needs response`: precision / recall / F1 of the judge's needs-response flag against gold
negative (an item not judged counts as not flagged unless a rule flagged it). The UCI sets are
binary (negative/positive), so a neutral call there is wrong. VADER judges every text, in any
language, with its English lexicon; it flags exactly its negative calls. The vader-* sets are
the ground truth of VADER's own paper."""


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _row(row: Row) -> str:
    s = row.scores
    n = f"{s.n:,}" if s.n == row.total else f"{s.n:,} of {row.total:,}"
    name = f"{row.name} ({row.note})" if row.note else row.name
    respond = " / ".join(pct(v) for v in (s.respond_precision, s.respond_recall, s.respond_f1))
    return (
        f"| {name} | {row.language} | {n} | {row.judge} | {pct(s.coverage)} | {pct(s.macro_recall)} | "
        f"{pct(s.macro_recall_covered if s.judged >= MIN_JUDGED else None)} | {pct(s.accuracy)} | {respond} |"
    )


def render(results: Results, *, limit: int | None = None) -> str:
    parts = [
        HEADER.format(what="data set"),
        *(_row(r) for r in results.sets),
        "",
        "Per language (all items of that language's reporting sets, pooled):",
        "",
        HEADER.format(what="language"),
        *(_row(r) for r in results.languages),
        "",
        LEGEND,
    ]
    if limit is not None:
        parts.append(
            f"\nAt most {limit:,} items per set: a fixed-seed random sample (the same every run), "
            "shown as `n of total`."
        )
    return "\n".join(parts)
