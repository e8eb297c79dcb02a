"""What the pages show, as plain data: chart series from a score summary, answer choices, item texts.

Pure module (no database, web or CLI import): the routes feed it results and render what it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sobre.assessment.referentials import Item, Package, has_language, text
from sobre.assessment.scoring import maturity as mat
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco
from sobre.core.i18n import t

#: Status codes per kind, in the order the official tools list them (maturity: levels, then n/a).
CHOICES = {
    "rgesn": list(eco.STATUSES),
    "rgaa": list(aud.STATUSES),
    "maturity": [str(level) for level in mat.LEVELS] + [mat.NOT_APPLICABLE],
}
#: Statuses in the order the status charts stack them, so that the palette (blue, orange, green, vermillion,
#: sky blue) gives green to what passes and vermillion to what fails; legend and table say it in words.
CHART_ORDER = {
    "rgesn": [eco.TO_EVALUATE, eco.IN_PROGRESS, eco.VALIDATED, eco.NOT_VALIDATED, eco.NOT_APPLICABLE],
    "rgaa": [aud.NT, aud.NA, aud.C, aud.NC],
}
#: What an unanswered item counts as: RGESN "À évaluer", RGAA "not tested"; maturity: not rated ("").
UNANSWERED = {"rgesn": eco.TO_EVALUATE, "rgaa": aud.NT, "maturity": ""}


def choice_label(kind: str, code: str, lang: str) -> str:
    """The label of an answer choice: the official status, or a level (an unknown code is shown as is)."""
    if kind == "rgesn" and code in eco.STATUSES:
        return eco.label(code, lang)
    if kind == "rgaa" and code in aud.STATUSES:
        return f"{code} – {aud.label(code, lang)}"
    if code == mat.NOT_APPLICABLE:
        return t("assessment.page.not_applicable", lang)
    if code == "":
        return t("assessment.page.not_rated", lang)
    if kind == "maturity" and code in CHOICES["maturity"]:
        return f"{code} – {t(f'assessment.level.{code}', lang)}"
    return code


def choices(kind: str, lang: str, *, rated: bool) -> list[tuple[str, str]]:
    """(code, label) options of an item's answer; "not rated yet" only while a practice has no rating."""
    codes = CHOICES[kind]
    if kind == "maturity" and not rated:
        codes = ["", *codes]
    return [(c, choice_label(kind, c, lang)) for c in codes]


def answer_code(kind: str, status: str | None, level: int | None) -> str:
    """An answer as its choice code (what the form's select holds)."""
    if kind == "maturity":
        if status == mat.NOT_APPLICABLE:
            return mat.NOT_APPLICABLE
        return "" if level is None else str(level)
    return status or UNANSWERED[kind]


@dataclass(frozen=True)
class Series:
    """One chart's axes and values, with the figures' ranges (None where unknown, never 0)."""

    labels: list[str]
    values: list[float | None]
    lows: list[float | None]
    highs: list[float | None]
    targets: list[float | None]


def theme_label(package: Package, code: str, fallback: str, lang: str) -> str:
    """A theme's label in ``lang`` from the referential (frozen summaries keep the language of their day)."""
    try:
        return f"{code}. {text(package.theme(code).label, lang)}"
    except KeyError:
        return f"{code}. {fallback}"


def theme_series(summary: dict[str, Any], package: Package, lang: str) -> Series:
    """Per-theme scores of a summary (``results.summary``), in the referential's order."""
    labels, values, lows, highs, targets = [], [], [], [], []
    for code, theme in summary["themes"].items():
        if summary["kind"] == "maturity" and not (theme["rated"] or theme["unrated"]):
            continue  # a domain wholly not applicable is no axis
        labels.append(theme_label(package, code, theme["label"], lang))
        score = theme["score"]
        values.append(score["value"])
        lows.append(score["low"] if score["value"] is not None else None)
        highs.append(score["high"] if score["value"] is not None else None)
        targets.append((theme.get("target") or {}).get("value"))
    return Series(labels, values, lows, highs, targets)


def describe(series: Series, lang: str) -> str:
    """The chart's figures as one sentence, for its text alternative ("unknown" where unknown)."""
    from sobre.core.i18n import format_number

    parts = []
    for label, value in zip(series.labels, series.values, strict=True):
        shown = (
            t("assessment.figure.unknown", lang) if value is None else f"{format_number(value, lang, 1)} %"
        )
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)


def status_counts(
    summary: dict[str, Any], package: Package, lang: str
) -> tuple[list[str], list[str], list[list[float]]]:
    """Per theme, how many items have each status (RGESN and RGAA): labels, status codes, counts."""
    codes = CHART_ORDER[summary["kind"]]
    labels, rows = [], []
    for code, theme in summary["themes"].items():
        counts = theme.get("counts") or {}
        labels.append(theme_label(package, code, theme["label"], lang))
        rows.append([float(counts.get(c, 0)) for c in codes])  # counted: never unknown
    return labels, codes, rows


def wide(figure: dict[str, Any] | None) -> bool:
    """Whether a figure's range is worth showing (it differs from its value)."""
    if not figure or figure.get("value") is None:
        return False
    low, high, value = figure.get("low"), figure.get("high"), figure["value"]
    return low is not None and high is not None and (value - low > 0.05 or high - value > 0.05)


def id_list(value: str) -> list[str]:
    """Item or page ids typed as a list: "1.1, 4.2; 8.3" → ["1.1", "4.2", "8.3"]."""
    return [x.strip() for x in value.replace(";", ",").replace("\n", ",").split(",") if x.strip()]


@dataclass(frozen=True)
class History:
    """Overall scores over time: one series per digital service (or the organisation), dates as x."""

    dates: list[str]
    series: list[str]
    values: list[list[float | None]]


def history_chart(rows: list[dict[str, Any]], lang: str) -> History:
    """The line chart of ``service.history`` rows (a gap where a series has no assessment that day)."""
    dates = sorted({r["assessed_on"] for r in rows})
    names: list[str] = []
    by_series: dict[str, dict[str, float | None]] = {}
    for r in rows:
        name = r["service"] or t("assessment.history.organisation", lang)
        if name not in by_series:
            names.append(name)
            by_series[name] = {}
        by_series[name][r["assessed_on"]] = r["overall"]["value"]
    return History(dates, names, [[by_series[n].get(d) for d in dates] for n in names])


# -- referential texts ---------------------------------------------------------------------------------------

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


@dataclass(frozen=True)
class Segment:
    text: str
    url: str | None = None


def segments(line: str) -> list[Segment]:
    """A line of markdown as text and links (only http(s) links become links; other markup stays text)."""
    out, at = [], 0
    for m in _LINK.finditer(line):
        if m.start() > at:
            out.append(Segment(line[at : m.start()]))
        out.append(Segment(m.group(1), m.group(2)))
        at = m.end()
    if at < len(line):
        out.append(Segment(line[at:]))
    return out


def blocks(markdown: str) -> list[tuple[str, list[list[Segment]]]]:
    """A referential's markdown text as paragraphs ("p", [line]) and lists ("ul", [entry, …])."""
    out: list[tuple[str, list[list[Segment]]]] = []
    for chunk in re.split(r"\n\s*\n", markdown.replace("\r\n", "\n")):
        lines = [re.sub(r"[ \t\u00a0]{2,}", " ", x).strip() for x in chunk.split("\n") if x.strip()]
        if not lines:
            continue
        paragraph: list[str] = []
        for line in lines:
            if line.startswith(("- ", "* ")):
                if paragraph:
                    out.append(("p", [segments(" ".join(paragraph))]))
                    paragraph = []
                if not out or out[-1][0] != "ul":
                    out.append(("ul", []))
                out[-1][1].append(segments(line[2:].strip()))
            else:
                paragraph.append(line)
        if paragraph:
            out.append(("p", [segments(" ".join(paragraph))]))
    return out


def quoted(texts: dict[str, str] | None, lang: str) -> tuple[str, str | None]:
    """A referential text in ``lang`` if it has one, else in its original language, which is returned
    so that the page marks it (``lang="fr"``)."""
    if has_language(texts, lang) or not texts:
        return text(texts, lang), None
    original = "fr" if texts.get("fr") else next(iter(texts))
    return texts[original], original


#: The order and message keys of an item's longer texts.
TEXT_NAMES = ("objective", "implementation", "control", "done", "body")


def item_texts(item: Item, lang: str) -> list[dict[str, Any]]:
    """An item's longer texts (objective, implementation, control…) as blocks, each with its language."""
    names = [n for n in TEXT_NAMES if n in item.texts] + [n for n in item.texts if n not in TEXT_NAMES]
    out = []
    for name in names:
        body, original = quoted(item.texts[name], lang)
        if body.strip():
            key = f"assessment.text.{name}" if name in TEXT_NAMES else None
            out.append({"name": name, "key": key, "blocks": blocks(body), "lang": original})
    return out


def attribution(package: Package, lang: str) -> dict[str, str | None]:
    """What the licence asks to show with the referential's content."""
    return {
        "title": text(package.title, lang),
        "attribution": text(package.attribution, lang),
        "licence": package.licence,
        "licence_url": package.licence_url,
        "modified": text(package.modified, lang) or None,
        "source": package.source,
    }
