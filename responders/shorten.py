"""Shorter versions of a passage, for the last resort of fitting a reply into a length limit.

`shorter_versions(text)` yields shorter versions, best first: whole leading sentences, then the
first sentence cut after a clause (at a comma), then cut at a word boundary, each with an
ellipsis, and finally the empty string. Text without spaces between words (Japanese, Chinese)
may be cut between any two of its characters.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterator

ELLIPSIS = "…"
# A sentence ends with . ! ? (followed by a space) or with a CJK full stop, ！ or ？.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*")
_CLAUSE_END = re.compile(r"[,;:、，；]")
_TRAILING = " \t\n,;:、，-–—"
_MIN_CUT_WIDTH = 16  # a cut narrower than this (wide characters count 2) reads as noise


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def shorter_versions(text: str) -> Iterator[str]:
    """Shorter versions of `text` (not `text` itself), best first, ending with "".

    Within each kind they get shorter; a clause cut is preferred to a longer word cut because
    it does not end in the middle of a thought."""
    parts = sentences(text)
    for n in range(len(parts) - 1, 0, -1):
        yield _join(parts[:n])
    if parts:
        first = parts[0]
        clauses = [m.start() for m in _CLAUSE_END.finditer(first)]
        seen = set()
        for i in [*reversed(clauses), *reversed(_word_breaks(first))]:
            cut = first[:i].rstrip(_TRAILING)
            if _width(cut) >= _MIN_CUT_WIDTH and cut not in seen:
                seen.add(cut)
                yield cut + ELLIPSIS
    yield ""


def _join(parts: list[str]) -> str:
    out = parts[0]
    for part in parts[1:]:
        out += part if _is_wide(out[-1]) or _is_wide(part[0]) else " " + part
    return out


def _word_breaks(sentence: str) -> list[int]:
    """Positions where the sentence may be cut, before its last word."""
    return [
        i
        for i in range(1, len(sentence) - 1)
        if sentence[i].isspace() or _is_wide(sentence[i - 1]) or _is_wide(sentence[i])
    ]


def _width(text: str) -> int:
    return sum(2 if _is_wide(ch) else 1 for ch in text)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")
