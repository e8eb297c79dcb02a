"""One entry point to score any assessment, and plain summaries to store, compare and chart (pure module)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sobre.assessment.referentials import Package, text
from sobre.assessment.scoring import Answer
from sobre.assessment.scoring import maturity as mat
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco
from sobre.core.estimate import Estimate


@dataclass
class Result:
    package: Package
    answers: list[Answer]
    maturity: mat.MaturityScore | None = None
    rgesn: eco.RgesnScore | None = None
    rgaa: aud.RgaaScore | None = None
    pages: list[aud.Page] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.package.kind

    @property
    def overall(self) -> Estimate:
        if self.maturity is not None:
            return self.maturity.overall
        if self.rgesn is not None:
            return self.rgesn.overall
        assert self.rgaa is not None
        return self.rgaa.rate


def compute(
    package: Package,
    answers: list[Answer],
    pages: list[aud.Page] | None = None,
    derogations: list[aud.Derogation] | None = None,
    *,
    default_target: int = mat.DEFAULT_TARGET,
    lang: str = "en",
) -> Result:
    """Score ``answers`` with the method of ``package``'s kind."""
    result = Result(package, answers, pages=list(pages or []))
    if package.kind == "maturity":
        result.maturity = mat.score(
            package, {a.item_id: a for a in answers}, default_target=default_target, lang=lang
        )
    elif package.kind == "rgesn":
        result.rgesn = eco.score(package, {a.item_id: a for a in answers}, lang=lang)
    else:
        result.rgaa = aud.score(
            package, result.pages, {(a.item_id, a.page): a for a in answers}, derogations or []
        )
    return result


def figure(e: Estimate) -> dict[str, Any]:
    """An Estimate as plain JSON: value, range, unit, status, source and, when unknown, why."""
    return {
        "value": e.value,
        "low": e.low,
        "high": e.high,
        "unit": e.unit,
        "status": str(e.status),
        "source": e.source,
        "reason": e.reason or None,
        "warnings": list(e.warnings),
    }


def summary(result: Result, lang: str = "en") -> dict[str, Any]:
    """Overall and per-theme figures, counts: what is frozen at validation and what history shows."""
    themes: dict[str, Any] = {}
    counts: dict[str, int] = {}
    extra: dict[str, Any] = {}
    if result.maturity is not None:
        for d in result.maturity.domains:
            themes[d.theme] = {
                "label": d.label,
                "score": figure(d.score),
                "target": figure(d.target),
                "rated": d.rated,
                "unrated": d.unrated,
                "not_applicable": d.not_applicable,
            }
        counts = {"rated": result.maturity.rated, "unrated": result.maturity.unrated}
        extra["target"] = figure(result.maturity.target)
    elif result.rgesn is not None:
        r = result.rgesn
        for t in r.themes:
            themes[t.theme] = {
                "label": t.label,
                "score": figure(t.score),
                "validated_weight": t.validated_weight,
                "applicable_weight": t.applicable_weight,
                "counts": dict(t.counts),
            }
        counts = dict(r.counts)
        extra.update(
            validated_weight=r.validated_weight,
            applicable_weight=r.applicable_weight,
            validated=r.validated,
            not_validated=r.not_validated,
            not_applicable=r.not_applicable,
        )
    else:
        assert result.rgaa is not None
        r2 = result.rgaa
        by_theme: dict[str, dict[str, int]] = {}
        for c in r2.criteria:
            theme = result.package.item(c.item_id).theme
            by_theme.setdefault(theme, {s: 0 for s in aud.STATUSES})[c.status] += 1
        for topic in result.package.themes:
            tc = by_theme.get(topic.code, {s: 0 for s in aud.STATUSES})
            applicable = tc[aud.C] + tc[aud.NC]
            rate = (
                Estimate(100 * tc[aud.C] / applicable, "%", source=aud.SOURCE)
                if applicable
                else Estimate.unknown("%", "no applicable criterion in this topic")
            )
            themes[topic.code] = {"label": text(topic.label, lang), "score": figure(rate), "counts": tc}
        counts = {s: r2.count(s) for s in aud.STATUSES}
        extra.update(
            average=figure(r2.average),
            state=r2.state,
            pages=[
                {"code": p.page.code, "title": p.page.title, "rate": figure(p.rate), "counts": p.counts}
                for p in r2.pages
            ],
        )
    return {
        "kind": result.kind,
        "referential": result.package.key,
        "overall": figure(result.overall),
        "themes": themes,
        "counts": counts,
        **extra,
    }


def _delta(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    if a.get("value") is None or b.get("value") is None:
        return None
    return float(b["value"]) - float(a["value"])


def compare_summaries(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Overall and per-theme change from ``first`` to ``second`` (themes matched by code)."""
    themes = {}
    for code in list(first["themes"]) + [c for c in second["themes"] if c not in first["themes"]]:
        a, b = first["themes"].get(code), second["themes"].get(code)
        themes[code] = {
            "label": (b or a)["label"],
            "before": a["score"] if a else None,
            "after": b["score"] if b else None,
            "delta": _delta(a["score"], b["score"]) if a and b else None,
        }
    return {
        "overall": {
            "before": first["overall"],
            "after": second["overall"],
            "delta": _delta(first["overall"], second["overall"]),
        },
        "themes": themes,
    }
