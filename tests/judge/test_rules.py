"""Category and urgency rules, in the languages customers write in."""
from __future__ import annotations

import pytest

from monitor.judge.categories import categorize
from monitor.judge.urgency import Signals, alarm_words, ordinal, short_number, urgency
from monitor.models import Category
from tests.judge.builders import mention


@pytest.mark.parametrize(
    "text, category",
    [
        ("My package still hasn't arrived after two weeks", Category.DELIVERY),
        ("Meine Lieferung ist nie angekommen, wo ist das Paket?", Category.DELIVERY),
        ("Mi envío no ha llegado todavía", Category.DELIVERY),
        ("Mon colis n'est toujours pas arrivé", Category.DELIVERY),
        ("La consegna è in ritardo di una settimana", Category.DELIVERY),
        ("Minha encomenda não chegou", Category.DELIVERY),
        ("荷物がまだ届きません", Category.DELIVERY),
        ("Доставка опять задерживается, посылка потерялась", Category.DELIVERY),
        ("The mug arrived broken", Category.DAMAGED),
        ("Das Gerät ist kaputt angekommen", Category.DAMAGED),
        ("El producto llegó dañado", Category.DAMAGED),
        ("届いた商品が破損していました", Category.DAMAGED),
        ("Still waiting for my refund", Category.REFUND),
        ("Ich warte immer noch auf die Rückerstattung", Category.REFUND),
        ("Me cobraron dos veces", Category.REFUND),
        ("On m'a prélevé deux fois, je veux un remboursement", Category.REFUND),
        ("Верните деньги, списали дважды", Category.REFUND),
        ("The app crashes every time I open it", Category.APP),
        ("Je n'arrive pas à me connecter à mon compte", Category.APP),
        ("アプリがすぐ落ちる", Category.APP),
        ("The staff at the counter were so rude", Category.STAFF),
        ("Il personale è stato maleducato", Category.STAFF),
        ("店員の態度が悪い", Category.STAFF),
        ("Nice weather today", Category.OTHER),
    ],
)
def test_category_words_in_several_languages(text, category):
    assert categorize(text) is category


def test_most_specific_category_wins():
    assert categorize("The package arrived damaged and support ignores me") is Category.DAMAGED
    assert categorize("My order never arrived and support ignores me") is Category.DELIVERY


def test_words_match_whole_words_or_stems_not_fragments():
    assert categorize("I will ship it myself, sounds like a plan") is Category.OTHER
    assert alarm_words("Sue me") == ["sue"]
    assert alarm_words("pursue your dreams") == []


@pytest.mark.parametrize(
    "text, word",
    [
        ("I am calling my lawyer", "lawyer"),
        ("I will sue you", "sue"),
        ("My son is allergic and there were nuts", "allergic"),
        ("The charger caught fire", "caught fire"),
        ("This is a scam", "scam"),
        ("Ich gehe zum Anwalt", "anwalt"),
        ("Hablaré con mi abogado", "abogado"),
        ("Обращусь к адвокату", "адвокату"),
        ("これは詐欺です", "詐欺"),
    ],
)
def test_legal_and_safety_words_in_several_languages(text, word):
    assert word in alarm_words(text)


def complaint(**kw) -> Signals:
    base = {"needs_response": True, "triage": False, "negative": 0.8, "rating": None, "reach": None}
    return Signals(**{**base, **kw})


def test_legal_words_reach_and_one_star_each_raise_urgency():
    plain, _ = urgency(complaint())
    assert urgency(complaint(alarm_words=("lawyer",)))[0] > plain
    assert urgency(complaint(reach=120_000))[0] > urgency(complaint(reach=500))[0] > plain
    assert urgency(complaint(rating=1))[0] > urgency(complaint(rating=2))[0] > plain
    assert urgency(complaint(earlier_complaints=2))[0] > plain


def test_urgency_stays_within_0_and_100():
    worst = complaint(negative=1.0, rating=1, reach=10**9, alarm_words=("fraud",), earlier_complaints=9)
    assert urgency(worst)[0] == 100
    calm = Signals(needs_response=False, triage=False, negative=None, rating=5, reach=0)
    assert urgency(calm)[0] == 0


def test_urgency_reasons_are_short_and_human():
    _, reasons = urgency(complaint(alarm_words=("lawyer", "sue"), reach=120_000, earlier_complaints=2))
    assert reasons == ["legal/safety words: lawyer, sue", "author reach 120k", "3rd complaint by this author"]


def test_a_complaint_outranks_praise_with_the_same_signals():
    praise = Signals(needs_response=False, triage=False, negative=0.05, rating=None, reach=50_000)
    assert urgency(complaint(reach=50_000))[0] > urgency(praise)[0]


@pytest.mark.parametrize("n, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (22, "22nd")])
def test_ordinals(n, text):
    assert ordinal(n) == text


@pytest.mark.parametrize("n, text", [(950, "950"), (1_200, "1.2k"), (120_000, "120k"), (1_500_000, "1.5M")])
def test_reach_is_written_short(n, text):
    assert short_number(n) == text


def test_judge_ranks_legal_threats_and_big_audiences_first(tiny_model, make_judge):
    judge = make_judge(tiny_model(probabilities=[0.9, 0.05, 0.05]))
    plain, lawyer, famous, one_star = judge.judge(
        [
            mention("my order never arrived", 0, language="en"),
            mention("my order never arrived , my lawyer will sue", 1, language="en"),
            mention("my order never arrived", 2, language="en", author_reach=250_000),
            mention("my order never arrived", 3, language="en", rating=1),
        ]
    )
    assert min(lawyer.urgency, famous.urgency, one_star.urgency) > plain.urgency
    assert "legal/safety words: lawyer, sue" in lawyer.reasons
    assert "author reach 250k" in famous.reasons
    assert plain.category is Category.DELIVERY
