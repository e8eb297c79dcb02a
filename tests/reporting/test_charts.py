"""The report's SVG bar charts: valid, accessible, escaped, drawn from the pages' geometry."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sobre.core import charts as geometry
from sobre.reporting import charts

SVG = "{http://www.w3.org/2000/svg}"


def _chart(**kw) -> str:
    args = {
        "chart_id": "chart-x",
        "title": "By <site>",
        "desc": "Site A leads & B follows.",
        "labels": ["Site <A>", "Site B with a name much longer than the thirty-eight characters kept"],
        "values": [1200.0, 300.0],
        "lows": [1000.0, None],
        "highs": [1500.0, None],
        "unit": "kgCO2e",
        "lang": "en",
    }
    return charts.bar_chart(**{**args, **kw})


def test_bar_chart_is_accessible_svg_with_escaped_text() -> None:
    root = ET.fromstring(_chart())
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("id") == "chart-x"
    assert root.get("aria-labelledby") == "chart-x-title chart-x-desc"
    assert root.find(f"{SVG}title").text == "By <site>"
    assert root.find(f"{SVG}desc").text == "Site A leads & B follows."
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Site <A>" in texts
    assert any(t and t.endswith("…") and len(t) == charts.MAX_LABEL for t in texts)
    assert "1,200" in texts and "300" in texts  # value labels at the bars' ends


def test_bars_and_whiskers_follow_the_shared_geometry() -> None:
    root = ET.fromstring(_chart())
    layout = geometry.bar(
        ["a", "b"], [1200.0, 300.0], [1000.0, None], [1500.0, None], width=720, label_width=250, right=84
    )
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths == [round(row.width, 2) for row in layout.rows]
    assert widths[0] == 4 * widths[1]
    # Only the first bar has a range: one whisker, from its low to its high.
    paths = [p.get("d") for p in root.iter(f"{SVG}path")]
    assert len(paths) == 1
    assert paths[0].startswith(f"M{layout.rows[0].low_x:.2f}".rstrip("0").rstrip("."))


def test_share_charts_label_percentages_and_output_is_deterministic() -> None:
    svg = _chart(values=[0.75, 0.25], lows=[None, None], highs=[None, None], value_format="share")
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "75 %" in texts or "75%" in texts
    assert "%" in texts  # the axis names its unit
    assert svg == _chart(values=[0.75, 0.25], lows=[None, None], highs=[None, None], value_format="share")
