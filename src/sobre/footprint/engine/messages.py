"""Engine warnings as codes with parameters, translated only when shown.

The engine writes each warning as ``code`` or ``code(key=value,key=value)``; an item's warnings are joined by
``"; "``.  Values are plain tokens (codes, numbers, ``+``-joined lists): :func:`token` makes any text
safe.  What an item warning refers to (its reference item, country, host) is not repeated in the code: the
item's own row carries it, and :func:`describe` takes it as ``context``.  The run's summary
(``Result.warnings``) adds the count and the item kind, e.g.
``no_impact_factor(n=12,kind=equipment,ref=projector,stages=manufacturing/adpe)``.

Texts live in the footprint catalogues under ``footprint.warn.<code>``; a warning that is not a known code
(a run stored before codes existed) is shown as it was written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_ENTRY = re.compile(r"^([a-z][a-z0-9_]*)(?:\((.*)\))?$")
_UNSAFE = re.compile(r"[,=();|\s]+")
KEY_PREFIX = "footprint.warn."


def token(value: Any) -> str:
    """A parameter value that cannot break the warning syntax (separators become ``_``)."""
    return _UNSAFE.sub("_", str(value)).strip("_") or "_"


def entry(code: str, **params: Any) -> str:
    """``code(key=value,…)`` with safe values; parameters whose value is None are left out."""
    kept = [f"{k}={token(v)}" for k, v in params.items() if v is not None]
    return f"{code}({','.join(kept)})" if kept else code


def split(warnings: str | None) -> list[str]:
    """The entries of an item's ``warnings`` cell."""
    return [w for w in (warnings or "").split("; ") if w]


def parse(text: str) -> tuple[str, dict[str, str]] | None:
    """(code, params) of one entry, or None when it is free text (an old run's English sentence)."""
    match = _ENTRY.match(text.strip())
    if match is None:
        return None
    params: dict[str, str] = {}
    for part in (match.group(2) or "").split(","):
        if "=" in part:
            key, _, value = part.partition("=")
            params[key] = value
    return match.group(1), params


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


def _labels(value: str, lang: str, criteria: Mapping[str, str] | None) -> str:
    """``manufacturing/adpe+use/climate_change`` → readable stage/criterion names in ``lang``."""
    from sobre.core.i18n import has, t

    def one(code: str) -> str:
        if criteria and code in criteria:
            return criteria[code]
        key = f"stage.{code}"
        return t(key, lang) if has(key) else code

    parts = []
    for item in value.split("+"):
        parts.append(" / ".join(one(x) for x in item.split("/")))
    return ", ".join(parts)


def describe(
    text: str,
    lang: str,
    context: Mapping[str, Any] | None = None,
    criteria: Mapping[str, str] | None = None,
) -> str:
    """One warning entry in words, in ``lang``.  ``context`` fills what the item row knows (ref, country,
    host…); ``criteria`` maps criterion codes to their labels in ``lang``."""
    from sobre.core.i18n import has, t

    parsed = parse(text)
    if parsed is None or not has(KEY_PREFIX + parsed[0]):
        return text
    code, params = parsed
    values = _Params({k: str(v) for k, v in (context or {}).items() if v is not None})
    values.update(params)
    for key in ("stages", "criteria"):
        if key in values:
            values[key] = _labels(values[key], lang, criteria)
    for key, prefix in (("kind", "kind."), ("target", "kind."), ("reason", "footprint.reason.")):
        if key in values and has(prefix + values[key]):
            values[key] = t(prefix + values[key], lang)
    message = t(KEY_PREFIX + code, lang).format_map(values)
    if "n" in params:
        message = t("footprint.warn.counted", lang).format_map(
            _Params(n=params["n"], kind=values.get("kind", "—"), message=message)
        )
    return message


def describe_all(
    warnings: str | None,
    lang: str,
    context: Mapping[str, Any] | None = None,
    criteria: Mapping[str, str] | None = None,
) -> list[str]:
    """Every entry of an item's ``warnings`` cell in words."""
    return [describe(w, lang, context, criteria) for w in split(warnings)]


__all__ = ["describe", "describe_all", "entry", "parse", "split", "token"]
