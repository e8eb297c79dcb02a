"""The EcoIndex helper against the published formula's reference points."""

from __future__ import annotations

import pytest

from tests.web.ecoindex import ecoindex, grade, quantile


def test_quantile_interpolates_and_caps() -> None:
    assert quantile((0, 10, 20), 5) == 0.5
    assert quantile((0, 10, 20), 10) == 1.0
    assert quantile((0, 10, 20), 99) == 2.0


def test_reference_points() -> None:
    # An empty page scores 100 (grade A); the quantile tables' top values score 0.
    assert ecoindex(0, 0, 0) == 100 and grade(100) == "A"
    assert ecoindex(594601, 3920, 223212.26) == pytest.approx(0)
    # 47 nodes, 2 requests, 1.37 kB: each metric at its first quantile → 100 − 5 × 6/6 = 95.
    assert ecoindex(47, 2, 1.37) == pytest.approx(95)
    assert grade(80.5) == "A" and grade(80) == "B" and grade(9) == "G"
