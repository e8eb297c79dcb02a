"""Pieces that several documents share: regulatory figure tables, explain trails, sources."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sobre.core.estimate import Estimate
from sobre.core.i18n import format_number, has, t
from sobre.lifecycle.document import Cell, DocTable
from sobre.lifecycle.figures import Figure
from sobre.lifecycle.parameters import Param
from sobre.reporting import fmt

#: Rows of a trail shown in HTML and PDF; the XLSX holds them all.
MAX_TRAIL_ROWS = 40


def value_text(e: Estimate, lang: str) -> str:
    if e.value is None:
        return t("unknown", lang)
    if e.unit == "ratio":
        return fmt.pct(e.value, lang)
    return f"{fmt.num(e.value, lang)} {unit_text(e.unit, lang)}"


_UNITS = {"tCO2e": "t CO₂e"}


def unit_text(unit: str, lang: str) -> str:
    """A unit as readers write it (years → ans in French)."""
    return t("lc.unit.years", lang) if unit == "years" else _UNITS.get(unit) or fmt.unit(unit)


#: The reasons and warnings Sobre's lifecycle computations write (in English, for JSON and the CLI), and the
#: message that says each in a document's language.
_SAYINGS = [
    (r"no electricity mix for (?P<countries>[^:]+):.*", "lc.r.no_mix"),
    (r"no market-based factor for (?P<countries>[^:]+):.*", "lc.r.no_market"),
    (r"Scope 1 \(generators, refrigerants\).*", "lc.r.scope1"),
    (r"no own item with a known annual energy|no energy figure", "lc.r.no_energy"),
    (r"(?P<n>\d+) items without annual energy left out", "lc.w.no_energy_items"),
    (r"(?P<n>\d+) item-stage figures unknown, left out", "lc.w.unknown_figures"),
    (r"some parts unknown, left out", "lc.w.parts_unknown"),
    (r"no IT or telephony purchase in the period", "lc.r.no_purchase"),
    (r"no reformed item in stock on 1 January (?P<year>\d+)", "lc.r.no_stock"),
    (r"no item disposed of in (?P<year>\d+)", "lc.r.no_disposal"),
    (r"(?P<n>[\d.]+) items without a purchase date are assumed under the age limit", "lc.w.no_age"),
    (r"no item with a purchase date left service in (?P<year>\d+)", "lc.r.no_retirement"),
    (r"no item left the organisation in (?P<year>\d+)", "lc.r.no_exit"),
    (r"no purchase in (?P<year>\d+)", "lc.r.no_purchase_year"),
    (r"no repair and no item reformed for failure in (?P<year>\d+)", "lc.r.no_repair"),
    (r"no item in service with a purchase date", "lc.r.no_fleet"),
    (r"(?P<n>[\d.]+) (retired )?items without a purchase date are left out", "lc.w.undated"),
]
_SAYING_RE = [(re.compile(p), key) for p, key in _SAYINGS]


def say(text: str, lang: str) -> str:
    """A reason or warning of the computations in ``lang`` (parts joined by '; ' are said one by one)."""
    out = []
    for part in filter(None, (p.strip() for p in text.split("; "))):
        for pattern, key in _SAYING_RE:
            m = pattern.fullmatch(part)
            if m:
                out.append(t(key, lang, **{k: v for k, v in m.groupdict().items() if v is not None}))
                break
        else:
            out.append(part)
    return "; ".join(out)


def range_text(e: Estimate, lang: str) -> str:
    if e.value is None:
        return say(e.reason, lang)
    if e.low == e.high:
        return ""
    if e.unit == "ratio":
        return f"{fmt.pct(e.low, lang)} – {fmt.pct(e.high, lang)}"
    return fmt.rng(e.low, e.high, lang)


def estimate_cell(e: Estimate, lang: str, *, with_reason: bool = True) -> Cell:
    """The value, with its range (or, when unknown and ``with_reason``, why) on a second line."""
    sub = range_text(e, lang) if e.value is not None or with_reason else ""
    raw = e.value if e.value is not None else t("unknown", lang)
    return Cell(value_text(e, lang), True, sub, raw, str(e.status))


def day(d: date, lang: str) -> str:
    return d.strftime("%d/%m/%Y") if lang == "fr" else d.isoformat()


def money(x: float | None, lang: str) -> str:
    return t("unknown", lang) if x is None else f"{format_number(x, lang, 2)} €"


def met_text(f: Figure, lang: str) -> str:
    if f.target is None:
        return t("lc.fig.no_target", lang)
    return t({True: "lc.fig.met", False: "lc.fig.not_met", None: "lc.fig.undecided"}[f.met], lang)


def nothing_counted(f: Figure, lang: str) -> str | None:
    """What the "counted" column says when nothing was counted: unknown and why, never "0 / 0"."""
    if f.denominator is None or f.denominator > 0:
        return None
    return t(
        "lc.rg.nothing_counted.items" if f.unit_of_count == "items" else "lc.rg.nothing_counted.eur", lang
    )


def figures_table(id: str, caption: str, figures: list[Figure], lang: str, note: str = "") -> DocTable:
    head = [
        t(k, lang)
        for k in (
            "lc.col.figure",
            "lc.col.period",
            "lc.col.value",
            "lc.col.counted",
            "lc.col.target",
            "lc.col.verdict",
            "lc.col.rule",
        )
    ]
    rows = []
    for f in figures:
        counted = nothing_counted(f, lang) or (
            ""
            if f.denominator is None
            else (
                f"{format_number(f.numerator or 0, lang, 2 if f.unit_of_count == '€' else 0)} / "
                f"{format_number(f.denominator, lang, 2 if f.unit_of_count == '€' else 0)} "
                f"{t('lc.unit.items', lang) if f.unit_of_count == 'items' else f.unit_of_count}"
            )
        )
        rows.append(
            [
                Cell(t(f"lc.fig.{f.key}", lang)),
                Cell(f"{day(f.trail.start, lang)} – {day(f.trail.end, lang)}"),
                estimate_cell(f.estimate, lang),
                Cell(counted, True),
                Cell(fmt.pct(f.target, lang) if f.target is not None else "—", True, raw=f.target),
                Cell(met_text(f, lang)),
                Cell(
                    f.target_rule.instrument
                    if f.target_rule
                    else (f.trail.rules[0].instrument if f.trail.rules else "")
                ),
            ]
        )
    return DocTable(id, caption, head, rows, note)


def trail_table(id: str, f: Figure, lang: str, *, full: bool = False) -> DocTable:
    """The rows a figure counted, with how each was counted (the first MAX_TRAIL_ROWS unless ``full``)."""
    rows = f.trail.rows if full else f.trail.rows[:MAX_TRAIL_ROWS]
    keys: list[str] = list(rows[0].keys()) if rows else []
    head = [t(f"lc.trail.{k}", lang) for k in keys]
    body = [[_cell(k, r[k], lang) for k in keys] for r in rows]
    tr = f.trail
    cats = ", ".join(fmt.label("category", c, c, lang) for c in tr.values.get("categories", []))
    formula = t(f"lc.formula.{tr.key}", lang) if tr.key else tr.formula
    perimeter = t(f"lc.perimeter.{tr.key}", lang, categories=cats) if tr.key else tr.perimeter
    note = t("lc.trail.formula", lang, formula=formula, perimeter=perimeter)
    if len(tr.rows) > len(rows):
        note += " " + t("lc.trail.more", lang, n=len(tr.rows) - len(rows))
    for key, values in tr.note_keys:
        note += " " + t(key, lang, **{k: _text(v, lang) for k, v in values.items()})
    return DocTable(id, t("lc.trail.caption", lang, figure=t(f"lc.fig.{f.key}", lang)), head, body, note)


#: Trail columns whose values are codes, with the message prefix that names them for readers.
_CODED = {
    "condition": "lc.condition.",
    "acquisition": "lc.acquisition.",
    "kind": "lc.kind.",
    "counted": "lc.counted.",
}
_VERDICTS = ("in_stock_1_january", "sent_to_reuse_in_year", "to_reuse", "excluded")


def _cell(column: str, v: Any, lang: str) -> Cell:
    if column == "category" and isinstance(v, str):
        return Cell(fmt.label("category", v, v, lang), raw=v)
    if column in _CODED and isinstance(v, str):
        return Cell(t(_CODED[column] + v, lang), raw=v)
    if column in _VERDICTS and isinstance(v, str):
        return Cell(_verdict(v, lang), raw=v)
    return Cell(_text(v, lang), isinstance(v, (int, float)) and not isinstance(v, bool), raw=_raw(v))


def _verdict(v: str, lang: str) -> str:
    """The REEN trail's verdicts (yes, no, unknown, why an item is left out) in the reader's language."""
    if not v:
        return ""
    code = "over_age" if v.startswith("over ") else v.split(" (")[0].replace(" ", "_")
    if "(" in v and code == "no":
        code = "no_commitment"
    key = f"lc.verdict.{code}"
    return t(key, lang) if has(key) else v


def _text(v: Any, lang: str) -> str:
    if v is None:
        return "—"
    if isinstance(v, date):
        return day(v, lang)
    if isinstance(v, bool):
        return t("lc.yes" if v else "lc.no", lang)
    if isinstance(v, float):
        return format_number(v, lang, 0 if v.is_integer() else 2)
    return str(v)


def _raw(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    return v


def sources(rules: list[Param]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rules:
        seen.setdefault(r.cite(), None)
    return list(seen)


def figure_rules(figures: list[Figure]) -> list[Param]:
    out: list[Param] = []
    for f in figures:
        out += f.trail.rules
        if f.target_rule:
            out.append(f.target_rule)
    return out
