"""The RGESN 2024 score ("score d'avancement"), as the referential defines it.

Source: Arcep, Arcom, ADEME, *Référentiel général de l'écoconception des services numériques*, version 2024
(May 2024), section "Calcul de score d'avancement" (p. 7), and the official self-assessment spreadsheet
``rgesn_2024_outil_declaration_ecoconception.xlsx`` (Arcep, 6 May 2024), whose formulas this module follows:

    score = 100 × Σ weight(validated criteria) / Σ weight(applicable criteria)

with weights Prioritaire 1.5, Recommandé 1.25, Modéré 1.0.  A criterion is applicable unless it is "Non
applicable"; "En cours", "Non validé" and "À évaluer" count in the denominator only (a partial validation is
not a validation).  A criterion whose sheet says "Applicable à tous les services" can never be N/A.  Sobre
also requires evidence for "Validé" and "Non applicable", since the referential asks for each to be
justified in the eco-design declaration.  A theme whose criteria are all N/A is "Non applicable".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sobre.assessment.referentials import Item, Package, text
from sobre.assessment.scoring import PERCENT, Answer, fold
from sobre.core.estimate import Estimate, Status

SOURCE = "RGESN 2024, « Calcul de score d’avancement » (Arcep, Arcom, ADEME, mai 2024, p. 7)"

VALIDATED, IN_PROGRESS, NOT_VALIDATED, NOT_APPLICABLE, TO_EVALUATE = (
    "validated",
    "in_progress",
    "not_validated",
    "not_applicable",
    "to_evaluate",
)
#: Status codes with their official French label and an English label, in the spreadsheet's order.
STATUSES = {
    IN_PROGRESS: ("En cours", "In progress"),
    VALIDATED: ("Validé", "Validated"),
    NOT_VALIDATED: ("Non validé", "Not validated"),
    NOT_APPLICABLE: ("Non applicable", "Not applicable"),
    TO_EVALUATE: ("À évaluer", "To evaluate"),
}
WEIGHTS = {"high": 1.5, "medium": 1.25, "low": 1.0}
#: Statuses that could still turn into "Validé" (the high end of the score's range).
PENDING = (IN_PROGRESS, TO_EVALUATE)

_BY_TEXT = {fold(x): code for code, labels in STATUSES.items() for x in (code, *labels)}
_BY_TEXT.update({"na": NOT_APPLICABLE, "n/a": NOT_APPLICABLE})


def parse_status(value: str) -> str | None:
    """The status code for ``value`` (a code, the official French label or the English one), else None."""
    return _BY_TEXT.get(fold(value))


def label(status: str, lang: str) -> str:
    fr, en = STATUSES[status]
    return fr if lang == "fr" else en


def weight(item: Item) -> float | None:
    return WEIGHTS.get(item.priority or "")


def problem(item: Item, status: str, evidence: int) -> str | None:
    """Why ``status`` cannot be given to ``item`` with ``evidence`` pieces of evidence, or None if it can."""
    if status not in STATUSES:
        return f"unknown status {status!r}"
    if status == NOT_APPLICABLE and item.always_applicable:
        return (
            f"criterion {item.id} is 'Applicable à tous les services' and cannot be 'Non applicable' "
            "(RGESN 2024, « Calcul de score d’avancement »)"
        )
    if status in (VALIDATED, NOT_APPLICABLE) and evidence < 1:
        return f"criterion {item.id}: '{STATUSES[status][0]}' needs evidence (a text, a link or a file)"
    return None


@dataclass
class ThemeScore:
    theme: str
    label: str
    score: Estimate
    validated_weight: float
    applicable_weight: float
    counts: Counter[str] = field(default_factory=Counter)


@dataclass
class RgesnScore:
    overall: Estimate
    themes: list[ThemeScore]
    counts: Counter[str]
    validated_weight: float
    applicable_weight: float
    #: Criteria still "En cours" or "À évaluer" (unanswered criteria are "À évaluer").
    pending: int
    #: Answers that break the method (N/A on a criterion applicable to all, missing evidence).
    problems: list[str]
    validated: list[str]
    not_validated: list[str]
    not_applicable: list[str]


def _estimate(num: float, den: float, pending_weight: float, *, what: str) -> Estimate:
    if den <= 0:
        return Estimate.unknown(PERCENT, f"no applicable criterion in {what} (Non applicable)")
    value = 100 * num / den
    high = 100 * (num + pending_weight) / den
    warnings = (
        ("criteria still to evaluate or in progress: the high end assumes they get validated",)
        if (pending_weight)
        else ()
    )
    return Estimate(value, PERCENT, value, high, Status.INPUT, SOURCE, warnings)


def score(package: Package, answers: Mapping[str, Answer], lang: str = "fr") -> RgesnScore:
    """The official score of ``answers`` (by criterion id) against ``package``, overall and per theme."""
    if package.kind != "rgesn":
        raise ValueError(f"{package.key} is not an RGESN referential")
    themes: list[ThemeScore] = []
    total = Counter[str]()
    num = den = pending_w = 0.0
    problems: list[str] = []
    lists: dict[str, list[str]] = {VALIDATED: [], NOT_VALIDATED: [], NOT_APPLICABLE: []}
    missing_weight = [i.id for i in package.items if weight(i) is None]
    for theme in package.themes:
        t_num = t_den = t_pending = 0.0
        counts = Counter[str]()
        for item in package.items_of(theme.code):
            answer = answers.get(item.id)
            status = answer.status if answer and answer.status else TO_EVALUATE
            counts[status] += 1
            if answer is not None and (issue := problem(item, status, answer.evidence)):
                problems.append(issue)
            lists.get(
                VALIDATED
                if status == VALIDATED
                else NOT_APPLICABLE
                if status == NOT_APPLICABLE
                else NOT_VALIDATED,
                [],
            ).append(item.id)
            w = weight(item) or 0.0
            if status == NOT_APPLICABLE:
                continue
            t_den += w
            if status == VALIDATED:
                t_num += w
            elif status in PENDING:
                t_pending += w
        total.update(counts)
        num, den, pending_w = num + t_num, den + t_den, pending_w + t_pending
        themes.append(
            ThemeScore(
                theme.code,
                text(theme.label, lang),
                _estimate(t_num, t_den, t_pending, what="this theme"),
                t_num,
                t_den,
                counts,
            )
        )
    overall = _estimate(num, den, pending_w, what="the referential")
    if missing_weight:
        overall = Estimate.unknown(
            PERCENT, f"{package.key} gives no priority to {len(missing_weight)} criteria, so no weight"
        )
    return RgesnScore(
        overall=overall,
        themes=themes,
        counts=total,
        validated_weight=num,
        applicable_weight=den,
        pending=sum(total[s] for s in PENDING),
        problems=problems,
        validated=lists[VALIDATED],
        not_validated=lists[NOT_VALIDATED],
        not_applicable=lists[NOT_APPLICABLE],
    )
