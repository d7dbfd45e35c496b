"""When to try again after a failed delivery (or a failed poll).

Capped exponential back-off with "equal jitter": the n-th retry waits between half and all of
`base * 2**(n-1)`, never more than `cap`, so retries spread out instead of arriving together.
A platform's own hint (`Retry-After`) always wins when it asks for longer.
"""
from __future__ import annotations

import random
from typing import Callable

DEFAULT_CAP = 15 * 60.0  # seconds


def next_attempt_delay(
    attempts: int,
    retry_after: float | None,
    base: float,
    *,
    cap: float = DEFAULT_CAP,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before the next attempt, after `attempts` failed ones (1 = first failure).

    The result is in [ceiling / 2, ceiling] with ceiling = min(cap, base * 2**(attempts-1)),
    raised to `retry_after` when that is longer (even beyond `cap`: Slack said so).
    `rand` returns a float in [0, 1); tests pass a fixed one.
    """
    exponent = min(max(attempts, 1) - 1, 64)  # 2**64 * base is past any cap; avoids overflow
    ceiling = min(cap, max(base, 0.0) * 2.0**exponent)
    delay = ceiling / 2 + rand() * ceiling / 2
    if retry_after is not None and retry_after > delay:
        return float(retry_after)
    return delay
