"""Batches of similar length, so per-batch padding wastes little work.

A transformer pays for every padded position. Sorting a call's texts by length before cutting
them into batches keeps each batch's longest text close to its shortest one; the caller puts
results back in the original order with the indices yielded here.

The best length is the token count (models expose `token_counts`): on TweetEval test tweets,
batches of 32 in file order compute 1.63x the real tokens, sorted by characters 1.36x, sorted by
tokens 1.003x. Counting tokens costs one extra tokenizer pass (~70 µs a tweet, ~1.5% of the
forward pass); character length is the fallback when a model cannot count.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence


def length_sorted_batches(
    texts: Sequence[str], batch_size: int, lengths: Sequence[int] | None = None
) -> Iterator[tuple[list[int], list[str]]]:
    """Yield (original indices, texts) batches of at most `batch_size`, shortest texts first.

    `lengths` (token counts) defaults to character lengths.
    """
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    if lengths is None or len(lengths) != len(texts):
        lengths = [len(t) for t in texts]
    order = sorted(range(len(texts)), key=lengths.__getitem__)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        yield idx, [texts[i] for i in idx]


def token_counts(tokenizer, texts: Sequence[str], max_length: int) -> list[int]:
    """Tokens per text after truncation, from one unpadded tokenizer pass."""
    ids = tokenizer(
        list(texts), truncation=True, max_length=max_length,
        return_attention_mask=False, return_token_type_ids=False,
    )["input_ids"]
    return [len(x) for x in ids]
