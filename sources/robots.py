"""robots.txt as sites write it today (RFC 9309), wildcards included.

Python's `urllib.robotparser` matches rules as plain prefixes, so a rule such as Apple's
`Disallow: /*/rss/*` never matches anything and the page would be fetched. This reader follows
RFC 9309: `*` matches any run of characters, `$` anchors the end, the longest matching rule
wins and Allow wins a tie; the group for our product token is used, else the `*` group.

`sources.http.PoliteSession` reads every robots.txt with it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309: crawlers may ignore what follows the first 500 KiB


@dataclass
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[tuple[bool, str]] = field(default_factory=list)  # (allow, pattern)


class Robots:
    def __init__(self, text: str):
        self.groups: list[_Group] = []
        current: _Group | None = None
        in_agents = False
        for line in text[:MAX_ROBOTS_BYTES].splitlines():
            key, _, value = line.split("#", 1)[0].partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "user-agent":
                if current is None or not in_agents:
                    current = _Group()
                    self.groups.append(current)
                current.agents.append(value.lower())
                in_agents = True
            elif key in ("allow", "disallow") and current is not None:
                in_agents = False
                if value:  # an empty Disallow allows everything: no rule
                    current.rules.append((key == "allow", value))
            elif key:
                in_agents = False

    def can_fetch(self, user_agent: str, url: str) -> bool:
        parts = urlsplit(url)
        if parts.path == "/robots.txt":
            return True
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        best: tuple[int, bool] | None = None
        for allow, pattern in self._rules(user_agent):
            if _matches(pattern, target):
                candidate = (len(pattern), allow)
                if best is None or candidate > best:
                    best = candidate
        return True if best is None else best[1]

    def _rules(self, user_agent: str) -> list[tuple[bool, str]]:
        token = re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0].lower()
        mine = [g for g in self.groups if token and token in g.agents]
        chosen = mine or [g for g in self.groups if "*" in g.agents]
        return [rule for group in chosen for rule in group.rules]


def _matches(pattern: str, target: str) -> bool:
    anchored = pattern.endswith("$")
    body = re.escape(pattern[:-1] if anchored else pattern).replace(r"\*", ".*")
    return re.match(body + ("$" if anchored else ""), target) is not None
