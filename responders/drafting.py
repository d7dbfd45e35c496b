"""Reply drafts: a template chosen by complaint category and language, filled in a sandbox and
made to fit the platform's length limit.

The customer's words are data. They reach a template only as variables (the author's cleaned
name, the platform, rating and title) and are never compiled as template source; rendering
happens in Jinja's sandbox with StrictUndefined. Autoescaping is off because replies are plain
text: whatever shows them in HTML (the desk) must escape them there.

A reply that is too long for its platform is made to fit in this order, taking the first
version that fits:
1. the full template;
2. its short form (`short=True`: the template drops its optional sentences);
3. the short form with a neutral greeting instead of the customer's name;
4. the short form with the remedy block cut to its leading sentences, then cut after a clause
   or a word (with an ellipsis), then left out; each with the name, then without.
The apology, the invitation and the signature are never cut: if they alone do not fit,
`ReplyTooLongError` says so.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Iterator

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

import templates as _packaged
from monitor.models import Category, Draft, Judgement, Mention
from monitor.settings import ConfigError, DraftSettings, Settings
from responders.limits import reply_length, reply_limit
from responders.shorten import shorter_versions

FALLBACK_LANGUAGE = "en"
# The package's own directory (the first portion with English templates, should a stray
# "templates" directory on sys.path make the package a namespace).
PACKAGED_TEMPLATES = next(
    p for p in map(Path, _packaged.__path__) if (p / FALLBACK_LANGUAGE).is_dir()
)
SUFFIX = ".j2"
MAX_NAME_CHARS = 40  # longer "names" are sentences or spam: greet neutrally instead
# Placeholders platforms show instead of a name.
_ANONYMOUS = {"a google user", "[deleted]", "anonymous", "anonym", "anónimo", "anonyme", "匿名"}
_HANDLE = re.compile(r"^(?:/?u/|@)+", re.IGNORECASE)
# Renders a template with its remedy block replaced; the template is a variable, so no name or
# text is ever spliced into template source.
_SHORTENED_REMEDY = "{% extends reply_template %}{% block remedy %}{{ shortened_remedy }}{% endblock %}"


class DraftError(Exception):
    """No draft could be made; the message says why."""


class UnknownTemplateError(DraftError, LookupError):
    pass


class ReplyTooLongError(DraftError):
    pass


class Drafter:
    """Drafts replies from the packaged templates, overridden by `drafts.template_dir`."""

    def __init__(self, drafts: DraftSettings, *, brand: str):
        self.settings = drafts
        self.brand = brand
        self.env = _environment(drafts.template_dir)
        self._names = _reply_templates(self.env)
        self._shortened = self.env.from_string(_SHORTENED_REMEDY)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Drafter":
        return cls(settings.drafts, brand=settings.app.brand)

    def languages(self) -> list[str]:
        return sorted({name.partition("/")[0] for name in self._names})

    def templates_for(self, language: str | None) -> list[str]:
        """Template names (usable as `template=`) for a language, after fallback."""
        lang = self._language(language)
        return sorted(name for name in self._names if name.startswith(lang + "/"))

    def draft(
        self,
        mention: Mention,
        judgement: Judgement,
        *,
        max_chars: int | None = None,
        template: str | None = None,
    ) -> Draft:
        """A reply to `mention`. `max_chars` (else the platform's known limit) bounds its
        length, counted the platform's way; `template` ("de/refund") overrides the choice by
        category and language."""
        name = self._named(template) if template else self._choose(judgement)
        language = name.partition("/")[0]
        limit = max_chars if max_chars is not None else reply_limit(mention.source)
        variables = {
            "customer": customer_name(mention.author),
            "brand": self.brand,
            "channel": self.settings.private_channel,
            "signature": self.settings.signature,
            "platform": mention.source,
            "rating": mention.rating,
            "title": mention.title,
            "category": _category(judgement).value,
            "language": language,
            "short": False,
        }

        def fits(text: str) -> bool:
            return limit is None or reply_length(text, mention.source) <= limit

        try:
            chosen = self.env.get_template(name + SUFFIX)
            for text in self._versions(chosen, variables):
                if fits(text):
                    return Draft(text=text, template=name, language=language)
        except TemplateError as exc:
            raise DraftError(f"reply template {name}: {exc}") from exc
        if "remedy" not in chosen.blocks:
            raise ReplyTooLongError(
                f"reply template {name}: longer than {limit} characters on {mention.source} "
                "and it has no {% block remedy %} that could be shortened"
            )
        raise ReplyTooLongError(
            f"reply template {name}: the apology, invitation and signature alone exceed "
            f"{limit} characters on {mention.source}; shorten drafts.signature, "
            "drafts.private_channel or the template"
        )

    def _versions(self, template: Template, variables: dict[str, Any]) -> Iterator[str]:
        """Renderings from the most to the least complete (see the module docstring)."""
        yield _render(template, variables)
        short = dict(variables, short=True)
        customers = [short["customer"], None] if short["customer"] else [None]
        for customer in customers:
            yield _render(template, dict(short, customer=customer))
        remedy = _block(template, "remedy", short)
        if remedy is None:
            return
        for shorter in shorter_versions(remedy):
            for customer in customers:
                yield _render(
                    self._shortened,
                    dict(short, customer=customer, reply_template=template, shortened_remedy=shorter),
                )

    def _language(self, language: str | None) -> str:
        lang = base_language(language)
        return lang if any(n.startswith(lang + "/") for n in self._names) else FALLBACK_LANGUAGE

    def _choose(self, judgement: Judgement) -> str:
        category = _category(judgement).value
        lang = base_language(judgement.language)
        for name in (f"{lang}/{category}", f"{FALLBACK_LANGUAGE}/{category}"):
            if name in self._names:
                return name
        raise UnknownTemplateError(f"no reply template for {category!r}, not even in English")

    def _named(self, template: str) -> str:
        name = template.strip().removesuffix(SUFFIX)
        if name in self._names:
            return name
        lang = name.partition("/")[0]
        known = [n for n in sorted(self._names) if n.startswith(lang + "/")]
        hint = f"{lang} has {', '.join(known)}" if known else f"languages: {', '.join(self.languages())}"
        raise UnknownTemplateError(f"unknown reply template {template!r}; {hint}")


def customer_name(author: str | None) -> str | None:
    """The author's name fit for a greeting ("@anna_k" -> "anna_k", "u/bob" -> "bob"), or None
    when there is no usable name (missing, a platform placeholder, too long, no letters)."""
    if not author:
        return None
    name = "".join(ch for ch in author if not unicodedata.category(ch).startswith("C"))
    name = _HANDLE.sub("", " ".join(name.split())).strip()
    if (
        not name
        or len(name) > MAX_NAME_CHARS
        or name.casefold() in _ANONYMOUS
        or not any(ch.isalnum() for ch in name)
    ):
        return None
    return name


def base_language(code: str | None) -> str:
    """ "pt-BR" -> "pt", "zh_Hans" -> "zh", None -> "en"."""
    base = re.split(r"[-_]", (code or "").strip(), maxsplit=1)[0].lower()
    return base or FALLBACK_LANGUAGE


def _category(judgement: Judgement) -> Category:
    try:
        return Category(judgement.category)
    except ValueError:
        return Category.OTHER


def _environment(template_dir: str | None) -> SandboxedEnvironment:
    loaders = [FileSystemLoader(PACKAGED_TEMPLATES)]
    if template_dir:
        custom = Path(template_dir).expanduser()
        if not custom.is_dir():
            raise ConfigError(f"drafts.template_dir: not a directory: {custom}")
        loaders.insert(0, FileSystemLoader(custom))
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders), undefined=StrictUndefined, autoescape=False
    )


def _reply_templates(env: SandboxedEnvironment) -> frozenset[str]:
    """Names ("en/refund") of every reply template, each compiled once so that a syntax error
    in a custom template stops start-up with its file and line."""
    names = set()
    for path in env.list_templates(extensions=[SUFFIX.lstrip(".")]):
        lang, _, file = path.partition("/")
        if not file or "/" in file or file.startswith("_"):
            continue
        try:
            env.get_template(path)
        except TemplateError as exc:
            where = f"{path}:{getattr(exc, 'lineno', '?')}"
            raise ConfigError(f"reply template {where}: {exc}") from None
        names.add(f"{lang}/{file.removesuffix(SUFFIX)}")
    return frozenset(names)


def _render(template: Template, variables: dict[str, Any]) -> str:
    return _tidy(template.render(variables))


def _block(template: Template, block: str, variables: dict[str, Any]) -> str | None:
    """One block's text, or None when the template has no such block of its own."""
    if block not in template.blocks:
        return None
    context = template.new_context(variables)
    for _ in template.root_render_func(context):  # runs the imports the block may use
        pass
    return _tidy("".join(template.blocks[block](context)))


def _tidy(text: str) -> str:
    """Plain-text clean-up: no trailing spaces, no runs of spaces, at most one blank line."""
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


__all__ = [
    "DraftError",
    "Drafter",
    "ReplyTooLongError",
    "UnknownTemplateError",
    "base_language",
    "customer_name",
]
