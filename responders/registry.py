"""Which responder posts approved replies back to each platform.

A source without a responder (the demo, review sites without a reply API, a platform whose
credentials are missing) gets none: its approved replies become "post manually".
"""
from __future__ import annotations

from typing import Any

RESPONDERS: dict[str, str] = {}


def responder_for(source: str, source_settings: Any = None, **collaborators: Any):
    path = RESPONDERS.get(source)
    if path is None:
        return None
    import importlib

    module_name, _, attr = path.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    return cls.from_settings(source_settings, **collaborators)
