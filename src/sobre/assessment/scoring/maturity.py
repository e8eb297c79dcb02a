"""Organisational maturity: practices rated 0–4, priority-weighted per domain, overall, target and gaps.

Project choices (documented in docs/assessment.md):

- levels: 0 not started, 1 ad hoc, 2 in progress, 3 done, 4 measured and improved;
- a practice weighs 3 when its priority is high (the guide's "Prioritaire"), 2 when medium ("Recommandée"),
  1 when low ("Aller plus loin");
- a domain's score is ``100 × Σ weight × level / Σ weight × 4`` over its practices rated so far; practices
  marked not applicable leave the domain; unrated practices are unknown, not zero: the score's range runs
  from "all unrated at 0" to "all unrated at 4";
- the overall score is the plain mean of the domain scores, so that each of the nine domains counts the same
  (as on the radar), whatever its number of practices;
- the target of a practice is its own target level, else the assessment's default target (3, "done");
  gap = target − level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sobre.assessment.referentials import Package, text
from sobre.assessment.scoring import PERCENT, Answer
from sobre.core.estimate import Estimate, Status

SOURCE = "Sobre maturity scoring 1.0 (priority weights 3/2/1, domains equally weighted)"
LEVELS = (0, 1, 2, 3, 4)
TOP = 4
NOT_APPLICABLE = "na"
PRIORITY_WEIGHTS = {"high": 3, "medium": 2, "low": 1}
DEFAULT_TARGET = 3


def weight(priority: str | None) -> int:
    return PRIORITY_WEIGHTS.get(priority or "", PRIORITY_WEIGHTS["medium"])


@dataclass
class PracticeResult:
    item_id: str
    theme: str
    weight: int
    level: int | None
    target: int
    not_applicable: bool

    @property
    def gap(self) -> int | None:
        if self.not_applicable or self.level is None:
            return None
        return max(self.target - self.level, 0)


@dataclass
class DomainScore:
    theme: str
    label: str
    score: Estimate
    target: Estimate
    rated: int
    unrated: int
    not_applicable: int

    @property
    def gap(self) -> float | None:
        if self.score.value is None or self.target.value is None:
            return None
        return max(self.target.value - self.score.value, 0.0)


@dataclass
class MaturityScore:
    overall: Estimate
    target: Estimate
    domains: list[DomainScore]
    practices: list[PracticeResult]

    @property
    def rated(self) -> int:
        return sum(d.rated for d in self.domains)

    @property
    def unrated(self) -> int:
        return sum(d.unrated for d in self.domains)


def _domain(results: list[PracticeResult]) -> tuple[Estimate, Estimate]:
    applicable = [r for r in results if not r.not_applicable]
    if not applicable:
        reason = "every practice of this domain is marked not applicable"
        return Estimate.unknown(PERCENT, reason), Estimate.unknown(PERCENT, reason)
    full = sum(r.weight for r in applicable) * TOP
    target = Estimate(
        100 * sum(r.weight * r.target for r in applicable) / full, PERCENT, status=Status.INPUT, source=SOURCE
    )
    rated = [r for r in applicable if r.level is not None]
    if not rated:
        return Estimate.unknown(PERCENT, "no practice of this domain is rated yet"), target
    got = sum(r.weight * (r.level or 0) for r in rated)
    unrated_weight = sum(r.weight for r in applicable if r.level is None)
    value = 100 * got / (sum(r.weight for r in rated) * TOP)
    low = 100 * got / full
    high = 100 * (got + unrated_weight * TOP) / full
    warnings = (
        ("some practices are not rated yet: the range spans levels 0 to 4 for them",)
        if unrated_weight
        else ()
    )
    return Estimate(value, PERCENT, low, high, Status.INPUT, SOURCE, warnings), target


def _mean(estimates: list[Estimate], *, what: str) -> Estimate:
    known = [e for e in estimates if e.value is not None]
    if not known:
        return Estimate.unknown(PERCENT, f"no {what} to average yet")
    n = len(known)
    value = sum(e.value for e in known if e.value is not None) / n
    low = sum(e.low for e in known if e.low is not None) / n
    high = sum(e.high for e in known if e.high is not None) / n
    warnings = tuple(sorted({w for e in known for w in e.warnings}))
    return Estimate(value, PERCENT, low, high, Status.INPUT, SOURCE, warnings)


def score(
    package: Package, answers: Mapping[str, Answer], *, default_target: int = DEFAULT_TARGET, lang: str = "fr"
) -> MaturityScore:
    """Scores of ``answers`` (by practice id) per domain and overall, with targets and gaps."""
    if package.kind != "maturity":
        raise ValueError(f"{package.key} is not a maturity referential")
    practices: list[PracticeResult] = []
    domains: list[DomainScore] = []
    for theme in package.themes:
        results = []
        for item in package.items_of(theme.code):
            answer = answers.get(item.id)
            na = bool(answer and answer.status == NOT_APPLICABLE)
            goal = answer.target_level if answer and answer.target_level is not None else default_target
            results.append(
                PracticeResult(
                    item.id,
                    theme.code,
                    weight(item.priority),
                    None if na or answer is None else answer.level,
                    goal,
                    na,
                )
            )
        value, target = _domain(results)
        domains.append(
            DomainScore(
                theme.code,
                text(theme.label, lang),
                value,
                target,
                rated=sum(1 for r in results if r.level is not None),
                unrated=sum(1 for r in results if r.level is None and not r.not_applicable),
                not_applicable=sum(1 for r in results if r.not_applicable),
            )
        )
        practices += results
    applicable = [d for d in domains if d.rated or d.unrated]
    overall = _mean([d.score for d in applicable], what="domain score")
    if overall.value is not None and any(d.score.value is None for d in applicable):
        # A domain not rated at all is unknown: widen the overall range as if it were anywhere in 0–100.
        n = len(applicable)
        known = [d.score for d in applicable if d.score.value is not None]
        missing = n - len(known)
        low = sum(e.low or 0 for e in known) / n
        high = (sum(e.high or 0 for e in known) + 100 * missing) / n
        overall = Estimate(
            overall.value,
            PERCENT,
            min(low, overall.value),
            max(high, overall.value),
            Status.INPUT,
            SOURCE,
            (*overall.warnings, f"{missing} domain(s) not rated at all"),
        )
    return MaturityScore(overall, _mean([d.target for d in applicable], what="target"), domains, practices)
