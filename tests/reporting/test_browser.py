"""The HTML report in a real browser (Debian's Chromium, headless): language, headings, names, keyboard."""

from __future__ import annotations

import pytest

from sobre.reporting import render
from sobre.reporting.data import build_report_data
from tests.reporting.tiny import tiny_inputs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(chromium, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The report open in one page of the test process's Chromium, for this module's read-only checks."""
    path = tmp_path_factory.mktemp("browser") / "report.html"
    render.write_html(build_report_data(tiny_inputs()), "fr", path)
    context = chromium.new_context()
    pg = context.new_page()
    pg.goto(path.as_uri())
    yield pg
    context.close()


def test_language_and_heading_order(page) -> None:
    assert page.evaluate("document.documentElement.lang") == "fr"
    levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    landmarks = page.evaluate(
        "['header','nav','main','footer'].map(s => document.querySelectorAll(s).length)"
    )
    assert landmarks == [1, 1, 1, 1]


def test_every_image_has_an_accessible_name(page) -> None:
    names = page.evaluate("""() => [...document.querySelectorAll('svg, img, [role=img]')].map(el => {
        if (el.tagName.toLowerCase() === 'img') return el.getAttribute('alt');
        const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
        return ids.map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim()
            || el.getAttribute('aria-label');
    })""")
    assert len(names) >= 5
    assert all(n and n.strip() for n in names)
    # The accessibility tree agrees: every chart is an image with its title as name.
    snapshot = page.locator("main").aria_snapshot()
    assert snapshot.count("- img ") >= 5 or snapshot.count('img "') >= 5


def test_tables_have_headers_and_captions(page) -> None:
    tables = page.evaluate("""() => [...document.querySelectorAll('table')].map(t => ({
        caption: (t.caption || {}).textContent || '',
        cols: t.querySelectorAll('thead th[scope=col]').length,
        rows: t.querySelectorAll('tbody tr').length,
        rowHeaders: t.querySelectorAll('tbody th[scope=row]').length}))""")
    assert tables
    for table in tables:
        assert table["caption"].strip() and table["cols"] >= 2
        assert table["rowHeaders"] == table["rows"]


def test_skip_link_moves_focus_to_main(page) -> None:
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"]
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_text_contrast_is_sufficient(page) -> None:
    """WCAG 2.1 AA 1.4.3: contrast of body text, muted text and links against white ≥ 4.5:1."""
    ratios = page.evaluate("""() => {
        const lum = c => { const v = c.match(/\\d+/g).slice(0, 3).map(x => x / 255)
            .map(x => x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
            return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
        const ratio = el => (1.05) / (lum(getComputedStyle(el).color) + 0.05);
        return ['p', '.note', 'figcaption', 'a', '.range', 'caption'].map(s => document.querySelector(s))
            .filter(Boolean).map(ratio); }""")
    assert ratios and min(ratios) >= 4.5


def test_axe_finds_no_violation(page) -> None:
    """axe-core (WCAG 2.0/2.1 A and AA rules) on the rendered report."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe.Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    )
    assert results.violations_count == 0, results.generate_report()
