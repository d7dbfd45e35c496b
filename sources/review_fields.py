"""Reading untrusted review payloads one field at a time.

Review sites change their payloads without notice and some payloads are hostile, so every
field is fetched through these helpers. A missing or wrongly typed field raises `BadField`,
whose message names the field and the kind of problem but never the value: these messages are
logged, and values are personal data (names, review text).
"""
from __future__ import annotations

import logging
import math
import re
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, TypeVar

log = logging.getLogger("replywatch.sources")

T = TypeVar("T")
_MISSING = object()
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # keeps \t \n \r
MAX_ID_CHARS = 512


class BadField(ValueError):
    """A field is missing or of the wrong kind; the message names the field, never its value."""


# Anything a parser can raise on hostile input, and nothing else (an AttributeError stays a bug).
SKIPPABLE = (BadField, ValueError, TypeError, LookupError, OverflowError, RecursionError)


def dig(obj: Any, *path: str | int, default: Any = _MISSING) -> Any:
    """`obj[path[0]][path[1]]...`, checking at each step that the container is the right kind."""
    current = obj
    for step in path:
        if isinstance(step, int):
            ok = isinstance(current, list) and -len(current) <= step < len(current)
        else:
            ok = isinstance(current, dict) and step in current
        if not ok:
            if default is not _MISSING:
                return default
            raise BadField(f"missing {_name(path)}")
        current = current[step]
    return current


def string(obj: Any, *path: str | int, optional: bool = False) -> str | None:
    """A text field, with control characters (NUL included) removed; None/absent only if optional."""
    value = dig(obj, *path, default=None)
    if value is None:
        if optional:
            return None
        raise BadField(f"missing {_name(path)}")
    if not isinstance(value, str):
        raise BadField(f"{_name(path)}: expected text, got {type(value).__name__}")
    return clean(value)


def clean(text: str) -> str:
    return _CONTROL.sub("", text)


def ident(value: Any, what: str = "id") -> str:
    """A platform id: non-empty text (or a whole number), of sane length."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise BadField(f"{what}: expected an id, got {type(value).__name__}")
    value = clean(value).strip()
    if not value or len(value) > MAX_ID_CHARS:
        raise BadField(f"{what}: empty or over-long id")
    return value


def stars(value: Any, what: str = "rating") -> int:
    """A 1-5 star rating from a number or numeric text ("4", 4, 4.0)."""
    if isinstance(value, bool):
        raise BadField(f"{what}: expected a number, got bool")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise BadField(f"{what}: not a number") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadField(f"{what}: expected a number, got {type(value).__name__}")
    if value != int(value) or not 1 <= value <= 5:
        raise BadField(f"{what}: not a whole number of stars from 1 to 5")
    return int(value)


def iso_time(value: Any, what: str = "date") -> datetime:
    """An ISO 8601 timestamp as aware UTC (a value without offset is taken as UTC)."""
    if not isinstance(value, str):
        raise BadField(f"{what}: expected an ISO 8601 date, got {type(value).__name__}")
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadField(f"{what}: not an ISO 8601 date") from None
    return as_utc(when, what)


def epoch_time(seconds: Any, nanos: Any = 0, *, what: str = "date", scale: float = 1.0) -> datetime:
    """Seconds (or `scale` units, e.g. 1e6 for microseconds) since 1970, plus optional nanoseconds."""
    try:
        secs = _number(seconds) / scale + _number(nanos or 0) / 1e9
        return datetime.fromtimestamp(secs, tz=timezone.utc)
    except (BadField, OverflowError, OSError, ValueError):
        raise BadField(f"{what}: not a usable epoch time") from None


def as_utc(when: datetime, what: str = "date") -> datetime:
    try:
        return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise BadField(f"{what}: out of range") from None


def parse_each(items: Iterable[Any], parse: Callable[[Any], T], *, what: str) -> tuple[list[T], int]:
    """Parse every item; a malformed one is logged (field and problem only) and counted, not raised."""
    parsed: list[T] = []
    errors = 0
    for position, item in enumerate(items):
        try:
            parsed.append(parse(item))
        except SKIPPABLE as exc:
            errors += 1
            reason = str(exc) if isinstance(exc, BadField) else type(exc).__name__
            log.warning("%s: skipped malformed item %d: %s", what, position, reason)
    return parsed, errors


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise BadField("expected a number, got bool")
    if isinstance(value, str):
        value = float(value)
    if not isinstance(value, (int, float)):
        raise BadField(f"expected a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise BadField("not a finite number")
    return value


def _name(path: tuple[str | int, ...]) -> str:
    return ".".join(str(step) for step in path) or "value"
