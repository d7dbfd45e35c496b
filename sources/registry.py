"""One table of sources by dotted path; a source's module is imported only when used."""
from __future__ import annotations

import importlib

from sources.base import Source

SOURCES: dict[str, str] = {
    "demo": "sources.demo:DemoSource",
}


def source_class(name: str) -> type[Source]:
    try:
        path = SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)
