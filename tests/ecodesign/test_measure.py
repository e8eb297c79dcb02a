"""EcoIndex in a real browser (Debian's Chromium): a local test site and the project's own report page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sobre.core.errors import InputError
from sobre.ecodesign import ecoindex
from sobre.ecodesign.measure import Browser, Options, read_journey
from tests.ecodesign.site import HOME_DOM, Site, serve
from tests.ecodesign.test_ecoindex import reference

pytestmark = pytest.mark.browser
FAST = Options(wait_before_scroll=0.3, wait_after_scroll=0.5)


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Iterator[Browser]:
    """The measuring class over the test process's Chromium (see ``chromium`` in tests/conftest.py)."""
    with Browser(FAST, browser=chromium) as b:
        yield b


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve() as s:
        yield s


def _check_formula(m) -> None:  # type: ignore[no-untyped-def]
    score, grade, ghg, water = reference(m.dom, m.requests, m.bytes / 1000)
    assert (m.score, m.grade, m.ghg_g, m.water_cl) == (score, grade, ghg, water)


def test_home_page_counts(browser: Browser, site: Site) -> None:
    start = len(site.log)
    m = browser.page(site.url + "/")
    assert m.error is None
    requests, sent = site.sent(start)
    # the page, its style, script and logo, and the lazy image loaded once scrolled to
    assert requests == 5 and m.requests == 5
    assert m.bytes == sent  # bytes on the wire, headers included, as the server counted them
    assert m.dom == HOME_DOM
    _check_formula(m)
    assert m.width == 1920 and m.height == 1080 and m.browser


def test_lazy_content_needs_the_scroll(browser: Browser, site: Site) -> None:
    saved = browser.options
    browser.options = Options(wait_before_scroll=0.3, wait_after_scroll=0.5, height=600)
    try:
        start = len(site.log)
        m = browser.page(site.url + "/")
    finally:
        browser.options = saved
    assert "/bas.png" in [p for p, _ in site.log[start:]]  # below the fold: requested after the scroll
    assert m.requests == 5 and m.height == 600


def test_failures_are_recorded_not_raised(browser: Browser, site: Site) -> None:
    missing = browser.page(site.url + "/absent")
    assert missing.error and "404" in missing.error and missing.score is None
    data = browser.page(site.url + "/data.json")
    assert data.error and "not an HTML page" in data.error
    closed = browser.page("http://127.0.0.1:9/")
    assert closed.error and closed.dom is None


def test_journey_measures_each_step(browser: Browser, site: Site, tmp_path: Path) -> None:
    path = tmp_path / "demande.toml"
    path.write_text(
        f'name = "Demande"\n[[steps]]\nname = "Accueil"\ngoto = "{site.url}/"\n'
        '[[steps]]\nname = "Formulaire"\nclick = "text=Démarches"\n'
        '[[steps]]\nname = "Envoi"\nfill = { "#nom" = "Dupont" }\nclick = "button[type=submit]"\n'
    )
    steps = browser.journey(read_journey(path))
    assert [s.step for s in steps] == ["Accueil", "Formulaire", "Envoi"]
    assert all(s.error is None for s in steps)
    assert steps[1].url == site.url + "/demarches" and steps[2].url == site.url + "/envoi?nom=Dupont"
    assert [s.requests for s in steps] == [5, 1, 1]
    assert steps[1].dom == 9 and steps[2].dom == 6  # html head meta title body form label input button; … p
    for s in steps:
        _check_formula(s)


def test_journey_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "j.json"
    bad.write_text('{"steps": [{"click": "a"}]}')
    with pytest.raises(InputError, match="first step"):
        read_journey(bad)
    bad.write_text('{"steps": [{"goto": "http://x", "tap": "a"}]}')
    with pytest.raises(InputError, match="unknown step action") as err:
        read_journey(bad)
    assert err.value.row == 1 and err.value.column == "tap"
    bad.write_text("{")
    with pytest.raises(InputError, match="cannot read"):
        read_journey(bad)


def test_the_projects_own_report_page(browser: Browser) -> None:
    """The diagnosis report, served as a page: its EcoIndex is the formula's for what was measured."""
    import tempfile

    from sobre.reporting import render
    from sobre.reporting.data import build_report_data
    from tests.reporting.tiny import tiny_inputs

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rapport.html"
        render.write_html(build_report_data(tiny_inputs()), "fr", path)
        pages = {"/rapport": ("text/html; charset=utf-8", path.read_bytes())}
        with serve(pages) as own:
            m = browser.page(own.url + "/rapport")
            requests, sent = own.sent()
    assert m.error is None and m.requests == requests == 1  # one self-contained page
    assert m.bytes == sent
    _check_formula(m)
    # The report is meant to be a sober page.  As a full diagnosis (cover, contents, scope, benchmarks,
    # fleet, annexes) it holds about 800 elements even for the smallest organisation: grade C, one request.
    assert ecoindex.grade_at_least(m.grade or "G", "C")
