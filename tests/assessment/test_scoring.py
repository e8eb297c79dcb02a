"""Scores on full answer sets computed by hand: RGESN 2024, maturity and RGAA rates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sobre.assessment import importers
from sobre.assessment.referentials import Package
from sobre.assessment.scoring import Answer
from sobre.assessment.scoring import maturity as mat
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco

TOTAL_WEIGHT = 30 * 1.5 + 29 * 1.25 + 19 * 1.0  # 100.25: every RGESN 2024 criterion applicable


def _rgesn_answers(package: Package, status_of) -> dict[str, Answer]:  # type: ignore[no-untyped-def]
    return {i.id: Answer(i.id, status=status_of(i), evidence=1) for i in package.items}


def test_rgesn_all_validated_is_100(rgesn: Package) -> None:
    score = eco.score(rgesn, _rgesn_answers(rgesn, lambda i: eco.VALIDATED))
    assert score.overall.value == pytest.approx(100.0)
    assert score.overall.low == score.overall.high == pytest.approx(100.0)
    assert all(t.score.value == pytest.approx(100.0) for t in score.themes)
    assert score.applicable_weight == pytest.approx(TOTAL_WEIGHT)
    assert score.problems == [] and score.pending == 0 and len(score.validated) == 78


def test_rgesn_only_prioritaire_validated(rgesn: Package) -> None:
    answers = _rgesn_answers(rgesn, lambda i: eco.VALIDATED if i.priority == "high" else eco.NOT_VALIDATED)
    score = eco.score(rgesn, answers)
    assert score.overall.value == pytest.approx(100 * 1.5 * 30 / TOTAL_WEIGHT)
    assert round(score.overall.value, 2) == 44.89
    assert len(score.not_validated) == 48


def test_rgesn_not_applicable_leaves_the_denominator(rgesn: Package) -> None:
    # Every criterion that may be N/A is N/A, the 18 "applicable à tous" ones are validated: 100 %.
    answers = _rgesn_answers(rgesn, lambda i: eco.VALIDATED if i.always_applicable else eco.NOT_APPLICABLE)
    score = eco.score(rgesn, answers)
    weights = sum(eco.WEIGHTS[i.priority] for i in rgesn.items if i.always_applicable)
    assert score.applicable_weight == pytest.approx(weights)
    assert score.overall.value == pytest.approx(100.0)
    # Themes with only N/A criteria are "Non applicable": unknown, never 0.
    na_themes = [t for t in score.themes if t.applicable_weight == 0]
    assert na_themes and all(t.score.value is None for t in na_themes)


def test_rgesn_hand_computed_mixed_set(rgesn: Package) -> None:
    # Theme 1 (Stratégie): 1.1 P, 1.2 P, 1.3 R, 1.4 P, 1.5 P, 1.6 R, 1.7 M, 1.8 R, 1.9 P, 1.10 R.
    statuses = {
        "1.1": eco.VALIDATED,
        "1.2": eco.VALIDATED,
        "1.3": eco.IN_PROGRESS,
        "1.4": eco.NOT_VALIDATED,
        "1.5": eco.TO_EVALUATE,
        "1.6": eco.VALIDATED,
        "1.7": eco.NOT_APPLICABLE,
        "1.8": eco.NOT_VALIDATED,
        "1.9": eco.VALIDATED,
        "1.10": eco.NOT_APPLICABLE,
    }
    answers = {k: Answer(k, status=v, evidence=1) for k, v in statuses.items()}
    theme = eco.score(rgesn, answers).themes[0]
    # validated: 1.5 + 1.5 + 1.25 + 1.5 = 5.75; applicable: 5 × 1.5 + 3 × 1.25 = 11.25
    assert theme.validated_weight == pytest.approx(5.75)
    assert theme.applicable_weight == pytest.approx(11.25)
    assert theme.score.value == pytest.approx(100 * 5.75 / 11.25)
    # High end: 1.3 (in progress, 1.25) and 1.5 (to evaluate, 1.5) validated.
    assert theme.score.high == pytest.approx(100 * (5.75 + 1.25 + 1.5) / 11.25)


def test_rgesn_rules_on_answers(rgesn: Package) -> None:
    always = next(i for i in rgesn.items if i.always_applicable)
    optional = next(i for i in rgesn.items if not i.always_applicable)
    assert "cannot be 'Non applicable'" in (eco.problem(always, eco.NOT_APPLICABLE, 1) or "")
    assert "needs evidence" in (eco.problem(optional, eco.NOT_APPLICABLE, 0) or "")
    assert "needs evidence" in (eco.problem(optional, eco.VALIDATED, 0) or "")
    assert eco.problem(optional, eco.NOT_VALIDATED, 0) is None
    assert eco.parse_status("validé") == eco.parse_status("VALIDE") == eco.VALIDATED
    assert eco.parse_status("À évaluer") == eco.TO_EVALUATE and eco.parse_status("N/A") == eco.NOT_APPLICABLE
    assert eco.parse_status("peut-être") is None


def test_rgesn_unanswered_is_to_evaluate_with_a_range(rgesn: Package) -> None:
    score = eco.score(rgesn, {})
    assert score.overall.value == 0.0 and score.overall.high == pytest.approx(100.0)
    assert score.pending == 78 and score.overall.warnings


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list(eco.STATUSES)), min_size=78, max_size=78))
def test_rgesn_score_is_a_percentage_inside_its_range(statuses: list[str]) -> None:
    package = _rgesn_package()
    answers = {i.id: Answer(i.id, status=s, evidence=1) for i, s in zip(package.items, statuses, strict=True)}
    score = eco.score(package, answers)
    if score.overall.value is None:
        assert score.applicable_weight == 0
        return
    assert 0 <= score.overall.low <= score.overall.value <= score.overall.high <= 100 + 1e-9
    assert score.validated_weight == pytest.approx(
        sum(
            eco.WEIGHTS[i.priority]
            for i, s in zip(package.items, statuses, strict=True)
            if s == eco.VALIDATED
        )
    )


_CACHE: dict[str, Package] = {}


def _rgesn_package() -> Package:
    from tests.conftest import SHARED

    if "rgesn" not in _CACHE:
        _CACHE["rgesn"] = importers.read_rgesn(SHARED / "data" / "rgesn-2024.json")
    return _CACHE["rgesn"]


def test_maturity_domain_and_overall_scores_by_hand() -> None:
    model = importers.builtin_maturity()
    a = model.items_of("a")  # a1 high, a2 high, a3 high, a4 medium, a5 medium, a6 high
    weights = [mat.weight(i.priority) for i in a]
    assert weights == [3, 3, 3, 2, 2, 3]
    answers = {i.id: Answer(i.id, level=level) for i, level in zip(a, [4, 2, 0, 3, 1, 2], strict=True)}
    result = mat.score(model, answers)
    domain = result.domains[0]
    got = 3 * 4 + 3 * 2 + 3 * 0 + 2 * 3 + 2 * 1 + 3 * 2  # 32
    assert domain.score.value == pytest.approx(100 * got / (16 * 4))  # 50 %
    assert domain.target.value == pytest.approx(75.0)  # default target 3 of 4
    assert domain.gap == pytest.approx(25.0)
    # Other domains are not rated: the overall value is domain a's, its range spans them at 0–100.
    assert result.overall.value == pytest.approx(50.0)
    assert result.overall.low < 50 < result.overall.high
    gaps = {p.item_id: p.gap for p in result.practices if p.theme == "a"}
    assert gaps == {"a1": 0, "a2": 1, "a3": 3, "a4": 0, "a5": 2, "a6": 1}


def test_maturity_not_applicable_and_unrated_practices() -> None:
    model = importers.builtin_maturity()
    h = model.items_of("h")
    answers = {i.id: Answer(i.id, status=mat.NOT_APPLICABLE) for i in h}
    answers[h[0].id] = Answer(h[0].id, level=2)
    domain = next(d for d in mat.score(model, answers).domains if d.theme == "h")
    assert domain.score.value == pytest.approx(50.0) and domain.not_applicable == len(h) - 1
    nothing = mat.score(model, {})
    assert nothing.overall.value is None and nothing.overall.reason
    every_na = mat.score(model, {i.id: Answer(i.id, status=mat.NOT_APPLICABLE) for i in h})
    assert next(d for d in every_na.domains if d.theme == "h").score.value is None


def test_maturity_equal_domain_weights() -> None:
    model = importers.builtin_maturity()
    answers = {i.id: Answer(i.id, level=4 if i.theme == "a" else 0) for i in model.items}
    result = mat.score(model, answers)
    assert result.overall.value == pytest.approx(100 / 9)
    assert result.overall.low == result.overall.high == result.overall.value


def _rgaa_answers(rows: dict[tuple[str, str], str]) -> dict[tuple[str, str], Answer]:
    return {(i, p): Answer(i, status=s, page=p) for (i, p), s in rows.items()}


def test_rgaa_rates_as_the_method_defines_them(rgaa: Package) -> None:
    pages = [aud.Page("P01", "Accueil"), aud.Page("P02", "Contact"), aud.Page("P03", "Mentions légales")]
    rows: dict[tuple[str, str], str] = {}
    for item in rgaa.items:
        for page in pages:
            rows[item.id, page.code] = aud.NA
    # 1.1: C, C, NC → not validated. 3.2: C, NA, C → validated. 8.1: C everywhere. 11.1: NA everywhere.
    rows.update(
        {
            ("1.1", "P01"): aud.C,
            ("1.1", "P02"): aud.C,
            ("1.1", "P03"): aud.NC,
            ("3.2", "P01"): aud.C,
            ("3.2", "P03"): aud.C,
            ("8.1", "P01"): aud.C,
            ("8.1", "P02"): aud.C,
            ("8.1", "P03"): aud.C,
        }
    )
    score = aud.score(rgaa, pages, _rgaa_answers(rows))
    assert score.count(aud.C) == 2 and score.count(aud.NC) == 1 and score.count(aud.NA) == 103
    assert score.rate.value == pytest.approx(100 * 2 / 3)
    # Pages: P01 3 C / 3 → 100; P02 2 C / 2 → 100; P03 2 C, 1 NC → 66.7; average 88.9.
    assert [round(p.rate.value or 0, 1) for p in score.pages] == [100.0, 100.0, 66.7]
    assert score.average.value == pytest.approx((100 + 100 + 200 / 3) / 3)
    assert score.state == "partial"
    failing = next(c for c in score.criteria if c.item_id == "1.1")
    assert failing.failing_pages == ["P03"]


def test_rgaa_process_pages_and_derogations(rgaa: Package) -> None:
    pages = [
        aud.Page("P01", "Accueil"),
        aud.Page("P02", "Étape 1", process="Demande"),
        aud.Page("P03", "Étape 2", process="Demande"),
    ]
    rows = {(i.id, p.code): aud.C for i in rgaa.items for p in pages}
    rows["11.1", "P03"] = aud.NC
    rows["4.1", "P01"] = aud.NC
    status = aud.effective_statuses(rgaa, pages, _rgaa_answers(rows))
    assert status["11.1", "P02"] == aud.NC  # validated on a process page only if on every page of it
    assert status["11.1", "P01"] == aud.C
    burden_with_alt = aud.Derogation(aud.BURDEN, ("4.1",), ("P01",), alternative="Transcription texte")
    burden_without = aud.Derogation(aud.BURDEN, ("4.1",), ("P01",))
    assert aud.effective_statuses(rgaa, pages, _rgaa_answers(rows), [burden_with_alt])["4.1", "P01"] == aud.NA
    assert aud.effective_statuses(rgaa, pages, _rgaa_answers(rows), [burden_without])["4.1", "P01"] == aud.NC
    exempt = aud.Derogation(aud.EXEMPT, ("4.1",), ("P01",))
    score = aud.score(rgaa, pages, _rgaa_answers(rows), [exempt])
    assert next(c for c in score.criteria if c.item_id == "4.1").status == aud.C  # C on P02, P03; NA on P01
    assert score.count(aud.NC) == 1 and score.rate.value == pytest.approx(100 * 105 / 106)


def test_rgaa_untested_criteria_are_unknown_with_a_range(rgaa: Package) -> None:
    pages = [aud.Page("P01", "Accueil")]
    rows = {(i.id, "P01"): aud.C for i in rgaa.items[:50]}
    score = aud.score(rgaa, pages, _rgaa_answers(rows))
    assert score.rate.value == pytest.approx(100.0)
    assert score.rate.low == pytest.approx(100 * 50 / 106) and score.rate.high == pytest.approx(100.0)
    assert score.state is None  # no declaration state while criteria are untested
    assert aud.score(rgaa, [], {}).rate.value is None
    none = {(i.id, "P01"): aud.NC for i in rgaa.items}
    assert aud.score(rgaa, pages, _rgaa_answers(none)).state == "none"
