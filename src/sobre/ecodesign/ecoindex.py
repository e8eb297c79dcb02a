"""The EcoIndex of a web page: score 0–100, grade A–G, greenhouse gases and water per page view.

The public reference method (EcoIndex, by the Collectif Conception Numérique Responsable and GreenIT.fr,
https://www.ecoindex.fr/comment-ca-marche/; reference implementation ``ecoindex`` 5.x in
github.com/cnumr/ecoindex_python_fullstack, ``components/ecoindex/compute``):

- three measures of the page: DOM elements (SVG children not counted), HTTP requests, transferred size in
  kB (bytes / 1000);
- each is placed in a table of 21 quantile bounds drawn from the HTTP Archive (about 500,000 URLs), with a
  linear interpolation inside its interval: ``q = i − 1 + (v − Q[i−1]) / (Q[i] − Q[i−1])`` for the first
  ``i`` with ``v < Q[i]``, 20 beyond the last bound;
- ``score = round(100 − 5 × (3 q_dom + 2 q_req + q_size) / 6)`` (Python's rounding, half to even, as the
  reference does);
- grade: A above 80, B above 70, C above 55, D above 40, E above 25, F above 10, else G;
- per page view: ``gCO2e = round(2 + 2 × (50 − score) / 100, 2)``, ``cl of water = round(3 + 3 × (50 −
  score) / 100, 2)`` — an average page weighs 2 gCO2e and 3 cl of blue water (GreenIT.fr LCA), more or less
  as the page is better or worse designed than the median.

The method and its figures are published by their authors under CC BY-NC-ND: Sobre implements the
published formula in its own code and cites the source wherever a score is shown.  This module is pure, so
page budgets and tests can use it without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sobre.core.estimate import Estimate, Status

METHOD = "EcoIndex (cnumr/ecoindex 5.x reference formula)"
SOURCE = (
    "EcoIndex, Collectif Conception Numérique Responsable / GreenIT.fr, https://www.ecoindex.fr (CC BY-NC-ND)"
)

QUANTILES_DOM: tuple[float, ...] = (
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
)
QUANTILES_REQUESTS: tuple[float, ...] = (
    0,
    2,
    15,
    25,
    34,
    42,
    49,
    56,
    63,
    70,
    78,
    86,
    95,
    105,
    117,
    130,
    147,
    170,
    205,
    281,
    3920,
)
QUANTILES_SIZE_KB: tuple[float, ...] = (
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
)
#: A grade is given when the score is strictly above its lower bound.
GRADES: tuple[tuple[str, int], ...] = (("A", 80), ("B", 70), ("C", 55), ("D", 40), ("E", 25), ("F", 10))
GRADE_ORDER = "ABCDEFG"


@dataclass(frozen=True)
class EcoIndex:
    dom: int
    requests: int
    size_kb: float
    score: int
    grade: str
    ghg_g: float  # gCO2e per page view
    water_cl: float  # centilitres of water per page view

    def ghg(self, views: float = 1.0) -> Estimate:
        """Greenhouse gases of ``views`` page views, in kgCO2e."""
        return Estimate(self.ghg_g * views / 1000, "kgCO2e", status=Status.MODELLED, source=SOURCE)

    def water(self, views: float = 1.0) -> Estimate:
        """Water of ``views`` page views, in m³ (1 cl = 10⁻⁵ m³)."""
        return Estimate(self.water_cl * views / 100_000, "m3", status=Status.MODELLED, source=SOURCE)


def quantile(bounds: Sequence[float], value: float) -> float:
    """Position of ``value`` in the quantile table, interpolated inside its interval (0 to 20)."""
    for i in range(1, len(bounds)):
        if value < bounds[i]:
            return i - 1 + (value - bounds[i - 1]) / (bounds[i] - bounds[i - 1])
    return float(len(bounds) - 1)


def score(dom: float, requests: float, size_kb: float) -> int:
    """The EcoIndex score, 0 (worst) to 100 (best)."""
    if min(dom, requests, size_kb) < 0:
        raise ValueError("EcoIndex measures cannot be negative")
    q_dom = quantile(QUANTILES_DOM, dom)
    q_req = quantile(QUANTILES_REQUESTS, requests)
    q_size = quantile(QUANTILES_SIZE_KB, size_kb)
    return round(100 - 5 * (3 * q_dom + 2 * q_req + q_size) / 6)


def grade(value: float) -> str:
    for letter, bound in GRADES:
        if value > bound:
            return letter
    return "G"


def ghg_per_view(value: float) -> float:
    """gCO2e per page view for a score."""
    return round(100 * (2 + 2 * (50 - value) / 100)) / 100


def water_per_view(value: float) -> float:
    """Centilitres of water per page view for a score."""
    return round(100 * (3 + 3 * (50 - value) / 100)) / 100


def compute(dom: int, requests: int, size_kb: float) -> EcoIndex:
    """EcoIndex of a page from its DOM element count, request count and transferred kB (bytes / 1000)."""
    s = score(dom, requests, size_kb)
    return EcoIndex(dom, requests, size_kb, s, grade(s), ghg_per_view(s), water_per_view(s))


def grade_at_least(measured: str, target: str) -> bool:
    """Whether ``measured`` is ``target`` or better (A is best)."""
    return GRADE_ORDER.index(measured) <= GRADE_ORDER.index(target)
