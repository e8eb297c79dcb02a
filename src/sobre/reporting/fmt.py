"""Numbers, ranges, shares and units as the report shows them, in French or English."""

from __future__ import annotations

import math

from sobre.core.i18n import format_number, t
from sobre.reporting.model import Figure

#: How units are written for readers (the data keeps Sobre's unit codes).
UNIT_LABELS = {"kgCO2e": "kg CO₂e", "kgSbeq": "kg Sb eq", "MJ": "MJ", "m3": "m³", "kWh": "kWh", "W": "W"}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def unit(code: str) -> str:
    return UNIT_LABELS.get(code, code)


def num(value: float | None, lang: str) -> str:
    """A number with about three significant digits (more for large values), never '0' for tiny ones."""
    if value is None:
        return t("unknown", lang)
    if value == 0:
        return "0"
    mag = abs(value)
    if mag >= 100:
        return format_number(value, lang, 0)
    if mag >= 0.01:
        digits = max(0, 2 - int(math.floor(math.log10(mag))))
        text = format_number(value, lang, digits)
        # "6.00 years" reads as more precise than it is: drop trailing zeros of the decimals.
        return text.rstrip("0").rstrip(",." if lang == "en" else ",") if digits else text
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa_text = mantissa.replace(".", ",") if lang == "fr" else mantissa
    return f"{mantissa_text} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def pct(share: float | None, lang: str) -> str:
    if share is None:
        return t("unknown", lang)
    value = share * 100
    text = format_number(value, lang, 1 if abs(value) < 10 else 0)
    return f"{text}\u202f%" if lang == "fr" else f"{text}%"


def rng(low: float | None, high: float | None, lang: str) -> str:
    if low is None or high is None:
        return t("unknown", lang)
    return f"{num(low, lang)} – {num(high, lang)}"


def figure(fig: Figure | None, lang: str, *, with_range: bool = True) -> str:
    """'1 234 kg CO₂e (1 000 – 1 500)', or 'unknown (3 items unknown)'; partial sums say what is missing."""
    if fig is None or fig.value is None:
        text = t("unknown", lang)
        if fig is not None and fig.unknown:
            text += f" ({t('unknown.items', lang, n=fig.unknown)})"
        return text
    text = f"{num(fig.value, lang)} {unit(fig.unit)}"
    if with_range and fig.low is not None and fig.high is not None:
        text += f" ({rng(fig.low, fig.high, lang)})"
    if fig.unknown:
        text += f" {t('unknown.partial', lang, n=fig.unknown)}"
    return text


def count(value: float | int | None, lang: str) -> str:
    if value is None:
        return t("not_given", lang)
    digits = 0 if float(value).is_integer() else 1
    return format_number(float(value), lang, digits)


def label(by: str, key: str, text: str, lang: str) -> str:
    """The label of a breakdown row: translated for codes, the inventory's own name otherwise."""
    if by in ("stage", "category", "status", "level", "kind"):
        msg = f"{by}.{key}"
        try:
            return t(msg, lang)
        except KeyError:
            return key
    if not key:
        return t("no_site" if by == "site" else "no_department" if by == "department" else "unknown", lang)
    return text or key


def method(key: str | None, lang: str) -> str:
    if not key or key == "none":
        return t("method.none", lang)
    try:
        return t(f"method.{key}", lang)
    except KeyError:
        return key
