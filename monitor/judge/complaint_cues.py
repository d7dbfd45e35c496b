"""Complaint cues the sentiment model misses, by phrase rules in the languages customers write in.

Many complaints read as neutral or even happy to a sentiment model: a question ("where is my
order??", "¿por qué me cobraron dos veces?"), a fact ("day 12 and still nothing", "never
arrived"), or sarcasm ("Great, third time my package is 'out for delivery'. Love it."). And the
model reads English only, so without these rules no German or Japanese complaint could ever need
an answer by itself. `complaint_cue(text)` names the first cue found, for the reason line
("complaint cue: still waiting"), or None.

Two strengths, because plain questions and praise must stay quiet:

* strong cues (still waiting, never arrived, where is my order / why was I charged, sarcasm) are
  phrases nobody writes about a purchase that went well;
* fact cues (damage, rude or silent staff, an app that fails, a wrong charge) are single words
  that a happy customer may also use ("a cracked mug, they sent a new one, brilliant service"),
  so they count only when the text has no thanks or praise words.

Sarcasm is a praising word ("great", "genial", "отлично") in a complaint context: a quoted status
('out for delivery'), a repetition ("third time", "otra vez"), a failure word ("late") or a fact
word, unless the problem was put right ("cracked, but they sent a new one. Brilliant!").
The judge trusts the model's clear positive over every cue except sarcasm (see `judge.py`).

Terms use the syntax of `keywords.py` (`stem*`, whole words, CJK substrings); "|" separates them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.judge.categories import WORDS as CATEGORY_WORDS
from monitor.judge.keywords import Terms, fold
from monitor.models import Category

STILL_WAITING = {
    "en": "still waiting|still no|still nothing|still not|still hasn't|still haven't|still hasnt|"
          "still havent|still don't have|still dont have|still isn't|still stuck|still says|still shows|"
          "yet to receive|yet to arrive|haven't received|havent received|hasn't arrived|hasnt arrived|"
          "has not arrived|have not received|no update|no updates|no sign of|been waiting|nothing yet",
    "de": "warte immer noch|warten immer noch|immer noch nicht|immer noch nichts|immer noch kein*|"
          "noch immer nicht|noch immer kein*|warte seit|warten seit|bis heute nicht|bis heute kein*|"
          "noch nichts",
    "es": "sigo esperando|seguimos esperando|estoy esperando|todavía no|aún no|todavía nada|sigue sin|"
          "días esperando|semanas esperando|meses esperando|y nada",
    "fr": "j'attends toujours|nous attendons toujours|toujours pas|toujours rien|toujours aucun*|"
          "toujours en attente|j'attends depuis|pas encore reçu|rien reçu|et rien",
    "it": "aspetto ancora|sto ancora aspettando|ancora niente|ancora nulla|ancora non|non è ancora|"
          "aspetto da|ancora in attesa|nessuna notizia",
    "pt": "ainda estou esperando|ainda espero|ainda não|até agora nada|e nada|esperando há|"
          "aguardando há|nada ainda|continuo esperando|continuo aguardando",
    "ja": "まだ届|まだ返金|まだ返事|まだ連絡|届いていない|届きません|されていません|連絡がない|返事が来ない",
    "ru": "до сих пор|всё ещё|так и не|жду уже|ждем уже|всё жду|уже неделю|уже месяц|уже две недели|"
          "ответа нет|нет ответа|ни ответа",
}

NEVER_ARRIVED = {
    "en": "never arrived|never came|never received|never got|never showed up|never turned up|"
          "never delivered|not delivered|wasn't delivered|didn't arrive|did not arrive|didn't receive|"
          "not received|nothing here|nothing arrived|marked as delivered|says delivered|said delivered|"
          "went missing|lost my|lost the package|lost the parcel",
    "de": "nie angekommen|nicht angekommen|nie erhalten|nicht erhalten|nie zugestellt|nie bekommen|"
          "nicht bekommen|nicht geliefert|nie geliefert",
    "es": "nunca llegó|nunca me llegó|no ha llegado|no me ha llegado|no llegó|no me llegó|no recibí|"
          "nunca recibí|se perdió",
    "fr": "jamais reçu|pas reçu|jamais arrivé*|pas arrivé*|jamais livré*|pas été livré*|jamais eu",
    "it": "mai arrivat*|non è arrivat*|mai ricevut*|non ho ricevuto|mai consegnat*|smarrit*",
    "pt": "nunca chegou|não chegou|não recebi|nunca recebi|extraviad*",
    "ja": "届かない|届いてない|紛失",
    "ru": "не пришел|не пришла|не пришло|не пришли|не доставили|не получил*|потерял*|пропал*",
}

COMPLAINT_QUESTION = {
    "en": "where is my|where's my|wheres my|where is our|where the hell|why was i|why have i been|"
          "why am i being|why did you charge|why did i get charged|why is my|why has my|why hasn't my|"
          "why haven't i|why do i have to|why does the app|why does your app|why does it keep|"
          "why can't i|how do i get my money|is anyone going to|is anyone there|anyone there|"
          "actually going to arrive|ever going to arrive|ever going to ship",
    "de": "wo bleibt|wo ist mein|wo ist meine|wo sind meine|warum wurde mir|warum wurde ich|"
          "warum habe ich|warum muss ich|warum bekomme ich",
    "es": "dónde está mi|dónde está el|dónde están mis|por qué me cobra*|por qué me han|por qué no me|"
          "cuándo me devuelven",
    "fr": "où est ma|où est mon|où sont mes|où en est|pourquoi ai-je été|pourquoi j'ai été|"
          "pourquoi on m'a|pourquoi m'avez-vous|quand vais-je",
    "it": "dov'è il mio|dov'è la mia|dove è il mio|dove sono i miei|perché mi avete|perché mi è stato|"
          "perché non mi",
    "pt": "cadê|onde está meu|onde está minha|por que fui|por que me cobra*|por que vocês",
    "ja": "いつ届|いつ返金|なぜ二|どうして二",
    "ru": "где мой|где моя|где мои|где мое|почему с меня|почему списал*|почему мне|когда вернете|"
          "когда придет",
}

#: Praising words that, in a complaint context, are sarcasm.
SARCASTIC_PRAISE = {
    "en": "great|love it|love how|love that|love paying|loving|wonderful|fantastic|brilliant|amazing|"
          "awesome|perfect|nice of you|cool|wow|thanks so much|thanks a lot|great job|well done|"
          "nothing says|so glad|bravo|genius",
    "de": "super|toll|klasse|prima|großartig|wunderbar|danke auch|vielen dank|bravo|spitze",
    "es": "genial|qué bien|perfecto|maravilla|estupendo|gracias|bravo|fantástico|increíble|"
          "qué eficiencia|enhorabuena",
    "fr": "génial|super|bravo|merci|parfait|formidable|magnifique|chapeau|top",
    "it": "che bello|fantastico|perfetto|grazie|bravi|complimenti|ottimo|geniale|meraviglioso",
    "pt": "que maravilha|ótimo|perfeito|obrigad*|parabéns|maravilha|incrível|que beleza|show",
    "ja": "さすが|素晴らしい|ありがとう|最高",
    "ru": "отлично|спасибо|супер|прекрасно|замечательно|браво|класс|молодцы",
}

#: What turns praise into sarcasm: a repetition or a failure.
COMPLAINT_CONTEXT = {
    "en": "second time|third time|fourth time|fifth time|every time|every single time|yet again|"
          "once again|late|delayed|lost|missing|wrong|deleted|logged me out|apparently",
    "de": "schon wieder|zum dritten mal|zum zweiten mal|jedes mal|verspät*|verloren",
    "es": "otra vez|de nuevo|tercera vez|cada vez|tarde|retraso|perdido",
    "fr": "une fois de plus|encore une fois|troisième fois|chaque fois|retard|perdu",
    "it": "di nuovo|ancora una volta|terza volta|ogni volta|ritardo|perso",
    "pt": "de novo|outra vez|mais uma vez|terceira vez|toda vez|atrasad*|perdid*",
    "ja": "何度も|また届かない|遅れ|遅延",
    "ru": "снова|опять|третий раз|каждый раз|опоздан*|задерж*",
}

#: A problem that was put right: praise around a fact word is then meant, not sarcastic.
PUT_RIGHT = {
    "en": "sent a new|new one|replacement|replaced|sorted|resolved|fixed|no questions asked|refunded|"
          "but everything|but the rest",
    "de": "ersatz|ersetzt|gelöst|erstattet",
    "es": "me enviaron otro|reemplaz*|solucion*|reembolsaron",
    "fr": "remplac*|résolu|rembours*",
    "it": "sostituit*|risolt*|rimborsat*",
    "pt": "troca*|substitu*|resolv*|reembolsaram",
    "ja": "交換|対応してくれ|解決",
    "ru": "замени*|решили|вернули",
}

#: Single words that state a problem; they yield to thanks or praise in the same text.
FACTS = {
    "damaged goods": CATEGORY_WORDS[Category.DAMAGED],
    "no answer from staff": {
        "en": "rude*|unfriendly|impolite|ignor*|no response|no reply|no replies|zero replies|no answer|"
              "unhelpful|unprofessional|hung up|hangs up|on hold|nobody answers|no one answers",
        "de": "unfreundlich*|frech|unverschämt*|angeschnauzt|keine antwort|ignorier*|aufgelegt",
        "es": "grosero*|maleducad*|borde|trató fatal|nadie responde|no responden|nadie contesta|"
              "no contestan|nadie me responde|nadie me contesta|me cuelgan|ignor*",
        "fr": "impoli*|désagréable*|odieu*|aucune réponse|pas de réponse|méprisant*|ignor*|raccroch*",
        "it": "maleducat*|scortes*|sgarbat*|nessuna risposta|nessuno risponde|ignor*",
        "pt": "grosseir*|grosso|grossa|mal educad*|ninguém responde|ninguém ajudou|sem resposta|péssim*|ignor*",
        "ja": "失礼|無視|最悪|返事がない|返信がない|態度が悪",
        "ru": "хам*|нахамил*|груб*|нагрубил*|не отвечают|игнор*|бросил трубку|бросили трубку",
    },
    "app failure": {
        "en": "crash*|won't open|won't load|won't let me|can't log in|cannot log in|can't login|"
              "unable to log in|locked out|logged me out|logs me out|error|not loading|blank page|"
              "spins forever|freez*|glitch*|not working|doesn't work|stopped working",
        "de": "stürzt*|abgestürzt|hängt sich|komme nicht in|kann mich nicht|funktioniert nicht|fehlermeldung*",
        "es": "se cierra|no puedo entrar|no me deja|no funciona|se cuelga|se ha caído|error",
        "fr": "plante|ne s'ouvre plus|ne s'ouvre pas|impossible de me connecter|ne fonctionne plus|"
              "ne marche plus|ne marche pas|erreur",
        "it": "si chiude|si blocca|non funziona|non riesco|errore",
        "pt": "trava*|não abre|não funciona|não consigo|erro",
        "ja": "落ちる|起動しない|ログインできない|エラー|使えない|開かない",
        "ru": "вылета*|не могу войти|не работает|не открывается|зависа*|глюч*",
    },
    "wrong item": {
        "en": "wrong size|wrong item|wrong colour|wrong color|wrong product|wrong one|sent me the wrong|"
              "not what i ordered",
        "de": "falsche größe|falscher artikel|falsche farbe|falsch geliefert|nicht was ich bestellt",
        "es": "talla equivocada|producto equivocado|color equivocado|no es lo que pedí",
        "fr": "mauvaise taille|mauvais article|mauvaise couleur|pas ce que j'ai commandé",
        "it": "taglia sbagliata|articolo sbagliato|colore sbagliato|non è quello che ho ordinato",
        "pt": "tamanho errado|produto errado|cor errada|não é o que pedi",
        "ja": "違う商品|間違った商品|サイズが違う",
        "ru": "не тот размер|не тот товар|перепутали",
    },
    "wrong charge": {
        "en": "charged twice|double charged|charged me twice|billed twice|overcharg*|charged again|"
              "charged me|billed me|been billed|charged for",
        "de": "doppelt abgebucht|zweimal abgebucht|doppelt berechnet|abgezogen",
        "es": "cobraron dos veces|cobrasteis dos veces|cobrado dos veces|cobro indebido|cobro doble",
        "fr": "débité deux fois|prélevé deux fois|facturé deux fois",
        "it": "addebitato due volte|addebitati due volte|doppio addebito",
        "pt": "cobrado duas vezes|cobraram duas vezes|cobrança duplicada|cobrança indevida",
        "ja": "二重請求|二重に請求|二回請求",
        "ru": "списали дважды|двойное списание|списали лишн*",
    },
}

PRAISE = {
    "en": "thank*|thanks|love|great|perfect|brilliant|excellent|amazing|quick*|fast|no questions asked|"
          "sorted|resolved|happy|impressed",
    "de": "danke|super|perfekt|toll|schnell|zufrieden",
    "es": "gracias|perfecto|genial|rápido|encantad*",
    "fr": "merci|parfait|génial|rapide|ravi*",
    "it": "grazie|perfetto|ottimo|veloce|contento",
    "pt": "obrigad*|perfeito|ótimo|rápido|adorei",
    "ja": "ありがとう|最高|早い|助かり",
    "ru": "спасибо|отлично|быстро|доволен|довольна",
}

# A quoted status such as 'out for delivery', «en reparto» or „unterwegs“: the quote opens after a space or at
# the start (so the apostrophe of "it's" never opens one) and closes before a non-letter.
_QUOTED = re.compile(r"""(?:^|[\s(])['"‘“«„‚»]([^'"‘’“”«»\n]{3,40})['"‘’“”«»](?!\w)""")


def _terms(by_language: dict[str, str]) -> Terms:
    return Terms(term.strip() for text in by_language.values() for term in text.split("|"))


@dataclass(frozen=True)
class Cue:
    reason: str  # "still waiting", "sarcasm", ...
    strong: bool  # False: a fact word that thanks or praise in the same text outweighs


_STRONG = (("still waiting", _terms(STILL_WAITING)), ("never arrived", _terms(NEVER_ARRIVED)),
           ("complaint question", _terms(COMPLAINT_QUESTION)))
_FACTS = tuple((reason, _terms(words)) for reason, words in FACTS.items())
_SARCASTIC, _CONTEXT = _terms(SARCASTIC_PRAISE), _terms(COMPLAINT_CONTEXT)
_PUT_RIGHT, _PRAISE = _terms(PUT_RIGHT), _terms(PRAISE)


def complaint_cue(text: str) -> Cue | None:
    """The first complaint cue in the text (strong cues, then sarcasm, then facts), else None."""
    folded = fold(text)
    for reason, terms in _STRONG:
        if terms.any(folded):
            return Cue(reason, strong=True)
    if _SARCASTIC.any(folded) and (
        _QUOTED.search(text) or _CONTEXT.any(folded) or (_fact(folded) and not _PUT_RIGHT.any(folded))
    ):
        return Cue("sarcasm", strong=True)
    reason = _fact(folded)
    if reason and not _PRAISE.any(folded):
        return Cue(reason, strong=False)
    return None


def _fact(folded: str) -> str | None:
    return next((reason for reason, terms in _FACTS if terms.any(folded)), None)
