"""Supplier ESG questionnaires: questions, answers with evidence, weighted scores and a ranking.  Pure.

Each answer scores 0..1: yes/no → 1 or 0; a scale 0–4 → value / 4; a percentage → value / 100; "n/a"
leaves the question out.  A question that requires evidence and is answered without any scores 0 (a claim
is not a proof) and is listed.  Unanswered questions score 0 and lower the coverage.
Score = 100 × Σ weight × score / Σ weight of the applicable questions; the same per theme.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sobre.core.errors import InputError
from sobre.inventory.vocab import fold

BUILTIN = Path(__file__).parent / "data" / "esg_questionnaire.csv"
BUILTIN_NAME, BUILTIN_VERSION = "sobre-it-suppliers", "2026.1"
KINDS = ("yes_no", "scale", "percent")
_YES = {"yes", "oui", "y", "o", "true", "vrai", "1", "x"}
_NO = {"no", "non", "n", "false", "faux", "0"}
_NA = {"na", "n a", "sans objet", "not applicable", "non applicable"}


@dataclass(frozen=True)
class Question:
    code: str
    theme: str
    weight: float
    kind: str
    evidence: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "theme": self.theme,
            "weight": self.weight,
            "kind": self.kind,
            "evidence": self.evidence,
        }


@cache
def builtin_questions() -> tuple[Question, ...]:
    with BUILTIN.open(encoding="utf-8", newline="") as fh:
        return tuple(
            Question(r["code"], r["theme"], float(r["weight"]), r["kind"], r["evidence"] == "yes")
            for r in csv.DictReader(fh)
        )


def questions_from(data: list[dict[str, Any]]) -> list[Question]:
    return [Question(d["code"], d["theme"], float(d["weight"]), d["kind"], bool(d["evidence"])) for d in data]


def answer_score(q: Question, answer: str) -> float | None:
    """0..1 for an answer, None for not applicable; InputError when the answer does not fit the question."""
    key = fold(answer)
    if key in _NA:
        return None
    if q.kind == "yes_no":
        if key in _YES:
            return 1.0
        if key in _NO:
            return 0.0
        raise InputError("expected yes or no", column=q.code, value=answer, expected="yes, no, n/a")
    try:
        value = float(answer.replace(",", ".").replace("%", "").strip())
    except ValueError:
        raise InputError("not a number", column=q.code, value=answer) from None
    top = 4.0 if q.kind == "scale" else 100.0
    if not 0 <= value <= top:
        raise InputError(f"must be between 0 and {top:g}", column=q.code, value=answer)
    return value / top


@dataclass
class Score:
    score: float | None  # 0..100, None when no question applies
    coverage: float  # share of applicable weight answered
    themes: dict[str, float | None] = field(default_factory=dict)
    unproven: list[str] = field(default_factory=list)  # answered without the evidence required
    unanswered: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "coverage": self.coverage,
            "themes": self.themes,
            "unproven": self.unproven,
            "unanswered": self.unanswered,
        }


def score(questions: list[Question], answers: dict[str, dict[str, Any]]) -> Score:
    unknown = sorted(set(answers) - {q.code for q in questions})
    if unknown:
        raise InputError(
            "answers to questions the questionnaire does not have", column="code", value=", ".join(unknown)
        )
    total_w = got = answered_w = 0.0
    theme_w: dict[str, float] = {}
    theme_got: dict[str, float] = {}
    out = Score(None, 0.0)
    for q in questions:
        a = answers.get(q.code)
        text = str(a.get("answer", "")).strip() if a else ""
        if not text:
            out.unanswered.append(q.code)
            s: float | None = 0.0
        else:
            s = answer_score(q, text)
            if s is None:
                continue
            answered_w += q.weight
            if q.evidence and s > 0 and not str((a or {}).get("evidence") or "").strip():
                out.unproven.append(q.code)
                s = 0.0
        assert s is not None
        total_w += q.weight
        got += q.weight * s
        theme_w[q.theme] = theme_w.get(q.theme, 0.0) + q.weight
        theme_got[q.theme] = theme_got.get(q.theme, 0.0) + q.weight * s
    if total_w:
        out.score = 100 * got / total_w
        out.coverage = answered_w / total_w
    out.themes = {k: 100 * theme_got[k] / w for k, w in sorted(theme_w.items())}
    return out


def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Suppliers by latest score (unassessed last), then coverage, then spend; with their rank."""
    ordered = sorted(
        rows,
        key=lambda r: (
            r["score"] is None,
            -(r["score"] or 0),
            -(r["coverage"] or 0),
            -(r.get("spend") or 0),
            r["supplier"],
        ),
    )
    for i, r in enumerate(ordered, start=1):
        r["rank"] = i if r["score"] is not None else None
    return ordered
