"""Failed logins counted per (user name, address) within a sliding window, on an injected clock.

After `attempts` failures within `window_seconds`, further attempts for that pair are refused
(HTTP 429) until the oldest failure leaves the window, whatever the password. A success clears
the pair. State is in memory: a restart forgets it, which is acceptable for a desk that runs
as one process (run several processes behind a proxy and each counts on its own).
"""
from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from monitor.clock import Clock

MAX_KEYS = 10_000  # beyond this, expired entries are swept on the next failure


class LoginThrottle:
    def __init__(self, attempts: int, window_seconds: float, clock: Clock):
        self.attempts = attempts
        self.window = timedelta(seconds=window_seconds)
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[datetime]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(user: str, address: str | None) -> tuple[str, str]:
        return (user.strip().casefold(), address or "?")

    def retry_after(self, key: tuple[str, str]) -> float:
        """Seconds until this pair may try again; 0 when it may try now."""
        now = self.clock.now()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) < self.attempts:
                return 0.0
            return max(1.0, (failures[0] + self.window - now).total_seconds())

    def failed(self, key: tuple[str, str]) -> None:
        now = self.clock.now()
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                for k in list(self._failures):
                    self._recent(k, now)
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures
