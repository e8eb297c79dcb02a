"""Server-rendered SVG charts: geometry, and the macros a capability's page uses (image + data table)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sobre.web import charts
from sobre.web.context import Ctx
from sobre.web.permissions import ROLES
from tests.web.harness import build_world

PAGE = """{% extends "web/layout.html" %}
{% from "web/macros/charts.html" import bar_chart, stacked_chart, line_chart, radar_chart %}
{% block title %}Charts{% endblock %}
{% block main %}<h1>Charts</h1>
{{ bar_chart('c1', 'By category', 'Laptops lead.', ['Laptops', 'Servers', 'Unknown'],
     [1200.5, 800, none], [1000, 600, none], [1500, 1100, none], unit='kgCO2e', digits=1) }}
{{ stacked_chart('c2', 'By stage', 'Manufacturing dominates.', ['Site A', 'Site B'],
     ['Manufacturing', 'Use'], [[10, 5], [none, 3]], unit='tCO2e') }}
{{ line_chart('c3', 'Trend', 'Going down.', ['2023', '2024', '2025'], ['Total', 'Target'],
     [[30, 25, none], [30, 20, 15]]) }}
{{ radar_chart('c4', 'Maturity', 'Strategy is weakest.',
     ['Strategy', 'Purchasing', 'Lifecycle', 'Data', 'Hosting'], ['Now', 'Target'],
     [[1, 2, 3, 2.5, none], [3, 3, 4, 3, 3]], 4) }}
{% endblock %}
"""


@given(st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=30))
def test_bars_fit_the_plot_and_ticks_cover_the_data(values: list[float]) -> None:
    layout = charts.bar([f"row {i}" for i in range(len(values))], values)
    assert layout.ticks[-1].value >= max(values)
    for row in layout.rows:
        assert 0 <= row.width <= layout.plot_w + 1e-6
    assert layout.height >= len(values) * 24


def test_stacked_segments_follow_each_other_and_skip_missing_parts() -> None:
    layout = charts.stacked(["a", "b"], ["x", "y", "z"], [[1, None, 2], [0, 3, 1]])
    first = layout.rows[0].segments
    assert [s.series for s in first] == [0, 2] and first[1].x == pytest.approx(first[0].x + first[0].width)
    assert layout.rows[1].total == 4


def test_line_breaks_at_missing_values_and_radar_closes_the_shape() -> None:
    layout = charts.line(["1", "2", "3", "4"], ["s"], [[1, None, 3, 4]])
    assert len(layout.series[0]["paths"]) == 2
    radar = charts.radar(["a", "b", "c"], ["now"], [[4, 2, 1]], maximum=4)
    assert radar.series[0]["polygon"] and not radar.extra["marks"]
    assert charts.nice_ticks(0) == [0.0, 1.0] and charts.nice_ticks(7) == [0, 2, 4, 6, 8]


def test_an_unknown_radar_score_is_a_gap_and_a_mark_never_a_point_at_the_centre() -> None:
    radar = charts.radar(["a", "b", "c", "d"], ["now", "target"], [[4, 2, None, 1], [4, 4, 4, 4]], maximum=4)
    now, target = radar.series
    centre = f"{radar.plot_x},{radar.plot_y}"
    assert now["polygon"] == "" and target["polygon"]  # only a wholly known series closes its shape
    assert now["paths"] == [" ".join(f"{x},{y}" for x, y in (now["dots"][i] for i in (3, 0, 1)))]
    assert all(centre not in path for path in now["paths"])
    assert len(now["known_dots"]) == 3 and (radar.plot_x, radar.plot_y) not in now["known_dots"]
    spoke = radar.extra["spokes"][2]
    assert [sp["unknown"] for sp in radar.extra["spokes"]] == [False, False, True, False]
    assert radar.extra["marks"] == [{"x": spoke["x"], "y": spoke["y"]}]  # on the spoke's end, not the centre


def test_a_capability_page_renders_the_four_charts_each_with_its_table(
    tmp_path: Path, sqlite_url: str
) -> None:
    folder = tmp_path / "sample"
    (folder / "templates").mkdir(parents=True)
    (folder / "templates" / "charts.html").write_text(PAGE, encoding="utf-8")

    def register(registry) -> None:  # type: ignore[no-untyped-def]
        registry.permission("sample.view", ROLES, "web.perm.org_view")
        registry.menu("web.menu.org_home", "sample.charts_page", permission="sample.view", order=50)

        @registry.page("/charts", permission="sample.view")
        def charts_page(ctx: Ctx):  # type: ignore[no-untyped-def]
            return ctx.render("sample/charts.html")

    world = build_world(sqlite_url, tmp_path / "home", extra=[("sample", folder, register)])
    html = world.client("viewer").get(world.a_url("/charts")).text
    world.close()
    figures = re.findall(r"<figure class=\"chart[^\"]*\" id=\"(c\d)\">(.*?)</figure>", html, re.S)
    assert [f[0] for f in figures] == ["c1", "c2", "c3", "c4"]
    for chart_id, body in figures:
        assert f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d"' in body
        assert body.index("</svg>") < body.index("<table")  # the data table follows the image
        assert "<caption>" in body and 'scope="row"' in body
    assert " style=" not in html  # the CSP forbids inline styles
    assert "1\u202f200,5" in html and "inconnu" in html  # French numbers; unknown is not zero
    radar = dict(figures)["c4"]
    assert "320.0,210.0" not in radar  # the centre (zero) is no point of any line
    assert radar.count('<circle class="unknown"') == 1 and "stroke-dasharray" in radar
    desc = re.search(r'<desc id="c4-d">(.*?)</desc>', radar, re.S)
    assert desc and "Inconnu, non tracé : Hosting (Now)." in desc.group(1)  # the text alternative says so
    assert f'href="/o/{world.a}/charts"' in html  # the capability's menu entry
