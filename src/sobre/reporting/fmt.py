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


#: Readable units by magnitude: (unit code, threshold, divisor, label), largest first.
SCALES: dict[str, list[tuple[float, float, str]]] = {
    "kgCO2e": [(1e6, 1e6, "kt CO₂e"), (1e3, 1e3, "t CO₂e"), (1.0, 1.0, "kg CO₂e"), (0.0, 1e-3, "g CO₂e")],
    "kgSbeq": [(1.0, 1.0, "kg Sb eq"), (1e-3, 1e-3, "g Sb eq"), (0.0, 1e-6, "mg Sb eq")],
    "MJ": [(1e6, 1e6, "TJ"), (1e3, 1e3, "GJ"), (0.0, 1.0, "MJ")],
    "kWh": [(1e6, 1e6, "GWh"), (1e3, 1e3, "MWh"), (0.0, 1.0, "kWh")],
    "m3": [(1.0, 1.0, "m³"), (0.0, 1e-3, "L")],
}


def _significant(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def _plain(value: float, lang: str) -> str:
    """A rounded number without spurious decimals (162, 5.5, 0.025)."""
    if value == 0:
        return "0"
    mag = abs(value)
    decimals = 0 if mag >= 100 else max(0, 2 - int(math.floor(math.log10(mag))))
    text = format_number(value, lang, decimals)
    if decimals:
        text = text.rstrip("0").rstrip(",." if lang == "en" else ",")
    return text


def scaled(value: float, unit_code: str) -> tuple[float, str]:
    """The divisor and label that make ``value`` read well (162 t CO₂e, 5.5 g Sb eq)."""
    for threshold, divisor, label in SCALES.get(unit_code, []):
        if abs(value) >= threshold:
            return divisor, label
    return 1.0, unit(unit_code)


def quantity(fig: Figure | None, lang: str, *, with_range: bool = True, approx: bool = True) -> str:
    """'≈ 162 t CO₂e (125–215)': a unit that fits the magnitude and digits the range allows.

    Three significant digits, two when the range is wider than the value; the range in the same unit."""
    if fig is None or fig.value is None:
        return t("unknown", lang)
    divisor, label = scaled(fig.value, fig.unit)
    spread = (
        (fig.high - fig.low) / abs(fig.value)
        if fig.value and fig.low is not None and fig.high is not None
        else 0
    )
    digits = 2 if spread > 1 else 3
    value = _significant(fig.value / divisor, digits)
    text = f"{'≈ ' if approx else ''}{_plain(value, lang)} {label}"
    if with_range and fig.low is not None and fig.high is not None and fig.low != fig.high:
        lo = _significant(fig.low / divisor, digits)
        hi = _significant(fig.high / divisor, digits)
        text += f" ({_plain(lo, lang)}–{_plain(hi, lang)})"
    return text


def rng_q(fig: Figure | None, lang: str) -> str:
    """The range of ``fig`` in the unit :func:`quantity` chooses for its value ('125–215')."""
    if fig is None or fig.value is None or fig.low is None or fig.high is None:
        return ""
    divisor, _label = scaled(fig.value, fig.unit)
    spread = (fig.high - fig.low) / abs(fig.value) if fig.value else 0
    digits = 2 if spread > 1 else 3
    lo, hi = _significant(fig.low / divisor, digits), _significant(fig.high / divisor, digits)
    return f"{_plain(lo, lang)}–{_plain(hi, lang)}"


def ratio(value: float | None, lang: str) -> str:
    """A small ratio with plain decimals (0.005 devices per agent, not 5 × 10⁻³)."""
    if value is None:
        return t("unknown", lang)
    return format_number(value, lang, 3 if abs(value) < 0.1 else 2)


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
        # A department row without a department is the shared, unallocated part of the infrastructure.
        return t(
            "no_site" if by == "site" else "department.shared" if by == "department" else "unknown", lang
        )
    return text or key


def method(key: str | None, lang: str) -> str:
    if not key or key == "none":
        return t("method.none", lang)
    try:
        return t(f"method.{key}", lang)
    except KeyError:
        return key
