"""Complaint cues the sentiment model misses: questions, sarcasm, facts stated calmly."""
from __future__ import annotations

import pytest

from monitor.judge.categories import categorize
from monitor.judge.complaint_cues import complaint_cue
from monitor.models import Category
from tests.judge.builders import mention

NEUTRAL = [0.1, 0.8, 0.1]
POSITIVE = [0.05, 0.15, 0.8]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("where is my order??", "complaint question"),
        ("why was I charged twice?", "complaint question"),
        ("¿dónde está mi pedido?", "complaint question"),
        ("wo bleibt meine Bestellung", "complaint question"),
        ("где мой заказ", "complaint question"),
        ("day 12 and still nothing", "still waiting"),
        ("still waiting for my refund", "still waiting"),
        ("Ich warte immer noch auf meine Erstattung.", "still waiting"),
        ("荷物がまだ届きません", "still waiting"),
        ("never arrived", "never arrived"),
        ("Nunca me llegó el paquete.", "never arrived"),
        ("Great, third time my package is 'out for delivery'. Love it.", "sarcasm"),
        ("Genial, mi paquete lleva cinco días 'en reparto'", "sarcasm"),
        ("Toll, das Paket ist seit einer Woche „unterwegs“. Echt klasse.", "sarcasm"),
        ("The vase was in three pieces when I opened the box.", "damaged goods"),
        ("La vendeuse a été très désagréable.", "no answer from staff"),
        ("L'application ne s'ouvre plus depuis hier.", "app failure"),
        ("You sent me the wrong size again.", "wrong item"),
        ("Me cobrasteis dos veces el mismo pedido.", "wrong charge"),
    ],
)
def test_complaints_the_model_reads_as_calm_have_a_cue(text, reason):
    cue = complaint_cue(text)
    assert cue is not None and cue.reason == reason


@pytest.mark.parametrize(
    "text",
    [
        "does the kettle work on 110V?",
        "Do you deliver on Saturdays?",
        "¿El hervidor funciona a 110V?",
        "Gibt es die Jacke in Größe XL?",
        "arrived early!",
        "Great service again, will order again",
        "Box was a bit dented but everything inside was perfect, thanks!",
        "It's a great kettle, don't hesitate",
        "Torn between the Acme air fryer and a pricier one. Any opinions?",
        "Пришло раньше срока, спасибо!",
    ],
)
def test_plain_questions_and_praise_have_no_cue(text):
    assert complaint_cue(text) is None


def test_praise_for_a_problem_put_right_is_not_sarcasm():
    assert complaint_cue("The mug came cracked, they sent a new one within a day. Brilliant!") is None
    assert complaint_cue("Brilliant, the mug came cracked. Quality stuff.").reason == "sarcasm"


def test_typographic_apostrophes_match_like_plain_ones():
    assert complaint_cue("Still haven’t received anything").reason == "still waiting"


def test_a_cue_makes_a_calm_english_text_need_a_response(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=NEUTRAL))
    (j,) = judge.judge([mention("where is my order ?? it has been 11 days", language="en")])
    assert j.needs_response and j.covered
    assert "complaint cue: complaint question" in j.reasons


def test_the_models_clear_positive_outweighs_a_cue_but_not_sarcasm(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=POSITIVE))
    fact, sarcasm = judge.judge(
        [
            mention("the box was dented", 0, language="en"),
            mention("Great, third time my package is 'out for delivery'. Love it.", 1, language="en"),
        ]
    )
    assert not fact.needs_response
    assert sarcasm.needs_response and "complaint cue: sarcasm" in sarcasm.reasons


def test_a_happy_rating_outweighs_a_cue(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=NEUTRAL))
    (j,) = judge.judge([mention("still waiting for the second one but love the first", rating=5, language="en")])
    assert not j.needs_response


def test_a_cue_in_an_uncovered_language_needs_a_response_and_stays_honest(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=POSITIVE))
    complaint, question = judge.judge(
        [mention("¿Dónde está mi pedido? Lo pagué hace diez días.", 0), mention("¿Hacen envíos a Canarias?", 1)]
    )
    assert complaint.needs_response and not complaint.covered and complaint.label is None
    assert complaint.reasons[:2] == ("language not covered by the model (es)", "complaint cue: complaint question")
    assert not question.needs_response and not question.covered


@pytest.mark.parametrize(
    "text, category",
    [
        ("your courier was rude and left the parcel in the rain", Category.STAFF),
        ("My order never arrived and support ignores me", Category.DELIVERY),
        ("¿Dónde está mi pedido?", Category.DELIVERY),
        ("Где мой заказ?", Category.DELIVERY),
        ("day 12 and still nothing", Category.DELIVERY),
        ("La tazza è arrivata crepata.", Category.DAMAGED),
        ("Torn between two air fryers", Category.OTHER),
        ("Warum wurde mir zweimal Geld abgezogen?", Category.REFUND),
    ],
)
def test_categories_for_complaints_that_name_no_product_word(text, category):
    assert categorize(text) is category
