"""How urgently a mention needs a human, 0..100, and the words that say why.

Points add up so the reasons stay readable, then the total is capped at 100:

    needs a response            40, plus up to 15 for how negative the model found it
    model could not judge it    25 (triage: unknown until a human reads it)
    1-star / 2-star rating      15 / 8
    legal or safety words       25 (lawyer, allergic, fire, scam, ... in several languages)
    author reach                4 per tenfold above 10 followers/karma, at most 20 (1k: 8, 100k: 16)
    earlier complaints          5 per earlier complaint by the same author, at most 15

A plain complaint lands near 55, a furious 1-star review near 70 (the default `alerts.urgent_at`),
and any legal/safety word or a large audience on top of a complaint makes it urgent. A mention that
needs no response keeps half of its points: it is not a case, but the number still sorts it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from monitor.judge.keywords import Terms, fold

ALARM_WORDS = {
    "en": "lawyer*|attorney*|sue|suing|sued|lawsuit*|legal action|small claims|class action|"
          "consumer protection|trading standards|allergic|allergy|allergies|anaphyla*|food poisoning|"
          "poison*|fire|caught fire|burned|burns|explod*|injur*|hospital*|emergency room|choking|choked|"
          "unsafe|dangerous|hazard*|scam*|fraud*|stolen|police|electrocut*|made me sick|got sick",
    "de": "anwalt|anwält*|rechtsanwalt*|verklag*|klage einreichen|verbraucherzentrale|polizei|"
          "strafanzeige|anzeige erstatten|allergi*|lebensmittelvergiftung|vergiftung|feuer|brandgefahr|"
          "explodiert|verletz*|krankenhaus*|notaufnahme|betrug*|betrüger*|abzocke*|gefährlich*",
    "es": "abogad*|demanda*|denunci*|profeco|policía|alergi*|alérgic*|intoxicaci*|incendi*|fuego|"
          "quemad*|explot*|herid*|hospital*|estafa*|estafador*|fraude*|peligros*",
    "fr": "avocat*|procès|porter plainte|tribunal|dgccrf|police|allergi*|intoxication*|incendie*|feu|"
          "brûlé*|brûlure*|explos*|blessé*|hôpital|urgences|arnaque*|escroc*|escroquer*|fraude*|dangereu*",
    "it": "avvocat*|denunc*|causa legale|tribunale|polizia|carabinieri|allergi*|intossicazion*|incendi*|"
          "fuoco|ustion*|esplos*|ferit*|ospedale|pronto soccorso|truffa*|truffator*|frode*|pericolos*",
    "pt": "advogad*|processar|procon|justiça|polícia|alergi*|alérgic*|intoxica*|incêndio|fogo|queimad*|"
          "explod*|ferid*|hospital*|golpe|fraude*|perigos*",
    "ja": "弁護士|訴訟|訴え|裁判|消費者センター|警察|アレルギー|食中毒|火事|発火|火災|爆発|怪我|けが|"
          "負傷|病院|救急|詐欺|危険|火傷|やけど",
    "ru": "адвокат*|юрист*|суд|суда|судом|в суд|иск|роспотребнадзор*|полици*|аллерги*|отравлен*|"
          "отравил*|пожар*|возгоран*|загорел*|взорвал*|взрыв*|травм*|ранен*|больниц*|скорую|"
          "мошенни*|обман*|опасн*",
}

_ALARM = Terms(term.strip() for text in ALARM_WORDS.values() for term in text.split("|"))


def alarm_words(text: str) -> list[str]:
    """Legal, safety and health words in the text (folded, in order of appearance)."""
    return _ALARM.find(fold(text))


@dataclass(frozen=True)
class Signals:
    needs_response: bool
    triage: bool  # the model could not judge it: language not covered, or the judge failed
    negative: float | None  # the model's negative score, when it judged the text
    rating: int | None
    reach: int | None
    alarm_words: tuple[str, ...] = ()
    earlier_complaints: int = 0


def urgency(s: Signals) -> tuple[int, list[str]]:
    """Urgency 0..100 and the reasons that raised it (rating/negative reasons are the judge's)."""
    reasons: list[str] = []
    points = 0.0
    if s.needs_response:
        points += 40 + 15 * (s.negative or 0.0)
    elif s.triage:
        points += 25
    points += {1: 15, 2: 8}.get(s.rating or 0, 0)
    if s.alarm_words:
        points += 25
        reasons.append("legal/safety words: " + ", ".join(s.alarm_words[:3]))
    if s.reach and s.reach > 10:
        points += min(20.0, 4 * math.log10(s.reach / 10))
        if s.reach >= 1000:
            reasons.append(f"author reach {short_number(s.reach)}")
    if s.earlier_complaints > 0:
        points += min(15, 5 * s.earlier_complaints)
        reasons.append(f"{ordinal(s.earlier_complaints + 1)} complaint by this author")
    if not (s.needs_response or s.triage):
        points /= 2
    return max(0, min(100, round(points))), reasons


def short_number(n: int) -> str:
    """120000 -> '120k', 1500000 -> '1.5M', 950 -> '950'."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if n >= size:
            value = n / size
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return text.removesuffix(".0") + suffix
    return str(n)


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"
