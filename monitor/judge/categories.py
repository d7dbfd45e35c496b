"""What a complaint is about, by keyword rules in the languages customers write in.

The category picks the remedy in the reply template, so it must work for mentions the sentiment
model cannot read too. Rules, not a model: they are cheap, explainable, and a support lead can
add a word without retraining. When several categories match, the most specific wins, in this
order: damaged (a photo of a broken item beats "my package arrived"), refund/billing, app, rude
behaviour of staff ("the courier was rude"), delivery, other staff words ("support ignores me" is
said about almost every other problem too), and last a bare "my order" counts as delivery.

Terms use the syntax of `keywords.py` (`stem*`, whole words, CJK substrings); "|" separates them.
"""
from __future__ import annotations

from monitor.judge.keywords import Terms, fold
from monitor.models import Category

WORDS: dict[Category, dict[str, str]] = {
    Category.DAMAGED: {
        "en": "damag*|broken|broke|crack*|cracked|defect*|faulty|shatter*|dented|torn open|arrived torn|was torn|is torn|leak*|scratch*|"
              "fell apart|falls apart|rotten|spoiled|spoilt|expired|mould*|mold|moldy|smashed|crushed|"
              "in pieces|in two pieces|in three pieces|snapped|shrank|shrunk|split open|stain|stained|"
              "stains|stopped working|melted|scorched|overheat*|caught fire",
        "de": "beschädigt*|kaputt*|defekt*|zerbrochen|gebrochen*|zerkratzt|kratzer|undicht|verschimmelt|"
              "abgelaufen|zerdrückt|gesprungen|zerrissen|geschmolzen|überhitz*",
        "es": "dañad*|roto|rota|rotos|rotas|defectuos*|estropead*|rayad*|caducad*|podrid*|aplastad*|"
              "partid*|agrietad*|derretid*|sobrecalent*",
        "fr": "endommagé*|cassé|cassée|cassés|cassées|défectueu*|abîmé*|rayé|rayée|périmé*|moisi*|écrasé*|"
              "fendu*|fissuré*|fondu|surchauff*",
        "it": "danneggiat*|rotto|rotta|rotti|rotte|difettos*|graffiat*|scadut*|guasto|guasta|ammaccat*|"
              "crepat*|incrinat*|sciolt*|surriscald*",
        "pt": "danificad*|quebrad*|defeito*|defeituos*|estragad*|riscad*|amassad*|podre|trincad*|derretid*|"
              "superaquec*",
        "ja": "破損|壊れ|故障|不良品|初期不良|割れ|欠陥|傷が|キズ|へこみ|腐っ|ヒビ|ひび|溶け|発煙",
        "ru": "сломан*|сломал*|поврежд*|брак|бракован*|разбит*|дефект*|трещин*|царапин*|испорчен*|"
              "просрочен*|помят*|расплавил*|задымил*|перегрев*",
    },
    Category.REFUND: {
        "en": "refund*|money back|charged|charges|overcharg*|billing|billed|invoice*|payment*|"
              "reimburs*|chargeback*|subscription*|unsubscribe|credit card|fee|fees|double charged",
        "de": "rückerstattung*|erstatt*|geld zurück|rechnung*|abbuch*|abgebucht|zahlung*|bezahlt|"
              "gebühr*|kündig*|abo|abonnement*|geld|abgezogen",
        "es": "reembols*|devolución|devolucion|devolver el dinero|mi dinero|cobro*|cobrad*|cobraron|"
              "factur*|pago|pagos|pagué|suscripción|cargo|cargos|cobrasteis",
        "fr": "rembours*|factur*|prélèv*|débité*|paiement*|mon argent|abonnement*|frais",
        "it": "rimbors*|fattur*|addebit*|pagament*|i miei soldi|abbonament*",
        "pt": "reembols*|estorno*|meu dinheiro|cobranç*|cobrad*|cobraram|fatura*|pagament*|paguei|"
              "assinatura*",
        "ja": "返金|返品|請求|料金|支払|課金|二重|引き落とし|払い戻し",
        "ru": "возврат*|верните деньги|вернуть деньги|деньги|денег|списал*|списани*|оплат*|счет|"
              "платеж*|подписк*",
    },
    Category.APP: {
        "en": "app|apps|crash*|login|log in|logged out|sign in|password*|account|accounts|bug|bugs|"
              "buggy|glitch*|website|freez*|frozen|verification code|error message|keeps loading",
        "de": "app|absturz|abgestürzt|stürzt|anmeld*|einlogg*|passwort*|konto|fehlermeldung*|webseite|"
              "lädt nicht",
        "es": "app|aplicación|aplicacion|se cierra|iniciar sesión|contraseña*|mi cuenta|se cuelga|"
              "se colgó|página web",
        "fr": "appli|applis|application*|plante|se connecter|connexion|mot de passe|mon compte|bug*|"
              "mise à jour|site web",
        "it": "app|applicazione|crash*|accesso|password|account|si blocca|aggiornamento",
        "pt": "app|aplicativo*|aplicação|trava|travando|login|senha*|minha conta|não abre|atualização",
        "ja": "アプリ|ログイン|パスワード|アカウント|落ちる|クラッシュ|不具合|バグ|エラー|起動しない|"
              "アップデート",
        "ru": "приложени*|вылета*|вылетает|не могу войти|войти|логин*|парол*|аккаунт*|учетн*|"
              "ошибк*|обновлени*|баг*|глюч*|сайт*",
    },
    Category.DELIVERY: {
        "en": "deliver*|arriv*|package*|parcel*|shipping|shipment*|shipped|courier*|tracking|"
              "never came|never received|not received|lost in the mail|postman|fedex|dhl|usps|where is my order",
        "de": "liefer*|paket*|angekommen|versand*|zustell*|sendung*|kurier*|nicht erhalten|"
              "wo bleibt|hermes|dhl",
        "es": "envío*|envio*|paquete*|llegado|llegó|llega|entreg*|repartidor*|mensajer*|seguimiento",
        "fr": "livraison*|livreur*|livré|livrée|colis|reçu|reçue|expédi*|pas reçu|jamais reçu|arrivé*|numéro de suivi|suivi du colis",
        "it": "consegn*|spedizion*|spedit*|pacco|pacchi|corriere|arrivat*|arrivo|mai ricevut*",
        "pt": "entreg*|encomenda*|pacote*|chegou|frete|envio*|rastreio|rastreamento|transportadora|"
              "correios",
        "ja": "配送|配達|届|荷物|発送|宅配|到着|郵便|追跡",
        "ru": "доставк*|доставлен*|доставят|доставили|посылк*|курьер*|не пришл*|отправлен*|трек|"
              "почта|почтой|почту|сдэк|пришел|пришла|пришло|пришли",
    },
    Category.STAFF: {
        "en": "staff|rude*|employee*|customer service|customer support|support|agent*|cashier*|"
              "manager*|waiter*|waitress*|service|ignor*|no response|no reply|unhelpful|"
              "unprofessional|attitude|hung up|representative*|on hold|answer my|dms|replies|reply|respond*",
        "de": "mitarbeiter*|unfreundlich*|kundenservice|kundendienst|service|support|"
              "verkäufer*|keine antwort|ignorier*|frech|hotline|unverschämt*",
        "es": "empleado*|atención al cliente|grosero*|maleducad*|servicio|nadie responde|"
              "no responden|camarer*|dependient*|trato|ignor*|soporte",
        "fr": "personnel|employé*|service client|impoli*|désagréable*|vendeu*|serveu*|accueil|"
              "aucune réponse|mépris*|sav",
        "it": "personale|dipendent*|maleducat*|scortes*|servizio clienti|assistenza|commess*|"
              "camerier*|nessuna risposta",
        "pt": "atendente*|atendimento|funcionári*|grosseir*|mal educad*|ninguém responde|"
              "sem resposta|suporte",
        "ja": "店員|対応|接客|態度|スタッフ|失礼|無視|サポート|カスタマー",
        "ru": "персонал*|сотрудник*|хам*|груб*|оператор*|поддержк*|обслуживани*|не отвечают|"
              "игнор*|продав*|менеджер*",
    },
}

#: Behaviour words that make a complaint about staff even when it names a delivery or an app
#: ("the courier was rude"); plain staff words ("support", "service") still come last.
RUDE = {
    "en": "rude*|unfriendly|impolite|unprofessional|disrespectful|shouted|yelled|rolled her eyes|"
          "rolled his eyes|hung up",
    "de": "unfreundlich*|unhöflich*|frech|unverschämt*|angeschnauzt|angeschrien|aufgelegt",
    "es": "grosero*|grosera*|maleducad*|borde|me trató fatal|me gritó|me colgó|me cuelgan",
    "fr": "impoli*|désagréable*|odieu*|méprisant*|m'a raccroché|a crié",
    "it": "maleducat*|scortes*|sgarbat*|mi ha urlato",
    "pt": "grosseir*|grosso|grossa|mal educad*|mal-educad*|gritou",
    "ja": "失礼|態度|無礼",
    "ru": "хам*|нахамил*|груб*|нагрубил*|бросил трубку|накричал*",
}

#: Words that say "my order" without saying what went wrong: delivery, when nothing else matched
#: ("where is my order?", "day 12 and still nothing").
ORDER = {
    "en": "order|orders|still nothing|nothing yet|in transit",
    "de": "bestellung*|immer noch nichts",
    "es": "pedido|pedidos|y nada",
    "fr": "commande|commandes|toujours rien",
    "it": "ordine|ordini|ancora niente",
    "pt": "pedido|pedidos|e nada",
    "ja": "注文",
    "ru": "заказ*",
}


def _terms(by_language: dict[str, str]) -> Terms:
    return Terms(term.strip() for text in by_language.values() for term in text.split("|"))


#: Most specific first: the first category with any match wins.
PRIORITY = (
    (Category.DAMAGED, _terms(WORDS[Category.DAMAGED])),
    (Category.REFUND, _terms(WORDS[Category.REFUND])),
    (Category.APP, _terms(WORDS[Category.APP])),
    (Category.STAFF, _terms(RUDE)),
    (Category.DELIVERY, _terms(WORDS[Category.DELIVERY])),
    (Category.STAFF, _terms(WORDS[Category.STAFF])),
    (Category.DELIVERY, _terms(ORDER)),
)


def categorize(text: str) -> Category:
    """The most specific category whose words appear in the text, else OTHER."""
    folded = fold(text)
    return next((category for category, terms in PRIORITY if terms.any(folded)), Category.OTHER)
