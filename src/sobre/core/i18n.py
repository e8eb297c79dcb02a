"""French and English strings, from gettext catalogues.

Each capability keeps its user-visible strings in gettext catalogues read with Babel:
``src/sobre/<capability>/locale/<lang>/LC_MESSAGES/<capability>.po`` (the core's own shared strings in
``src/sobre/core/locale``).  Message ids are stable keys (``report.title``); the English catalogue holds
the source text and the French one its translation, with the English text as a translator comment, the
"monolingual" layout that Weblate, Poedit and Babel read.  The tests refuse a key missing or empty in one
language, and a key defined twice with different texts.

Placeholders are ``str.format`` fields (``{org}``).  ``scripts/i18n.py`` adds, merges, checks and sorts
catalogue entries.

The language is passed explicitly (a report in French from an English shell) or, when omitted, taken from
the current context (:func:`use_language`), which the web application sets per request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "en"

_current: ContextVar[str] = ContextVar("sobre_language", default=DEFAULT_LANGUAGE)
#: Messages added at run time (tests, plugins); catalogues are the normal source.
_EXTRA: dict[str, dict[str, str]] = {}


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Make ``lang`` the default of :func:`t` inside the block (one request, one report)."""
    token = _current.set(check_language(lang))
    try:
        yield
    finally:
        _current.reset(token)


def bind_language(lang: str) -> None:
    """Make ``lang`` the default of :func:`t` for the rest of this context (a web request's task)."""
    _current.set(check_language(lang))


def current_language() -> str:
    return _current.get()


def catalogue_files() -> list[tuple[str, str, Path]]:
    """(domain, language, path) of every catalogue of the core and the capabilities."""
    from sobre.core.capabilities import all_capabilities

    roots = [("core", Path(__file__).parent / "locale")]
    roots += [(c.name, c.locale) for c in all_capabilities() if c.locale is not None]
    found = []
    for domain, root in roots:
        for lang in LANGUAGES:
            path = root / lang / "LC_MESSAGES" / f"{domain}.po"
            if path.is_file():
                found.append((domain, lang, path))
    return found


def read_catalogue(path: Path) -> dict[str, str]:
    """Message id → text of one ``.po`` file (the header entry left out)."""
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalogue = read_po(f)
    return {str(m.id): str(m.string) for m in catalogue if m.id}


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    owner: dict[tuple[str, str], str] = {}
    for domain, lang, path in catalogue_files():
        for key, text in read_catalogue(path).items():
            previous = merged.setdefault(key, {}).get(lang)
            if previous is not None and previous != text:
                raise ValueError(
                    f"message {key!r} ({lang}) is defined in {owner[key, lang]} and in {domain} "
                    "with different texts"
                )
            merged[key][lang] = text
            owner[key, lang] = domain
    return merged


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add messages at run time (tests, plugins).  Product strings belong in the catalogues."""
    for key, texts in messages.items():
        known = _catalogue().get(key) or _EXTRA.get(key)
        if known is not None and dict(known) != dict(texts):
            raise ValueError(f"message key {key!r} registered twice with different texts")
        _EXTRA[key] = dict(texts)


def has(key: str) -> bool:
    return key in _catalogue() or key in _EXTRA


def t(key: str, lang: str | None = None, **values: object) -> str:
    """Translate ``key`` into ``lang`` (default: the current language) and fill ``{placeholders}``."""
    texts = _catalogue().get(key) or _EXTRA.get(key)
    if texts is None:
        raise KeyError(f"no message {key!r}")
    text = texts.get(check_language(lang or _current.get()))
    if not text:
        raise KeyError(f"message {key!r} has no {lang or _current.get()} text")
    return text.format(**values) if values else text


def missing_translations() -> list[str]:
    """``key:lang`` of every message without a text in one of the languages."""
    merged = {**_catalogue(), **_EXTRA}
    return sorted(f"{k}:{lang}" for k, v in merged.items() for lang in LANGUAGES if not v.get(lang))


def format_number(value: float, lang: str, digits: int = 0) -> str:
    """Group thousands and pick the decimal mark of the language (1 234,5 in French)."""
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text
