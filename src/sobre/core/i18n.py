"""French and English strings.

Each capability declares its user-visible strings in a ``messages.py`` holding a dict
``{key: {"en": ..., "fr": ...}}`` and registers it with :func:`register`.  A key missing in one
language is a bug caught by the tests (``missing_translations``), not a silent fallback.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "en"

_CATALOG: dict[str, dict[str, str]] = {}


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    for key, texts in messages.items():
        if key in _CATALOG and dict(_CATALOG[key]) != dict(texts):
            raise ValueError(f"message key {key!r} registered twice with different texts")
        _CATALOG[key] = dict(texts)


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """Translate ``key`` into ``lang`` and fill ``{placeholders}``."""
    texts = _CATALOG.get(key)
    if texts is None:
        raise KeyError(f"no message {key!r}")
    text = texts[check_language(lang)]
    return text.format(**values) if values else text


def missing_translations() -> list[str]:
    return [f"{k}:{lang}" for k, v in _CATALOG.items() for lang in LANGUAGES if not v.get(lang)]


def format_number(value: float, lang: str, digits: int = 0) -> str:
    """Group thousands and pick the decimal mark of the language (1 234,5 in French)."""
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text
