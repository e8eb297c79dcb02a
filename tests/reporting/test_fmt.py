"""Figures rounded to what their range allows, in units that fit their magnitude."""

from __future__ import annotations

import pytest

from sobre.reporting.fmt import quantity, ratio, rng_q
from sobre.reporting.model import Figure


@pytest.mark.parametrize(
    ("figure", "lang", "text"),
    [
        (Figure(161_987, 125_195, 215_280, "kgCO2e"), "en", "≈ 162 t CO₂e (125–215)"),
        (Figure(161_987, 125_195, 215_280, "kgCO2e"), "fr", "≈ 162 t CO₂e (125–215)"),
        (Figure(0.0055, 0.0039, 0.0091, "kgSbeq"), "en", "≈ 5.5 g Sb eq (3.9–9.1)"),
        (Figure(0.0055, 0.0039, 0.0091, "kgSbeq"), "fr", "≈ 5,5 g Sb eq (3,9–9,1)"),
        (Figure(147.3, 110.0, 190.0, "kgCO2e"), "en", "≈ 147 kg CO₂e (110–190)"),
        (Figure(8_866_000, 6_200_000, 11_600_000, "MJ"), "en", "≈ 8.87 TJ (6.2–11.6)"),
        # A range wider than the value leaves two significant digits.
        (Figure(1234.0, 300.0, 3100.0, "kgCO2e"), "en", "≈ 1.2 t CO₂e (0.3–3.1)"),
        (Figure(None, None, None, "kgCO2e"), "en", "unknown"),
    ],
)
def test_quantity(figure: Figure, lang: str, text: str) -> None:
    assert quantity(figure, lang).replace("\u202f", " ") == text


def test_range_and_ratio() -> None:
    assert rng_q(Figure(161_987, 125_195, 215_280, "kgCO2e"), "en") == "125–215"
    assert ratio(0.00545, "fr") == "0,005" and ratio(0.804, "en") == "0.80"
