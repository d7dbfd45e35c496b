"""Sources that watch several streams (queries, hashtags, timelines) with one cursor entry each.

Each stream is swept on its own from its saved state; the mentions are merged in order, a
mention found by two streams is kept once, and the skipped-item counts add up.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from monitor.models import FetchResult, Mention

Sweep = Callable[[str, dict[str, Any]], "tuple[dict[str, Any], list[Mention], int]"]


def sweep_streams(keys: Iterable[str], cursor: Mapping[str, Any] | None, sweep: Sweep) -> FetchResult:
    """`sweep(key, old_state) -> (new_state, mentions, errors)` per stream; the cursor maps key -> state."""
    cursor = cursor if isinstance(cursor, Mapping) else {}
    states: dict[str, Any] = {}
    mentions: list[Mention] = []
    seen: set[str] = set()
    errors = 0
    for key in keys:
        old = cursor.get(key)
        states[key], found, bad = sweep(key, dict(old) if isinstance(old, Mapping) else {})
        errors += bad
        for mention in found:
            if mention.external_id not in seen:
                seen.add(mention.external_id)
                mentions.append(mention)
    return FetchResult(mentions, states, errors)
