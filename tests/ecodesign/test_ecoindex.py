"""The EcoIndex score against the reference formula: published examples and many random inputs."""

from __future__ import annotations

import bisect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sobre.ecodesign import ecoindex

# The reference tables, written out again here (from cnumr/ecoindex_python_fullstack,
# components/ecoindex/data/quantiles.py) so that a changed table in the product is caught.
REF_DOM = [
    0,
    47,
    75,
    159,
    233,
    298,
    358,
    417,
    476,
    537,
    603,
    674,
    753,
    843,
    949,
    1076,
    1237,
    1459,
    1801,
    2479,
    594601,
]
REF_REQ = [0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170, 205, 281, 3920]
REF_SIZE = [
    0,
    1.37,
    144.7,
    319.53,
    479.46,
    631.97,
    783.38,
    937.91,
    1098.62,
    1265.47,
    1448.32,
    1648.27,
    1876.08,
    2142.06,
    2465.37,
    2866.31,
    3401.59,
    4155.73,
    5400.08,
    8037.54,
    223212.26,
]


def reference_quantile(bounds: list[float], value: float) -> float:
    """The reference interpolation, written another way: find the interval by bisection."""
    i = bisect.bisect_right(bounds, value)
    if i >= len(bounds):
        return float(len(bounds) - 1)
    return i - 1 + (value - bounds[i - 1]) / (bounds[i] - bounds[i - 1])


def reference(dom: float, req: float, size: float) -> tuple[int, str, float, float]:
    s = round(
        100
        - 5
        * (
            3 * reference_quantile(REF_DOM, dom)
            + 2 * reference_quantile(REF_REQ, req)
            + reference_quantile(REF_SIZE, size)
        )
        / 6
    )
    letter = next((g for g, b in zip("ABCDEF", (80, 70, 55, 40, 25, 10), strict=True) if s > b), "G")
    return s, letter, round(100 * (2 + 2 * (50 - s) / 100)) / 100, round(100 * (3 + 3 * (50 - s) / 100)) / 100


def test_tables_are_the_reference_ones() -> None:
    assert list(ecoindex.QUANTILES_DOM) == REF_DOM
    assert list(ecoindex.QUANTILES_REQUESTS) == REF_REQ
    assert list(ecoindex.QUANTILES_SIZE_KB) == REF_SIZE


@pytest.mark.parametrize(
    ("dom", "requests", "size", "expected"),
    [  # the reference implementation's own test cases
        (100, 100, 100, 72),
        (100, 100, 1000, 67),
        (100, 100, 10000, 58),
        (200, 200, 10000, 46),
        (2355, 267, 2493, 10),
        (240, 20, 331, 83),
        (2240, 100, 310182.902, 16),
    ],
)
def test_published_scores(dom: int, requests: int, size: float, expected: int) -> None:
    assert ecoindex.score(dom, requests, size) == expected


def test_published_quantiles_grades_and_per_view_figures() -> None:
    assert ecoindex.quantile(ecoindex.QUANTILES_SIZE_KB, 2500) == 14.086372025739513
    assert ecoindex.quantile(ecoindex.QUANTILES_DOM, 150) == 2.892857142857143
    assert ecoindex.quantile(ecoindex.QUANTILES_REQUESTS, 23) == 2.8
    assert ecoindex.quantile(ecoindex.QUANTILES_SIZE_KB, 310182.902) == 20
    assert [ecoindex.grade(s) for s in (2, 25, 10, 50.2, 100, 80, 81)] == ["G", "F", "G", "D", "A", "B", "A"]
    assert [ecoindex.ghg_per_view(s) for s in (2, 10, 50, 70)] == [2.96, 2.8, 2, 1.6]
    assert [ecoindex.water_per_view(s) for s in (2, 10, 50, 70)] == [4.44, 4.2, 3, 2.4]
    page = ecoindex.compute(100, 100, 100)
    assert (page.score, page.grade, page.ghg_g, page.water_cl) == (72, "B", 1.56, 2.34)
    out = ecoindex.compute(2240, 100, 310182.902)
    assert (out.score, out.grade, out.ghg_g, out.water_cl) == (16, "F", 2.68, 4.02)
    assert page.ghg(1000).value == pytest.approx(1.56) and page.ghg().unit == "kgCO2e"
    assert page.water(100_000).value == pytest.approx(2.34) and page.water().unit == "m3"


@settings(max_examples=1500, deadline=None)
@given(
    dom=st.integers(min_value=0, max_value=700_000),
    requests=st.integers(min_value=0, max_value=5_000),
    size=st.floats(min_value=0, max_value=300_000, allow_nan=False),
)
def test_random_inputs_match_the_reference(dom: int, requests: int, size: float) -> None:
    page = ecoindex.compute(dom, requests, size)
    assert (page.score, page.grade, page.ghg_g, page.water_cl) == reference(dom, requests, size)
    assert 0 <= page.score <= 100


@settings(max_examples=500, deadline=None)
@given(
    dom=st.integers(min_value=0, max_value=5000),
    requests=st.integers(min_value=0, max_value=500),
    size=st.floats(min_value=0, max_value=20_000, allow_nan=False),
    more=st.integers(min_value=1, max_value=1000),
)
def test_a_heavier_page_never_scores_better(dom: int, requests: int, size: float, more: int) -> None:
    base = ecoindex.score(dom, requests, size)
    assert ecoindex.score(dom + more, requests, size) <= base
    assert ecoindex.score(dom, requests + more, size) <= base
    assert ecoindex.score(dom, requests, size + more) <= base


def test_exact_bounds_and_bad_input() -> None:
    # on a bound, the interpolation starts the next interval: q = index of the bound
    assert ecoindex.quantile(ecoindex.QUANTILES_DOM, 47) == 1.0
    assert ecoindex.score(0, 0, 0) == 100
    assert ecoindex.grade_at_least("A", "C") and not ecoindex.grade_at_least("D", "C")
    with pytest.raises(ValueError):
        ecoindex.score(-1, 0, 0)
