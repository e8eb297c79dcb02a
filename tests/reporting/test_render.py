"""HTML, PDF and exports of the tiny organisation: sections, languages, escaping, charts, figures."""

from __future__ import annotations

import csv
import html as html_lib
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sobre.core import pdf
from sobre.core.i18n import t
from sobre.reporting import exports, render
from sobre.reporting.data import build_report_data
from tests.reporting.tiny import tiny_inputs

SECTIONS = [
    "section.summary",
    "section.scope",
    "section.benchmarks",
    "section.fleet",
    "section.annexes",
    "section.breakdown",
    "section.by_stage",
    "section.by_category",
    "section.by_site",
    "section.by_department",
    "section.by_application",
    "section.hotspots",
    "section.idle",
    "section.quality",
    "section.recommendations",
    "section.methodology",
    "section.assumptions",
    "section.sources",
]
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def data():
    inputs = tiny_inputs()
    inputs.names.applications[21] = '=HYPERLINK("http://evil")'
    return build_report_data(inputs)


@pytest.fixture(scope="module")
def html_fr(data) -> str:
    return render.render_html(data, "fr")


@pytest.fixture(scope="module")
def html_en(data) -> str:
    return render.render_html(data, "en")


def _headings(html: str) -> list[tuple[int, str]]:
    return [
        (int(level), html_lib.unescape(re.sub(r"<[^>]+>", "", text)).strip())
        for level, text in re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", html, re.S)
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_sections_in_both_languages(lang: str, html_fr: str, html_en: str) -> None:
    html = html_fr if lang == "fr" else html_en
    assert f'<html lang="{lang}">' in html
    titles = [text for _, text in _headings(html)]
    for key in SECTIONS:
        assert t(key, lang) in titles, key
    assert len(re.findall(r"<h1\b", html)) == 1
    levels = [level for level, _ in _headings(html)]
    assert levels[0] == 1
    # No heading skips a level on the way down (h2 → h4 would).
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    other = "en" if lang == "fr" else "fr"
    assert t("section.methodology", other) not in titles or t("section.methodology", other) == t(
        "section.methodology", lang
    )


def test_figures_formatted_per_language(html_fr: str, html_en: str) -> None:
    # Rounded to what the range allows, in a unit that fits the magnitude.
    assert "≈ 819 kg CO₂e (607–1\u202f080)" in html_fr and "≈ 819 kg CO₂e (607–1,080)" in html_en
    assert "61,8 g Sb eq" in html_fr and "61.8 g Sb eq" in html_en  # not 6.18 × 10⁻² kg
    assert "54,6 kg CO₂e" in html_fr and "54.6 kg CO₂e" in html_en  # per agent
    # ADPe is partial (two stages unknown): said wherever its total is shown, never a silent 0.
    assert "(partiel)" in html_fr and "partiel, inconnus : fabrication 1, distribution 1 éléments" in html_fr
    assert "(partial)" in html_en


def test_inventory_names_are_escaped(html_fr: str) -> None:
    assert "<script>" not in html_fr
    assert "DSI &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html_fr
    assert "Tinyville &lt;b&gt;&amp;&lt;/b&gt;" in html_fr
    assert "<b>&</b>" not in html_fr


def test_every_chart_is_valid_accessible_svg_with_a_table(html_fr: str) -> None:
    svgs = re.findall(r"<svg\b.*?</svg>", html_fr, re.S)
    # Summary, stages, categories, hotspots, data quality (no dated item: no age chart).
    assert len(svgs) >= 5
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == f"{SVG_NS}svg"
        assert root.get("role") == "img"
        title_id, desc_id = root.get("aria-labelledby").split()
        title = root.find(f"{SVG_NS}title")
        assert title is not None and title.get("id") == title_id and title.text.strip()
        assert root.find(f"{SVG_NS}desc").get("id") == desc_id
        assert root.findall(f".//{SVG_NS}text"), "text must stay text (svg.fonttype none)"
    # Each chart's figure is followed by its data table in the same section.
    for chart_id in re.findall(r'<svg[^>]* id="(chart-[a-z]+)"', html_fr):
        after = html_fr.split(f'id="{chart_id}"', 1)[1]
        assert after.find("<table") < after.find("<section") or after.find("<section") == -1, chart_id
        assert "<caption>" in after.split("</table>", 1)[0]


def test_charts_are_deterministic(data) -> None:
    assert render.render_html(data, "en") == render.render_html(data, "en")


def test_tables_have_captions_and_header_scopes(html_en: str) -> None:
    tables = re.findall(r"<table.*?</table>", html_en, re.S)
    assert tables
    for table in tables:
        assert "<caption>" in table and 'scope="col"' in table


def test_pdf_pages_and_text(data, tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; scripts/setup.sh --dev installs it")
    pdf = render.write_pdf(data, "fr", tmp_path / "r.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 6
    # PDF/UA: tagged, with the document's language.
    assert re.search(r"Tagged:\s+yes", info), info
    assert _pdf_language(pdf) == "fr"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for needle in (
        "Synthèse",
        "Période de référence",
        "Méthodologie",
        "≈ 819 kg CO₂e (607–1 080)",
        "Salle serveur",
        "Sources des facteurs",
        "Page 2 / ",
    ):
        assert needle in text.replace("\u202f", " "), needle
    # The running header names the organisation (from page 2, the cover has none).
    assert text.count("Tinyville <b>&</b>") >= pages


def test_pdf_leaves_the_garbage_collector_as_it_found_it(data, tmp_path: Path) -> None:
    import gc

    assert gc.isenabled()
    render.write_pdf(data, "en", tmp_path / "on.pdf")
    assert gc.isenabled()
    gc.disable()
    try:
        render.write_pdf(data, "en", tmp_path / "off.pdf")
        assert not gc.isenabled()  # a caller's own choice holds
    finally:
        gc.enable()


def _pdf_language(pdf: Path) -> str | None:
    """The catalogue's /Lang, looked for in the file and in its compressed object streams."""
    import zlib

    raw = pdf.read_bytes()
    chunks = [raw]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            continue
    for chunk in chunks:
        found = re.search(rb"/Lang\s*\(([^)]*)\)", chunk)
        if found:
            return found.group(1).decode()
    return None


def test_exports(data, tmp_path: Path) -> None:
    path = exports.export(data, "csv", tmp_path / "r.csv")
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    total = next(r for r in rows if r["section"] == "total" and r["criterion"] == "climate_change")
    assert float(total["value"]) == pytest.approx(819.0)
    app = next(r for r in rows if r["section"] == "application" and r["criterion"] == "climate_change")
    assert app["label"].startswith("'=")  # a formula is neutralised
    assert float(app["value"]) == pytest.approx(158.0)

    from openpyxl import load_workbook

    wb = load_workbook(exports.export(data, "xlsx", tmp_path / "r.xlsx"))
    assert {
        "summary",
        "stage",
        "category",
        "site",
        "department",
        "application",
        "hotspots",
        "idle",
        "recommendations",
        "data_quality",
        "imports",
        "sources",
    } <= set(wb.sheetnames)
    assert wb["summary"]["E2"].value == pytest.approx(819.0)
    assert wb["application"]["B2"].value.startswith("'=")

    payload = json.loads(exports.export(data, "json", tmp_path / "r.json").read_text(encoding="utf-8"))
    assert payload["totals"][0]["total"]["value"] == pytest.approx(819.0)
    assert payload["organisation"]["name"] == "Tinyville <b>&</b>"  # JSON is plain data

    with pytest.raises(Exception, match="unknown export format"):
        exports.export(data, "ods", tmp_path / "r.ods")


def test_sources_annex_keeps_the_mixes_and_the_largest_sources(data) -> None:
    """A long list of factor sources is cut to the annex's 20 rows with a pointer to the exports; the factor
    set and the electricity mixes always stay, the impact sources used by most rows come first."""
    from dataclasses import replace

    from sobre.reporting.annex import ANNEX_ROWS, sources
    from sobre.reporting.model import Source

    many = replace(
        data,
        sources=[Source("Factor set", "CC BY 4.0", 100, "factor_set")]
        + [Source(f"Impact source {i}", "ODbL", 60 - i, "impacts") for i in range(30)]
        + [Source("Mix FR", "CC BY 4.0", 5, "electricity"), Source("Mix DE", "CC BY 4.0", 5, "electricity")],
    )
    section = sources(many, "en")
    shown = [row[0].text for row in section.table.rows]
    assert len(shown) == ANNEX_ROWS
    assert shown[0] == "Factor set" and shown[-2:] == ["Mix FR", "Mix DE"]
    assert shown[1:-2] == [f"Impact source {i}" for i in range(ANNEX_ROWS - 3)]
    assert section.table.note == t("more_rows", "en", n=33 - ANNEX_ROWS)
    # Short lists are shown whole, without a note.
    assert sources(data, "en").table.note == "" and len(sources(data, "en").table.rows) == len(data.sources)


def test_print_keeps_the_first_rows_and_says_where_the_rest_are(data, monkeypatch) -> None:
    from sobre.reporting import sections

    monkeypatch.setattr(sections, "PRINT_ROWS", 1)
    page = render.render_html(data, "en")
    hidden = page.count('class="screen-only"')
    assert hidden > 0  # the HTML keeps every row, print CSS hides them
    assert "more rows of this table are in the HTML version of this report" in page
    printed = render.without_screen_only(page)
    assert 'class="screen-only"' not in printed
    omitted = re.findall(r'<div class="screen-only" data-print-omit>.*?<!-- end print-omit -->', page, re.S)
    assert printed.count("<tr") == sum(
        part.count("<tr") - part.count('<tr class="screen-only">')
        for part in re.split(
            r'<div class="screen-only" data-print-omit>.*?<!-- end print-omit -->', page, flags=re.S
        )
    )
    assert "<caption>" in printed
    assert printed.count("<table") == page.count("<table") - sum(o.count("<table") for o in omitted)


def test_print_leaves_the_tables_of_every_criterion_to_the_html_and_the_exports(data) -> None:
    page = render.render_html(data, "en")
    annex = page[page.index('<section id="annex-indicators"') : page.index('<section id="methodology"')]
    omitted = re.findall(r'<div class="screen-only" data-print-omit>.*?<!-- end print-omit -->', annex, re.S)
    assert omitted and all("<table" in o for o in omitted)  # the HTML keeps them, print CSS hides them
    printed = render.without_screen_only(page)
    printed_annex = printed[printed.index('<section id="annex-indicators"') :]
    printed_annex = printed_annex[: printed_annex.index('<section id="methodology"')]
    assert "<table" not in printed_annex
    # One sentence per table, naming it, says where it is; the body's tables are all printed.
    sentence = (
        "every criterion: this table is in the HTML version of this report and in the CSV, XLSX and JSON"
    )
    assert printed_annex.count(sentence) == len(omitted)
    assert f"{t('section.by_site', 'en')}, {sentence}" in printed_annex
    body = page[: page.index('<section id="annexes"')]
    assert "data-print-omit" not in body
    assert render.without_screen_only(body).count("<table") == body.count("<table")


_PDF_IN_A_FRESH_PROCESS = """
import sys
from pathlib import Path
from sobre.reporting import render
from sobre.reporting.data import build_report_data
from tests.reporting.tiny import tiny_inputs

mode, out = sys.argv[1], Path(sys.argv[2])
if mode != "cold":
    thread = render.warm_pdf()
    assert thread.daemon and render.warm_pdf() is thread  # once per process
data = build_report_data(tiny_inputs())
if mode == "warm":
    thread.join()
# "during": the PDF is asked for while the warm-up may still be running; it waits for it.
render.write_pdf(data, "fr", out)
"""


def test_pdf_made_after_warming_is_the_same(tmp_path: Path) -> None:
    import sys

    root = Path(__file__).resolve().parents[2]
    pdfs = {}
    for mode in ("cold", "warm", "during"):
        pdfs[mode] = tmp_path / f"{mode}.pdf"
        subprocess.run(
            [sys.executable, "-c", _PDF_IN_A_FRESH_PROCESS, mode, str(pdfs[mode])],
            cwd=root,
            check=True,
            timeout=300,
        )
    cold = pdfs["cold"].read_bytes()
    assert cold.startswith(b"%PDF")
    # WeasyPrint writes no date here and derives the file's /ID from its content: the same bytes.
    assert pdfs["warm"].read_bytes() == cold
    assert pdfs["during"].read_bytes() == cold


def test_the_stylesheet_is_parsed_apart_only_when_nothing_depends_on_the_page() -> None:
    page = "<html><head><style>p { color: red }</style></head><body><p>x</p></body></html>"
    printed, sheets = pdf.lift_style(page)
    assert "<style>" not in printed and sheets is not None and len(sheets) == 1
    assert pdf.lift_style(page)[1][0] is sheets[0]  # parsed once per process
    for other in (
        page.replace("red }", "red !important }"),
        page.replace("</head>", '<link rel="stylesheet" href="a.css"></head>'),
        page.replace("</head>", "<style>p { color: blue }</style></head>"),
        page.replace("p { color: red }", "@font-face { font-family: x; src: url(x.woff) }"),
    ):
        assert pdf.lift_style(other) == (other, None)
