"""The maturity radar drawn from the shared chart geometry: accessible SVG, PNG for Word, unknown is a gap."""

from __future__ import annotations

import io
import re
import sys

from sobre.assessment.charts import radar_png, radar_svg
from sobre.core.charts import known_runs

LABELS = ["Stratégie & gouvernance", "Achats", "Infrastructure", "Données", "Logiciels"]


def test_known_runs_wrap_around_and_skip_unknowns() -> None:
    assert known_runs([True, True, True]) == [[0, 1, 2, 0]]
    assert known_runs([True, False, True, True]) == [[2, 3, 0]]
    assert known_runs([False, True, False, True]) == [[1], [3]]
    assert known_runs([False, False]) == []


def test_svg_radar_is_an_accessible_image_with_gaps_for_unknown_scores() -> None:
    svg = radar_svg(
        "m", "Maturité", "Stratégie 50 %", LABELS, [50, None, 75, 20, None], [80] * 5, ("Actuel", "Cible")
    )
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="m-title m-desc"' in svg
    assert '<title id="m-title">Maturité</title>' in svg and '<desc id="m-desc">Stratégie 50 %</desc>' in svg
    assert "Stratégie &amp; gouvern" in svg  # text stays text, escaped (long labels clipped)
    # The current line has two unknown scores: it is drawn as one run (Infrastructure-Données), no polygon
    # through the centre; the complete target is a closed dashed polygon.
    assert svg.count("<polyline") == 1 and svg.count("<polygon") == 4 + 1
    assert 'stroke-dasharray="6 4"/>' in svg
    assert len(re.findall(r'<circle [^>]*fill="#0072B2"', svg)) == 3  # only known scores get a dot
    assert "100 %" in svg and "matplotlib" not in sys.modules


def test_svg_radar_without_targets_draws_one_series() -> None:
    svg = radar_svg("m", "T", "D", LABELS[:3], [10, 20, 30], [None] * 3, ("Actuel", "Cible"))
    assert "Cible" not in svg and "Actuel" in svg and "stroke-dasharray" not in svg


def test_png_radar_for_word() -> None:
    from PIL import Image

    png = radar_png(LABELS, [50, None, 75, 20, None], [80, 90, None, 60, 70], ("Actuel", "Cible"))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 1000
    colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (0x00, 0x72, 0xB2) in colours and (0xE6, 0x9F, 0x00) in colours  # both series are drawn
