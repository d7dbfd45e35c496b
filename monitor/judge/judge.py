"""The Judge: mentions in, one Judgement each, in the same order.

Per call: detect languages (a platform-given language wins), send only the texts the model covers
through it in length-sorted batches, then apply the rules (rating, category, urgency). Three
promises the rest of the system relies on:

* a mention in a language the model does not cover is never judged fine: it gets covered=False
  and a reason, and the pipeline sends it to triage; a 1- or 2-star rating still asks for a reply;
* one bad text cannot spoil its batch: a failing batch is retried item by item, and an item that
  still fails becomes a triage Judgement with "judge failed: ..." (never lost, never silently fine);
* the model is loaded once (`load_judge` caches per settings), since loading costs seconds.

Rules sit on top of the model: a 4- or 5-star rating outweighs a negative call of the model
(the customer's own verdict); legal, safety or health words ("lawyer", "allergic", "fire")
always ask for an answer unless the model finds the text clearly positive; and complaint cues
the model misses (complaint questions, "still waiting", sarcasm; complaint_cues.py) ask for one too.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.judge.batching import length_sorted_batches
from monitor.judge.categories import categorize
from monitor.judge.complaint_cues import complaint_cue
from monitor.judge.language import (
    LanguageDetector,
    dominant_script,
    is_covered,
    normalize_code,
)
from monitor.judge.model import SentimentModel, load_model
from monitor.judge.text import model_text, words_only
from monitor.judge.urgency import Signals, alarm_words, urgency
from monitor.models import Judgement, Label, Mention
from monitor.settings import JudgeSettings

log = logging.getLogger(__name__)

NEGATIVE_RATINGS = (1, 2)
HAPPY_RATINGS = (4, 5)
CLEARLY_POSITIVE = 0.6  # alarm words in a clearly happy text ("my lawyer loves it") are no alarm
_RATING_LABEL = {1: Label.NEGATIVE, 2: Label.NEGATIVE, 3: Label.NEUTRAL, 4: Label.POSITIVE, 5: Label.POSITIVE}


class Judge:
    def __init__(
        self,
        model: SentimentModel,
        settings: JudgeSettings | None = None,
        *,
        detector: LanguageDetector | None = None,
    ):
        self.model = model
        self.settings = settings or JudgeSettings()
        self.detector = detector or LanguageDetector()

    def judge(
        self,
        mentions: Sequence[Mention],
        *,
        prior_complaints: Callable[[Mention], int] | None = None,
    ) -> list[Judgement]:
        """One Judgement per mention, same order. `prior_complaints(m)` counts the author's
        earlier complaints; it is asked only about mentions that become cases."""
        texts = [m.full_text.strip() for m in mentions]
        languages = [self._language(m, t) for m, t in zip(mentions, texts)]
        to_model = [
            i for i, (t, lang) in enumerate(zip(texts, languages))
            if t and is_covered(lang, t, self.model.languages)
        ]
        scores, errors = self._scores([model_text(texts[i]) for i in to_model])
        by_item = dict(zip(to_model, zip(scores, errors)))
        return [
            self._judgement(m, t, lang, *by_item.get(i, (None, None)), prior_complaints)
            for i, (m, t, lang) in enumerate(zip(mentions, texts, languages))
        ]

    def _language(self, mention: Mention, text: str) -> str | None:
        given = normalize_code(mention.language)
        if given or not text:
            return given
        try:
            return self.detector.detect(text)
        except Exception:  # the script fallback in is_covered still decides sensibly
            log.exception("language detection failed for %s", mention.key)
            return None

    def _scores(self, texts: list[str]) -> tuple[list[dict | None], list[str | None]]:
        """Model scores for every text, batch by batch; an error message where none could be had."""
        scores: list[dict | None] = [None] * len(texts)
        errors: list[str | None] = [None] * len(texts)
        for idx, batch in length_sorted_batches(texts, self.settings.batch_size, self._lengths(texts)):
            try:
                predicted = self.model.predict(batch)
                if len(predicted) != len(batch):
                    raise ValueError(f"model returned {len(predicted)} results for {len(batch)} texts")
                for i, s in zip(idx, predicted):
                    scores[i] = s
                continue
            except Exception as exc:
                if len(batch) == 1:
                    log.exception("judge: model failed on one text")
                    errors[idx[0]] = _describe(exc)
                    continue
                log.warning("judge: batch of %d failed (%s); retrying one by one", len(batch), _describe(exc))
            for i, text in zip(idx, batch):
                try:
                    scores[i] = self.model.predict([text])[0]
                except Exception as exc:
                    log.exception("judge: model failed on one text")
                    errors[i] = _describe(exc)
        return scores, errors

    def _lengths(self, texts: list[str]) -> list[int] | None:
        if len(texts) <= self.settings.batch_size:
            return None  # one batch: the order inside it does not matter
        try:
            return self.model.token_counts(texts)
        except Exception as exc:  # a text the tokenizer rejects: sort by characters, fail per item later
            log.warning("judge: counting tokens failed (%s); sorting by characters", _describe(exc))
            return None

    def _judgement(
        self,
        mention: Mention,
        text: str,
        language: str | None,
        scores: dict[str, float] | None,
        error: str | None,
        prior_complaints: Callable[[Mention], int] | None,
    ) -> Judgement:
        rating = mention.rating if mention.rating in _RATING_LABEL else None
        low_rating = rating in NEGATIVE_RATINGS
        reasons: list[str] = []
        label: Label | None = None
        covered = True
        negative = None
        if not text:
            label = _RATING_LABEL.get(rating) if rating else None
            reasons.append("no text" + (", judged by its rating" if rating else ""))
            needs_response = low_rating
        elif scores is None:
            covered = False
            needs_response = low_rating
            reasons.append(f"judge failed: {error}" if error else _not_covered(language, text))
        else:
            label = Label(max(scores, key=scores.get))
            negative = scores.get(Label.NEGATIVE.value, 0.0)
            needs_response = negative >= self.settings.threshold or low_rating
            if negative >= self.settings.threshold:
                reasons.append(f"negative {negative:.2f}")
        if low_rating:
            reasons.append(f"{rating}-star rating")
        alarms = tuple(alarm_words(text))
        if needs_response and rating in HAPPY_RATINGS and not alarms:
            # the customer's own verdict outweighs the model: a 5-star "refunded within a day" is praise
            needs_response = False
            reasons = [f"{rating}-star rating outweighs the model's negative call"]
        elif alarms and not needs_response and text and (scores or {}).get(Label.POSITIVE.value, 0.0) < CLEARLY_POSITIVE:
            # legal, safety and health words always reach a human, whatever the sentiment model says
            needs_response = True
            reasons.append("legal/safety words need an answer")
        elif not needs_response and text and rating not in HAPPY_RATINGS and error is None:
            # questions, sarcasm and plain facts the model reads as calm ("where is my order??"), and
            # the only way a complaint in a language the model does not read can need an answer;
            # covered stays False then, and the reasons still say the model did not judge it
            cue = complaint_cue(text)
            positive = (scores or {}).get(Label.POSITIVE.value, 0.0)
            if cue and (cue.reason == "sarcasm" or positive < CLEARLY_POSITIVE):
                needs_response = True
                reasons.append(f"complaint cue: {cue.reason}")

        triage = not covered
        earlier = self._earlier(prior_complaints, mention) if (needs_response or triage) else 0
        points, why = urgency(
            Signals(
                needs_response=needs_response, triage=triage, negative=negative, rating=rating,
                reach=mention.author_reach, alarm_words=alarms, earlier_complaints=earlier,
            )
        )
        return Judgement(
            label=label,
            scores=scores or {},
            needs_response=needs_response,
            language=language,
            covered=covered,
            model=self.model.name,
            category=categorize(text),
            urgency=points,
            reasons=tuple(reasons + why),
        )

    @staticmethod
    def _earlier(prior_complaints: Callable[[Mention], int] | None, mention: Mention) -> int:
        if prior_complaints is None:
            return 0
        try:
            return max(0, int(prior_complaints(mention) or 0))
        except Exception:
            log.exception("judge: prior_complaints failed for %s; counting none", mention.key)
            return 0


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def _not_covered(language: str | None, text: str) -> str:
    if language:
        return f"language not covered by the model ({language})"
    script = dominant_script(words_only(text))
    if script:
        return f"language not covered by the model (unknown, {script} script)"
    return "no words the model can read (only emoji, numbers or links)"


_judges: dict[str, Judge] = {}
_lock = threading.Lock()


def load_judge(settings: JudgeSettings | None = None) -> Judge:
    """The Judge for these settings, built once per process (the model inside is shared further)."""
    settings = settings or JudgeSettings()
    key = settings.model_dump_json()
    with _lock:
        if key not in _judges:
            _judges[key] = Judge(load_model(settings), settings)
        return _judges[key]


def judge_texts(judge: Judge, texts: Sequence[str]) -> list[dict[str, Any]]:
    """For `replywatch judge`: one JSON-able dict per text, in order."""
    now = datetime.now(UTC)
    mentions = [Mention(source="cli", external_id=str(i), text=t, created_at=now) for i, t in enumerate(texts)]
    return [
        {
            "text": text,
            "label": j.label.value if j.label else None,
            "scores": dict(j.scores),
            "needs_response": j.needs_response,
            "language": j.language,
            "covered": j.covered,
            "category": j.category.value,
            "urgency": j.urgency,
            "reasons": list(j.reasons),
        }
        for text, j in zip(texts, judge.judge(mentions))
    ]
