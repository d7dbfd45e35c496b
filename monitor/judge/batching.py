"""Batches of similar length, so per-batch padding wastes little work.

A transformer pays for every padded position. Sorting a call's texts by length before cutting
them into batches keeps each batch's longest text close to its shortest one; the caller puts
results back in the original order with the indices yielded here.
"""
from __future__ import annotations

from typing import Iterator, Sequence


def length_sorted_batches(
    texts: Sequence[str], batch_size: int
) -> Iterator[tuple[list[int], list[str]]]:
    """Yield (original indices, texts) batches of at most `batch_size`, shortest texts first.

    Character length stands in for token length: it needs no tokenizer pass and orders tweets
    and reviews almost the same way.
    """
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        yield idx, [texts[i] for i in idx]
