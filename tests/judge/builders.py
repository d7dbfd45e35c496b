"""Builders for the judge tests: tiny real BERT classifiers, and mentions.

The tiny models are real transformers (random weights, a word-level tokenizer) saved with
save_pretrained and loaded back the way a user's local model would be, so every test runs a real
forward pass. Where a test needs known scores, the classifier's weights are zeroed and its bias
set, which makes the output exactly softmax(bias) whatever the text.
"""
from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

from monitor.models import Mention

WORDS = ["my", "order", "never", "arrived", "and", "support", "ignores", "me", "worst", "service", "ever", "i", "love", "it", "fast", "delivery", "thank", "you", "the", "package", "was", "broken", "want", "a", "refund", "app", "crashes", "on", "login", "lawyer", "will", "sue", "this", "is", "fine", "ok", "good", "bad", "terrible", "great", "product", "today", "again"]

THREE_WAY = {0: "negative", 1: "neutral", 2: "positive"}


def build_tiny_model(
    path: Path,
    id2label: dict[int, str],
    *,
    probabilities: list[float] | None = None,
    languages: list[str] | None = None,
    max_position_embeddings: int = 64,
    seed: int = 0,
) -> Path:
    """Save a 1-layer BERT classifier and its tokenizer to `path`.

    The tokenizer pads to a fixed 128 tokens by default, like the packaged MiniLM tokenizer.json,
    so a test can show the judge pads per batch anyway. `probabilities` fixes the output.
    """
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        PreTrainedTokenizerFast,
    )

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4}
    for word in WORDS:
        vocab.setdefault(word, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tok.enable_padding(length=128, pad_id=0, pad_token="[PAD]")
    PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]",
    ).save_pretrained(path)

    extra = {"languages": languages} if languages is not None else {}
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=max_position_embeddings, initializer_range=0.5,
        id2label=dict(id2label), label2id={v: k for k, v in id2label.items()}, **extra,
    )
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    if probabilities is not None:
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor([math.log(p) for p in probabilities]))
    model.save_pretrained(path)
    return path


def mention(text: str, n: int = 0, **fields) -> Mention:
    return Mention(
        source="test", external_id=str(n), text=text,
        created_at=datetime(2026, 1, 1, tzinfo=UTC), **fields,
    )
