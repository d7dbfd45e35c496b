"""The labelled reporting sets in ../shared, each read as negative/neutral/positive examples.

The mappings are the ones ../shared/DATA.md (and the TweetEval README) state; the tests check
every loader's row counts and label split against the figures published there. Only reporting
files are read (never `train*`/`val*`), except `tweeteval-val`, which is not a default set and is
labelled as validation wherever it is reported. The program never needs this folder to run:
only the evaluation does, and it says so when the folder is missing.
"""
from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from monitor.models import Label

NEG, NEU, POS = Label.NEGATIVE, Label.NEUTRAL, Label.POSITIVE
REPO = Path(__file__).resolve().parents[2]


class DataMissing(FileNotFoundError):
    """The shared data folder, or a file in it, is not where the evaluation expects it."""


@dataclass(frozen=True)
class Example:
    text: str
    label: Label


@dataclass(frozen=True)
class Dataset:
    name: str
    language: str  # ISO 639-1
    examples: tuple[Example, ...]
    source: str  # file(s) read, relative to the data folder
    excluded: int = 0  # rows read but left out by the mapping (RuSentiTweet speech/skip)
    note: str = ""
    total: int = 0  # rows before a --limit sample; 0 = len(examples)

    def sample(self, limit: int | None) -> Dataset:
        """At most `limit` examples, drawn with a fixed seed (same draw every run), file order kept."""
        if limit is not None and limit < 1:
            raise ValueError(f"--limit must be at least 1 (got {limit})")
        if limit is None or limit >= len(self.examples):
            return self
        keep = sorted(random.Random(f"replywatch-eval:{self.name}").sample(range(len(self.examples)), limit))
        return replace(self, examples=tuple(self.examples[i] for i in keep), total=len(self.examples))


def default_data_dir() -> Path:
    """../shared beside the repository root."""
    return REPO.parent / "shared"


def data_dir(path: str | Path | None = None) -> Path:
    """The data folder to read, or a DataMissing error that says what to do."""
    folder = Path(path) if path else default_data_dir()
    if not (folder / "eval").is_dir():
        where = f"no eval/ folder in {folder}" if path else f"expected it beside the repository, at {folder}"
        raise DataMissing(
            f"the evaluation needs the shared data folder with eval/ and data/tweeteval/ "
            f"({where}); pass --data DIR to point at it"
        )
    return folder


def _file(root: Path, rel: str) -> Path:
    path = root / rel
    if not path.is_file():
        raise DataMissing(f"evaluation data file missing: {path}")
    return path


# --- one reader per file format -------------------------------------------------------------

def _lines(path: Path, encoding: str) -> list[str]:
    """Lines split on \n only: str.splitlines would also split on the U+2028-style separators
    that occur inside some UCI sentences."""
    return [line.rstrip("\r") for line in path.read_text(encoding=encoding).split("\n")]


def _numbered(root: Path, stem: str) -> list[Example]:
    """TweetEval / XLM-T: one text per line, aligned labels file, 0/1/2 = negative/neutral/positive."""
    texts = _file(root, f"{stem}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = _file(root, f"{stem}_labels.txt").read_text(encoding="utf-8").split()
    texts = texts[: len(labels)]  # the text file ends with a newline
    if len(texts) != len(labels):
        raise ValueError(f"{stem}: {len(texts)} texts but {len(labels)} labels")
    mapping = {"0": NEG, "1": NEU, "2": POS}
    return [Example(t.strip(), mapping[y]) for t, y in zip(texts, labels)]


def _vader(root: Path, rel: str) -> list[Example]:
    """VADER ground truth `id<TAB>mean<TAB>text`: mean < -0.2 negative, > 0.2 positive (mean/4 vs ±0.05)."""
    out = []
    for line in _lines(_file(root, rel), "utf-8-sig"):
        if line.strip():
            _, mean, text = line.split("\t", 2)
            m = float(mean)
            out.append(Example(text.strip(), NEG if m < -0.2 else POS if m > 0.2 else NEU))
    return out


def _rusentitweet(root: Path, rel: str) -> tuple[list[Example], int]:
    """CSV text,label,id; `speech` and `skip` rows are excluded (counted, not judged)."""
    out, excluded = [], 0
    with _file(root, rel).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["label"] in ("speech", "skip"):
                excluded += 1
            else:
                out.append(Example(row["text"].strip(), Label(row["label"])))
    return out, excluded


def _husst(root: Path, rel: str) -> list[Example]:
    rows = json.loads(_file(root, rel).read_text(encoding="utf-8"))
    return [Example(r["Sent"].strip(), Label(r["label"])) for r in rows]


def _opinhubank(root: Path, rel: str) -> list[Example]:
    """ISO-8859-2 CSV; gold = the sign of the sum of Annot1..Annot5 (each -1/0/1)."""
    out = []
    with _file(root, rel).open(encoding="iso-8859-2", newline="") as f:
        for row in csv.DictReader(f):
            total = sum(int(row[f"Annot{i}"]) for i in range(1, 6))
            out.append(Example(row["Sentence"].strip(), NEG if total < 0 else POS if total > 0 else NEU))
    return out


def _uci(root: Path, rel: str) -> list[Example]:
    """`sentence<TAB>label` after a header line; 0 negative, 1 positive (no neutral class)."""
    lines = _lines(_file(root, rel), "utf-8")
    if lines and lines[0].split("\t") == ["reviews", "sentiment"]:
        lines = lines[1:]
    out = []
    for line in lines:
        if line.strip():
            text, label = line.rsplit("\t", 1)
            out.append(Example(text.strip(), {"0": NEG, "1": POS}[label.strip()]))
    return out


# --- the registry: name -> (language, loader) ------------------------------------------------

TE = "data/tweeteval/sentiment"
XLMT = {"ar": "arabic", "de": "german", "en": "english", "es": "spanish", "fr": "french",
        "hi": "hindi", "it": "italian", "pt": "portuguese"}
VADER = {"tweets": "tweets", "amazon": "amazonReviewSnippets", "movies": "movieReviewSnippets",
         "nyt": "nytEditorialSnippets"}
UCI = {"amazon": "amazon_cells", "yelp": "yelp", "imdb": "imdb"}

Loader = Callable[[Path], Dataset]


def _simple(name: str, language: str, rel: str, read, note: str = "") -> tuple[str, Loader]:
    return name, lambda root: Dataset(name, language, tuple(read(root, rel)), rel, note=note)


def _rusentitweet_set(root: Path) -> Dataset:
    rel = "eval/russian/rusentitweet/rusentitweet_test.csv"
    examples, excluded = _rusentitweet(root, rel)
    return Dataset("rusentitweet", "ru", tuple(examples), rel, excluded, note="speech/skip excluded")


SETS: dict[str, Loader] = dict(
    [
        _simple("tweeteval", "en", f"{TE}/test", _numbered),
        *(_simple(f"vader-{k}", "en", f"eval/vader/{v}_GroundTruth.txt", _vader) for k, v in VADER.items()),
        *(_simple(f"xlmt-{k}", k, f"eval/xlm-t/{v}/test", _numbered) for k, v in XLMT.items()),
        ("rusentitweet", _rusentitweet_set),
        _simple("husst-dev", "hu", "eval/hungarian/husst/sst_dev.json", _husst),
        _simple("opinhubank", "hu", "eval/hungarian/opinhubank/OpinHuBank_20130106.csv", _opinhubank),
        *(_simple(f"uci-{k}", "en", f"eval/uci_sentiment_labelled_sentences/{v}_labelled.txt", _uci,
                  note="binary") for k, v in UCI.items()),
        _simple("tweeteval-val", "en", f"{TE}/val", _numbered, note="validation"),
    ]
)
#: Every reporting set; `tweeteval-val` only when asked for by name.
DEFAULT_SETS = tuple(name for name in SETS if name != "tweeteval-val")


def select(names: list[str] | None) -> list[str]:
    """Set names from exact names or group prefixes ("xlmt", "vader", "uci"); default: all reporting sets."""
    if not names:
        return list(DEFAULT_SETS)
    chosen: list[str] = []
    for wanted in names:
        matches = [n for n in SETS if n == wanted] or [n for n in DEFAULT_SETS if n.startswith(f"{wanted}-")]
        if not matches:
            raise ValueError(f"unknown evaluation set {wanted!r}; known: {', '.join(SETS)}")
        chosen += [m for m in matches if m not in chosen]
    return chosen


def load(name: str, data: str | Path | None = None) -> Dataset:
    return SETS[name](data_dir(data))
