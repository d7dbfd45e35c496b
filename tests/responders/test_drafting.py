"""Reply drafting with the real packaged templates: apology first, a remedy that fits the
complaint, an invitation to a private channel, the signature last; in every language, within
every platform's limit, and with the customer's words never run as a template."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.models import Category, Judgement, Label, Mention
from monitor.settings import ConfigError, DraftSettings
from responders.drafting import (
    Drafter,
    ReplyTooLongError,
    UnknownTemplateError,
    base_language,
    customer_name,
)
from responders.limits import reply_length, reply_limit
from responders.shorten import shorter_versions

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
LANGUAGES = ["en", "de", "es", "fr", "it", "ja", "pt", "ru"]
CATEGORIES = list(Category)
CHANNEL = "support@acme.example"
SIGNATURE = "Alex, Acme Support"

# Words that must appear, in each language (compared case-insensitively).
APOLOGY = {
    "en": ["sorry"], "de": ["tut uns"], "es": ["lamentamos", "sentimos"], "fr": ["désolés"],
    "it": ["dispiace", "scusiamo"], "ja": ["申し訳"], "pt": ["lamentamos", "desculpas"],
    "ru": ["извинени"],
}
REMEDY = {
    Category.REFUND: {"en": "refund", "de": "rückerstattung", "es": "reembols", "fr": "rembours",
                      "it": "rimbors", "ja": "返金", "pt": "reembolso", "ru": "возврат"},
    Category.DELIVERY: {"en": "trace", "de": "sendung", "es": "rastre", "fr": "colis",
                        "it": "spedizione", "ja": "再発送", "pt": "rastrear", "ru": "отслед"},
    Category.DAMAGED: {"en": "replacement", "de": "ersatz", "es": "reembols", "fr": "remplacement",
                       "it": "sostitut", "ja": "交換", "pt": "reembolso", "ru": "замен"},
    Category.STAFF: {"en": "discount", "de": "rabatt", "es": "descuento", "fr": "remise",
                     "it": "sconto", "ja": "割引", "pt": "desconto", "ru": "скидк"},
    Category.APP: {"en": "version", "de": "app-version", "es": "versión", "fr": "version",
                   "it": "versione", "ja": "バージョン", "pt": "versão", "ru": "верси"},
}


def mention(*, source: str = "trustpilot", author: str | None = "@anna_k", text: str = "Still waiting.",
            title: str | None = None, rating: int | None = 1) -> Mention:
    return Mention(source=source, external_id="r1", text=text, created_at=T0, author=author,
                   title=title, rating=rating)


def judgement(language: str | None = "en", category: Category = Category.DELIVERY) -> Judgement:
    return Judgement(label=Label.NEGATIVE, scores={"negative": 0.9}, needs_response=True,
                     language=language, covered=True, model="test", category=category)


@pytest.fixture(scope="module")
def drafter() -> Drafter:
    return Drafter(DraftSettings(signature=SIGNATURE, private_channel=CHANNEL), brand="Acme")


def apology_at(text: str, language: str) -> int:
    found = [text.casefold().find(w) for w in APOLOGY[language] if w in text.casefold()]
    assert found, f"no apology in {text!r}"
    return min(found)


def assert_essentials(text: str, language: str) -> None:
    """Apology in the opening line, the private channel invited, the signature last."""
    first_line = text.splitlines()[0]
    assert any(w in first_line.casefold() for w in APOLOGY[language]), text
    assert CHANNEL in text
    assert text.endswith(SIGNATURE)


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_apology_comes_first_in_every_language(drafter, language, category):
    draft = drafter.draft(mention(), judgement(language, category))

    assert draft.language == language
    assert draft.template == f"{language}/{category.value}"
    assert_essentials(draft.text, language)
    assert apology_at(draft.text, language) < draft.text.index(CHANNEL)
    assert "Acme" in draft.text.split(CHANNEL)[0]  # the brand is named in the reply itself


@pytest.mark.parametrize("category", list(REMEDY))
@pytest.mark.parametrize("language", LANGUAGES)
def test_remedy_matches_category(drafter, language, category):
    text = drafter.draft(mention(), judgement(language, category)).text.casefold()

    word = REMEDY[category][language]
    assert word in text
    assert apology_at(text, language) < text.index(word) < text.index(CHANNEL)


@pytest.mark.parametrize("language", LANGUAGES)
def test_other_complaints_get_a_question_about_what_went_wrong(drafter, language):
    text = drafter.draft(mention(), judgement(language, Category.OTHER)).text

    assert "?" in text or "でしょうか。" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_order_numbers_are_asked_for_in_private_only(drafter, language):
    text = drafter.draft(mention(), judgement(language, Category.REFUND)).text
    invitation = next(p for p in text.split("\n\n") if CHANNEL in p)

    assert invitation != text.split("\n\n")[0]  # its own paragraph, after apology and remedy


@pytest.mark.parametrize("language", ["ko", "zh-Hans", "xx", "", None])
def test_languages_without_templates_fall_back_to_english(drafter, language):
    draft = drafter.draft(mention(), judgement(language, Category.REFUND))

    assert (draft.language, draft.template) == ("en", "en/refund")
    assert "refund" in draft.text


@pytest.mark.parametrize("code, expected", [
    ("pt-BR", "pt"), ("de_AT", "de"), ("JA", "ja"), ("en-GB", "en"),
])
def test_region_variants_use_the_base_language(drafter, code, expected):
    draft = drafter.draft(mention(), judgement(code, Category.DELIVERY))

    assert draft.language == expected
    assert draft.template == f"{expected}/delivery"


def test_greets_the_customer_by_name_without_platform_decorations(drafter):
    assert drafter.draft(mention(author="@anna_k"), judgement()).text.startswith("Hi anna_k, ")
    assert drafter.draft(mention(author="u/bob_smith"), judgement()).text.startswith("Hi bob_smith, ")
    german = drafter.draft(mention(author="Jürgen W."), judgement("de")).text
    assert german.startswith("Hallo Jürgen W., es tut uns")
    assert drafter.draft(mention(author="@tanaka"), judgement("ja")).text.startswith("tanaka様、この度は")


@pytest.mark.parametrize("author", [None, "", "   ", "A Google user", "[deleted]", "@", "x" * 80])
def test_greets_neutrally_without_a_usable_name(drafter, author):
    assert drafter.draft(mention(author=author), judgement()).text.startswith("Hi there, we're")
    assert drafter.draft(mention(author=author), judgement("ja")).text.startswith("この度は")


@pytest.mark.parametrize("author, expected", [
    ("@anna_k", "anna_k"), ("u/bob", "bob"), ("/u/bob", "bob"), ("  Anna\n Smith ", "Anna Smith"),
    ("Anna\u200b", "Anna"), ("A Google user", None), ("🙂🙂", None), ("x" * 41, None), (None, None),
])
def test_customer_name_is_cleaned_for_a_greeting(author, expected):
    assert customer_name(author) == expected


def test_base_language_of_region_and_script_variants():
    codes = ("pt-BR", "zh-Hans", "es_419", None, "")
    assert [base_language(c) for c in codes] == ["pt", "zh", "es", "en", "en"]


def test_full_template_is_used_where_there_is_room(drafter):
    text = drafter.draft(mention(source="trustpilot"), judgement()).text

    assert "There's no need to place a new order." in text  # an optional sentence
    assert "Kind regards," in text


@pytest.mark.parametrize("source, limit", [("twitter", 280), ("google_play", 350)])
@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_platform_limits_keep_apology_invitation_and_signature(drafter, source, limit, language,
                                                               category):
    long_name = "@Maximiliane_Oberhuber"
    draft = drafter.draft(mention(source=source, author=long_name), judgement(language, category))

    assert reply_length(draft.text, source) <= limit
    assert_essentials(draft.text, language)


def test_short_form_is_preferred_to_cutting(drafter):
    text = drafter.draft(mention(source="google_play"), judgement()).text

    assert "There's no need" not in text  # optional sentence dropped
    assert "send your order again for free." in text  # the remedy itself is whole
    assert "…" not in text


def test_remedy_is_cut_as_a_last_resort_and_essentials_survive():
    long_settings = DraftSettings(signature="Alexandra Müller-Lüdenscheidt, Customer Care Team at Acme",
                                  private_channel="https://acme.example/help/contact")
    drafter = Drafter(long_settings, brand="Acme")

    text = drafter.draft(mention(source="twitter"), judgement("en", Category.STAFF)).text

    assert reply_length(text, "twitter") <= 280
    assert text.startswith("Hi anna_k, we're very sorry")
    assert "https://acme.example/help/contact" in text
    assert text.endswith("Customer Care Team at Acme")
    assert "discount on your next order." not in text  # the remedy was shortened


def test_explicit_max_chars_wins_over_the_platform_limit(drafter):
    reddit = drafter.draft(mention(source="reddit"), judgement(), max_chars=200)
    twitter = drafter.draft(mention(source="twitter"), judgement(), max_chars=5000)

    assert len(reddit.text) <= 200
    assert "Kind regards," in twitter.text  # the full form fits in 5000


def test_x_counts_cjk_characters_twice(drafter):
    draft = drafter.draft(mention(source="twitter"), judgement("ja", Category.STAFF))

    assert reply_length("日本語abc", "twitter") == 9
    assert reply_length(draft.text, "twitter") <= 280
    assert len(draft.text) <= 200


def test_a_limit_too_small_for_the_essentials_is_an_error(drafter):
    with pytest.raises(ReplyTooLongError, match="exceed 60 characters"):
        drafter.draft(mention(), judgement(), max_chars=60)


def test_a_custom_template_without_a_remedy_block_cannot_be_shortened(tmp_path):
    write(tmp_path, "en/other.j2", "Sorry, {{ customer }}. " + "We will look into it. " * 20)
    drafter = Drafter(DraftSettings(template_dir=str(tmp_path)), brand="Acme")

    assert drafter.draft(mention(), judgement("en", Category.OTHER)).text.startswith("Sorry, anna_k.")
    with pytest.raises(ReplyTooLongError, match="no {% block remedy %}"):
        drafter.draft(mention(source="twitter"), judgement("en", Category.OTHER))


@pytest.mark.parametrize("hostile", [
    "{{ 7*7 }}", "{% for x in range(10**9) %}x{% endfor %}", "{{ config }}",
    "{{ ''.__class__.__mro__ }}", "{% include '/etc/passwd' %}", "{#", "{{",
])
def test_customer_words_are_never_evaluated(drafter, hostile):
    draft = drafter.draft(mention(author=hostile[:40], text=hostile, title=hostile), judgement())

    if customer_name(hostile[:40]):
        assert f"Hi {hostile[:40]}," in draft.text  # shown literally
    assert "49" not in draft.text and "<class" not in draft.text


def write(root, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_template_variables_are_data_even_when_a_template_prints_them(tmp_path):
    write(tmp_path, "en/delivery.j2", (
        "{% block apology %}Sorry about '{{ title }}' by {{ customer }} "
        "({{ rating }}*, {{ platform }}).{% endblock %}\n"
        "{% block remedy %}We'll fix it.{% endblock %}\n"
        "{% block invitation %}Write to {{ channel }}.{% endblock %}\n"
        "{% block signature %}{{ signature }}{% endblock %}"
    ))
    drafter = Drafter(DraftSettings(template_dir=str(tmp_path)), brand="Acme")
    hostile = mention(author="{{ 7*7 }}", title="{{ ''.__class__.__mro__ }}")

    text = drafter.draft(hostile, judgement()).text

    assert text.startswith("Sorry about '{{ ''.__class__.__mro__ }}' by {{ 7*7 }} (1*, trustpilot).")


def test_custom_template_dir_overrides_and_extends_the_packaged_templates(tmp_path):
    write(tmp_path, "en/refund.j2", (
        "{% block apology %}So sorry, {{ customer }}!{% endblock %} "
        "{% block remedy %}Refund on its way.{% endblock %}\n"
        "{% block invitation %}Mail {{ channel }}.{% endblock %}\n"
        "{% block signature %}{{ signature }}{% endblock %}"
    ))
    write(tmp_path, "en/refund_vip.j2", "VIP {{ customer }}")
    write(tmp_path, "ko/refund.j2", "{{ customer }}님, 죄송합니다. 환불해 드리겠습니다.")
    custom = DraftSettings(template_dir=str(tmp_path), private_channel=CHANNEL, signature=SIGNATURE)
    drafter = Drafter(custom, brand="Acme")

    assert drafter.draft(mention(), judgement("en", Category.REFUND)).text == (
        f"So sorry, anna_k! Refund on its way.\nMail {CHANNEL}.\n{SIGNATURE}")
    assert drafter.draft(mention(), judgement("ko", Category.REFUND)).template == "ko/refund"
    assert drafter.draft(mention(), judgement("ko", Category.STAFF)).template == "en/staff"  # fallback
    assert "en/refund_vip" in drafter.templates_for("en")
    assert drafter.draft(mention(), judgement(), template="en/refund_vip").text == "VIP anna_k"
    assert "en/delivery" in drafter.templates_for("en")  # packaged ones stay


def test_a_missing_template_dir_stops_start_up(tmp_path):
    with pytest.raises(ConfigError, match="drafts.template_dir"):
        Drafter(DraftSettings(template_dir=str(tmp_path / "nope")), brand="Acme")


def test_a_broken_custom_template_stops_start_up_naming_the_file(tmp_path):
    write(tmp_path, "en/refund.j2", "Hello {% if %}")

    with pytest.raises(ConfigError, match=r"en/refund\.j2:1"):
        Drafter(DraftSettings(template_dir=str(tmp_path)), brand="Acme")


def test_templates_for_lists_names_usable_as_template(drafter):
    names = drafter.templates_for("de")

    assert names == [f"de/{c}" for c in sorted(c.value for c in Category)]
    assert drafter.templates_for("pt-BR")[0].startswith("pt/")
    assert drafter.templates_for("ko") == drafter.templates_for("en")
    for name in names:
        assert drafter.draft(mention(), judgement("en"), template=name).template == name


def test_a_chosen_template_overrides_category_and_language(drafter):
    draft = drafter.draft(mention(), judgement("en", Category.DELIVERY), template="de/refund")

    assert (draft.template, draft.language) == ("de/refund", "de")
    assert "Rückerstattung" in draft.text


@pytest.mark.parametrize("name", ["en/refnd", "en/_parts", "../en/refund", "refund", "xx/refund", ""])
def test_unknown_template_name_is_a_clear_error(drafter, name):
    with pytest.raises(UnknownTemplateError, match="unknown reply template"):
        drafter.draft(mention(), judgement(), template=name or " ")


def test_unknown_template_error_lists_what_exists(drafter):
    with pytest.raises(UnknownTemplateError, match="en/refund"):
        drafter.draft(mention(), judgement(), template="en/refnd")


def test_reply_limits_table():
    sources = ("twitter", "x", "google_play", "Google-Play", "app_store", "reddit")
    assert [reply_limit(s) for s in sources] == [280, 280, 350, 350, 5970, 10_000]
    assert reply_limit("trustpilot") is None
    assert reply_limit("no_such_platform") is None
    assert reply_length("é" * 10, "google_business") == 20  # counted in UTF-8 bytes


def test_shorter_versions_drop_whole_sentences_before_cutting_words():
    remedy = "We'll trace the parcel today. Then we'll send a new one. No need to reorder."

    versions = list(shorter_versions(remedy))

    assert versions[:2] == [
        "We'll trace the parcel today. Then we'll send a new one.",
        "We'll trace the parcel today.",
    ]
    assert versions[2] == "We'll trace the parcel…"
    assert versions[-1] == ""
    assert list(shorter_versions("配送状況を確認します。無料で再発送いたします。"))[0] == "配送状況を確認します。"


def test_a_single_sentence_is_cut_after_a_clause_before_any_word():
    versions = list(shorter_versions("We'll raise this with the team, and offer you a discount next time."))

    assert versions[0] == "We'll raise this with the team…"
    assert versions[1] == "We'll raise this with the team, and offer you a discount next…"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    author=st.one_of(st.none(), st.text()),
    title=st.one_of(st.none(), st.text()),
    text=st.text(),
    source=st.sampled_from(["twitter", "google_play"]),
    language=st.one_of(st.sampled_from(LANGUAGES + ["ko", "pt-BR", None]), st.text(max_size=8)),
    category=st.sampled_from(CATEGORIES),
)
def test_any_customer_input_drafts_within_the_limit(drafter, author, title, text, source, language,
                                                    category):
    draft = drafter.draft(mention(source=source, author=author, title=title, text=text),
                          judgement(language, category))

    assert reply_length(draft.text, source) <= reply_limit(source)
    assert draft.text.endswith(SIGNATURE)
    assert CHANNEL in draft.text
