"""RGAA conformity rates over a sample of pages, as the RGAA method defines them.

Source: DINUM, RGAA 4.1.2, "Évaluation de la conformité" (accessibilite.numerique.gouv.fr, obligations):

- a criterion is validated on a page when every element of the page passes its tests; on a page of a
  process, only if it is validated on every page of that process;
- a criterion is not applicable to a page when its content does not exist there, is exempt, or is under a
  derogation for disproportionate burden *with* an accessible alternative (without one, it stays
  applicable);
- overall, a criterion is validated if it is validated on every page of the sample where it applies, not
  validated if it fails on one page, and applicable if it applies to one page;
- the share of RGAA criteria met = validated / applicable; the average rate is the mean of the pages'
  rates (validated / applicable on each page);
- the declaration's conformity state: total when every criterion is met, partial from 50 %, none below
  ("Déclaration d'accessibilité").

Criteria not tested yet ("NT") are unknown: the rates keep them out of their value and span them in their
range (all failing … all passing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sobre.assessment.referentials import Package
from sobre.assessment.scoring import PERCENT, Answer, fold
from sobre.core.estimate import Estimate, Status

SOURCE = "RGAA 4.1.2, « Évaluation de la conformité » et « Déclaration d’accessibilité » (DINUM)"

C, NC, NA, NT = "C", "NC", "NA", "NT"
STATUSES = {
    C: ("Conforme", "Compliant"),
    NC: ("Non conforme", "Non-compliant"),
    NA: ("Non applicable", "Not applicable"),
    NT: ("Non testé", "Not tested"),
}
_BY_TEXT = {fold(x): code for code, labels in STATUSES.items() for x in (code, *labels)}
_BY_TEXT.update({"n/a": NA, "conformant": C, "non conformant": NC, "not compliant": NC})

BURDEN, EXEMPT = "burden", "exempt"


def parse_status(value: str) -> str | None:
    return _BY_TEXT.get(fold(value))


def label(status: str, lang: str) -> str:
    fr, en = STATUSES[status]
    return fr if lang == "fr" else en


@dataclass(frozen=True)
class Page:
    code: str
    title: str
    url: str | None = None
    process: str | None = None


@dataclass(frozen=True)
class Derogation:
    kind: str
    criteria: tuple[str, ...]
    #: Page codes concerned; empty means every page of the sample.
    pages: tuple[str, ...] = ()
    alternative: str | None = None

    def makes_not_applicable(self, item_id: str, page: str) -> bool:
        if item_id not in self.criteria or (self.pages and page not in self.pages):
            return False
        return self.kind == EXEMPT or bool(self.alternative and self.alternative.strip())


@dataclass
class PageResult:
    page: Page
    counts: dict[str, int]
    rate: Estimate


@dataclass
class CriterionResult:
    item_id: str
    status: str
    failing_pages: list[str] = field(default_factory=list)


@dataclass
class RgaaScore:
    rate: Estimate
    average: Estimate
    pages: list[PageResult]
    criteria: list[CriterionResult]
    #: "total", "partial" or "none" (the declaration's conformity state), None while tests are missing.
    state: str | None

    def count(self, status: str) -> int:
        return sum(1 for c in self.criteria if c.status == status)


def _rate(c: int, nc: int, nt: int) -> Estimate:
    if c + nc == 0:
        if nt:
            return Estimate.unknown(PERCENT, "criteria are not tested yet")
        return Estimate.unknown(PERCENT, "no applicable criterion")
    value = 100 * c / (c + nc)
    low, high = 100 * c / (c + nc + nt), 100 * (c + nt) / (c + nc + nt)
    warnings = (f"{nt} criteria not tested yet",) if nt else ()
    return Estimate(value, PERCENT, low, high, Status.INPUT, SOURCE, warnings)


def effective_statuses(
    package: Package,
    pages: list[Page],
    answers: Mapping[tuple[str, str], Answer],
    derogations: Iterable[Derogation] = (),
) -> dict[tuple[str, str], str]:
    """Each (criterion, page) status after derogations and the rule for pages of a process."""
    derogations = list(derogations)
    out: dict[tuple[str, str], str] = {}
    for item in package.items:
        for page in pages:
            answer = answers.get((item.id, page.code))
            status = answer.status if answer and answer.status else NT
            if any(d.makes_not_applicable(item.id, page.code) for d in derogations):
                status = NA
            out[item.id, page.code] = status
    processes: dict[str, list[str]] = {}
    for page in pages:
        if page.process:
            processes.setdefault(page.process, []).append(page.code)
    for codes in processes.values():
        for item in package.items:
            if any(out[item.id, code] == NC for code in codes):
                for code in codes:
                    if out[item.id, code] == C:
                        out[item.id, code] = NC
    return out


def score(
    package: Package,
    pages: list[Page],
    answers: Mapping[tuple[str, str], Answer],
    derogations: Iterable[Derogation] = (),
) -> RgaaScore:
    """Conformity rate (share of criteria met), average rate over pages, per-page rates and the state."""
    if package.kind != "rgaa":
        raise ValueError(f"{package.key} is not an RGAA referential")
    if not pages:
        unknown = Estimate.unknown(PERCENT, "the audit has no page in its sample yet")
        return RgaaScore(unknown, unknown, [], [], None)
    status = effective_statuses(package, pages, answers, derogations)
    page_results = []
    for page in pages:
        counts = {s: sum(1 for i in package.items if status[i.id, page.code] == s) for s in STATUSES}
        page_results.append(PageResult(page, counts, _rate(counts[C], counts[NC], counts[NT])))
    criteria = []
    for item in package.items:
        cells = [status[item.id, p.code] for p in pages]
        failing = [p.code for p in pages if status[item.id, p.code] == NC]
        overall = NC if failing else NT if NT in cells else C if C in cells else NA
        criteria.append(CriterionResult(item.id, overall, failing))
    c = sum(1 for x in criteria if x.status == C)
    nc = sum(1 for x in criteria if x.status == NC)
    nt = sum(1 for x in criteria if x.status == NT)
    rate = _rate(c, nc, nt)
    known = [p.rate for p in page_results if p.rate.value is not None]
    if known:
        n = len(known)
        average = Estimate(
            sum(e.value or 0 for e in known) / n,
            PERCENT,
            sum(e.low or 0 for e in known) / n,
            sum(e.high or 0 for e in known) / n,
            Status.INPUT,
            SOURCE,
            tuple(sorted({w for e in known for w in e.warnings})),
        )
    else:
        average = Estimate.unknown(PERCENT, "no page has a tested applicable criterion")
    state = None
    if rate.value is not None and not nt:
        state = "total" if nc == 0 else "partial" if rate.value >= 50 else "none"
    return RgaaScore(rate, average, page_results, criteria, state)
