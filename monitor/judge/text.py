"""The light clean-up applied to a mention before a model or the language detector reads it.

Tweets and reviews carry handles and links that say nothing about sentiment or language. The
packaged head was trained on TweetEval, where every handle is `@user` and links are gone, so the
same rewriting at run time keeps inference text like training text (`scripts/train_head.py`
imports this function too). Twitter-trained hub models (cardiffnlp's) expect the same form.
"""
from __future__ import annotations

import re

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_SPACE = re.compile(r"\s+")


def model_text(text: str) -> str:
    """Handles become `@user`, links are dropped, white space collapses to single spaces."""
    text = _URL.sub(" ", text)
    text = _HANDLE.sub("@user", text)
    return _SPACE.sub(" ", text).strip()


def words_only(text: str) -> str:
    """What the language detector should read: no handles, links, hashtag signs or digits."""
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = re.sub(r"[#\d_]+|&\w+;", " ", text)
    return _SPACE.sub(" ", text).strip()
