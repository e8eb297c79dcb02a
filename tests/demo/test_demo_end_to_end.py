"""``sobre demo`` end to end: a report a person can open, whose figures equal the engine's stored results."""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sobre.cli import app
from sobre.demo.town import ORG_NAME
from sobre.footprint.runs.queries import breakdown


@pytest.fixture(scope="module")
def demo(demo_town, demo_town_output: str) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """``sobre demo --lang fr``, run once for the whole test run (``demo_town``): these tests only read it."""
    return {"home": demo_town.home, "out": demo_town.out, "output": demo_town_output}  # type: ignore[dict-item]


def test_prints_where_the_report_is(demo) -> None:
    out = demo["out"]
    text = " ".join(str(demo["output"]).split())
    assert (out / "diagnostic-fr.html").as_uri() in text.replace(" ", "") or "file://" in text
    for name in (
        "diagnostic-fr.html",
        "diagnostic-en.html",
        "diagnostic-fr.pdf",
        "diagnostic-en.pdf",
        "diagnostic-resultats.csv",
        "diagnostic-resultats.xlsx",
        "diagnostic-resultats.json",
        "diagnostic-elements.csv",
    ):
        assert (out / name).stat().st_size > 1000, name


def test_defects_land_in_rejects(demo) -> None:
    rejects = sorted((demo["home"] / "rejects").glob("*.csv"))
    assert [p.name for p in rejects] == [
        "03-glpi-parc-utilisateurs.rejects.csv",
        "04-serveurs-reseau.rejects.csv",
        "05-machines-virtuelles.rejects.csv",
    ]
    text = "".join(p.read_text(encoding="utf-8-sig") for p in rejects)
    for reason in (
        "not a valid date",
        "not a plausible date",
        "more than once",
        "not a number",
        "greater than 0",
        "esx-999",
    ):
        assert reason in text, reason
    payload = json.loads((demo["out"] / "diagnostic-resultats.json").read_text(encoding="utf-8"))
    assert payload["quality"]["rows_rejected"] == 7


def test_report_figures_equal_the_engine_results(demo) -> None:
    url = f"sqlite:///{demo['home'] / 'sobre.db'}"
    payload = json.loads((demo["out"] / "diagnostic-resultats.json").read_text(encoding="utf-8"))
    totals = {r["key"]: r for r in breakdown(url, ORG_NAME, "criterion")}
    assert {t["criterion"] for t in payload["totals"]} == set(totals)
    for tot in payload["totals"]:
        ref = totals[tot["criterion"]]
        assert tot["total"]["value"] == pytest.approx(ref["value"], rel=1e-9)
        assert tot["total"]["unknown"] == ref["unknown"]
    primary = payload["primary"]
    for by in ("stage", "category", "site", "application"):
        expected = {
            "" if r["key"] is None else str(r["key"]): r["value"]
            for r in breakdown(url, ORG_NAME, by, criterion=primary)
        }
        got = {r["key"]: r["value"] for r in payload["breakdowns"][by]["rows"] if r["criterion"] == primary}
        assert got.keys() == expected.keys(), by
        for key, value in expected.items():
            # An all-unknown group is unknown (None) on both sides, never 0.
            assert (got[key] is None) == (value is None), (by, key)
            if value is not None:
                assert got[key] == pytest.approx(value, rel=1e-9), (by, key)
    # The town's shape shows in the figures: ~1,100 agents, idle hosts found, recommendations with effects.
    assert payload["organisation"]["employees"] == 1100 and payload["organisation"]["inhabitants"] == 60_000
    assert payload["idle"]["hosts_with_vms"] >= 30
    # Storage arrays carry volumes, not VMs: they are no idle hosts, and every hotspot is named once.
    assert not any(h["host"].startswith("baie") for h in payload["idle"]["hosts"])
    names = [h["name"] for h in payload["hotspots"]]
    assert len(names) == len(set(names)) and all(h["item_kind"] != "idle" for h in payload["hotspots"])
    # Eight quantified recommendations on the usual levers, and a combined figure that adds no overlap.
    keys = {r["key"] for r in payload["recommendations"]}
    assert keys == {
        "lifetime_extension",
        "refurbished",
        "fewer_devices",
        "servers",
        "switch_off",
        "printing",
        "reuse",
        "purchasing",
    }
    assert all(r["avoided"][primary]["value"] > 0 for r in payload["recommendations"])
    assert all(r["cost"] and r["owner"] and r["horizon"] and r["kpi"] for r in payload["recommendations"])
    combined = payload["combined"]["avoided"][primary]["value"]
    assert 0 < combined < sum(r["avoided"][primary]["value"] for r in payload["recommendations"])
    # Departments: the IT department's servers are allocated through their VMs and applications; what
    # nothing identified uses is shared, not the IT department's.
    depts = {d["name"]: d["figure"]["value"] for d in payload["departments"]}
    assert depts[""] > depts["DSI"] and sum(depts.values()) == pytest.approx(
        payload["totals"][0]["total"]["value"]
    )
    # The fleet: ages, items past their default lifetime, non-virtualised servers.
    fleet = payload["fleet"]
    assert fleet["past_default"]["desktop"] > 0 and fleet["plain_servers"] > 0
    assert sum(sum(b["counts"].values()) for b in fleet["age_bands"]) == pytest.approx(
        sum(fleet["units"].values())
    )


def test_old_items_cloud_and_projectors_in_the_run(demo) -> None:
    import polars as pl

    from sobre.footprint.runs.service import latest_run, load_run

    url = f"sqlite:///{demo['home'] / 'sobre.db'}"
    meta = latest_run(url, ORG_NAME)
    assert meta is not None
    _, result = load_run(url, meta.id)
    items = result.items
    old = items.filter((pl.col("item_kind") == "equipment") & (pl.col("lifetime_method") == "age"))
    assert old.height > 100 and (old["lifetime_years"] >= old["age_years"] - 1e-9).all()
    cloud = items.filter(pl.col("item_kind") == "cloud")
    assert set(cloud["category"]) == {"cloud_instance"} and cloud["site_id"].null_count() == 0
    projectors = items.filter(pl.col("name") == "Vidéoprojecteurs écoles")
    assert projectors["factor_ref"].item() == "projector"
    backup = items.filter(pl.col("name") == "sauvegarde-externalisee")
    assert (backup["category"].item(), backup["factor_ref"].item()) == ("cloud_storage", "storage_gb:hdd")
    climate = result.impacts.filter(
        (pl.col("item_kind") == "storage")
        & (pl.col("item_id") == backup["item_id"].item())
        & (pl.col("criterion") == "climate_change")
    )
    assert climate.height == 4 and climate["value"].null_count() == 0  # a per-TB factor, not unknown
    with (demo["out"] / "diagnostic-elements.csv").open(encoding="utf-8-sig") as fh:
        header = fh.readline()
    assert "source" in header and "status" in header and "stage" in header


def test_html_and_pdf_show_the_total(demo) -> None:
    payload = json.loads((demo["out"] / "diagnostic-resultats.json").read_text(encoding="utf-8"))
    total = payload["totals"][0]["total"]["value"]
    tonnes = f"{round(total / 1000):,.0f}"
    html = (demo["out"] / "diagnostic-fr.html").read_text(encoding="utf-8")
    assert f"≈ {tonnes} t CO₂e" in html and "Ville de Sobreville" in html
    assert f"≈ {tonnes} t CO₂e" in (demo["out"] / "diagnostic-en.html").read_text(encoding="utf-8")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = demo["out"] / "diagnostic-fr.pdf"
    pages = int(
        re.search(
            r"Pages:\s+(\d+)",
            subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout,
        ).group(1)
    )
    assert pages >= 10
    for lang in ("fr", "en"):
        info = subprocess.run(
            ["pdfinfo", str(demo["out"] / f"diagnostic-{lang}.pdf")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert re.search(r"Tagged:\s+yes", info), info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.replace("\u202f", " ").split())
    assert f"≈ {tonnes} t CO₂e" in flat
    for needle in (
        "Premières recommandations",
        "REEN",
        "Périmètre",
        "Hors périmètre",
        "Comparaisons",
        "WeNR",
        "Pyramide des âges",
        "Toutes ensemble",
        "Période de référence",
        "Avertissements du calcul",
    ):
        assert needle in flat, needle
    # No English engine warning in the French PDF: every warning is a code translated when shown.
    from sobre.core.i18n import read_catalogue
    from sobre.footprint.engine.messages import KEY_PREFIX

    english = read_catalogue(
        Path(__file__).resolve().parents[2] / "src/sobre/footprint/locale/en/LC_MESSAGES/footprint.po"
    )
    for key, message in english.items():
        if key.startswith(KEY_PREFIX):
            fragment = max(re.split(r"\{[^}]*\}", message), key=len).strip(" :()'")
            assert len(fragment) < 12 or fragment not in flat, (key, fragment)
    assert "refurbished_factor:" not in flat and "footprint.warn" not in flat


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_section_in_both_languages(demo, lang: str) -> None:
    from sobre.core.i18n import t
    from tests.reporting.test_render import SECTIONS

    html = html_lib.unescape((demo["out"] / f"diagnostic-{lang}.html").read_text(encoding="utf-8"))
    assert f'<html lang="{lang}">' in html
    for key in SECTIONS:
        assert f">{t(key, lang)}<" in html, key
    assert len(re.findall(r"<svg\b", html)) >= 6


def test_refuses_a_real_workspace(tmp_path: Path) -> None:
    home = tmp_path / "real"
    home.mkdir()
    (home / "sobre.db").write_bytes(b"precious")
    res = CliRunner().invoke(app, ["demo", "--home", str(home), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1 and "not a Sobre demo folder" in res.output
    assert (home / "sobre.db").read_bytes() == b"precious"


def test_unknown_language_is_a_clear_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["demo", "--home", str(tmp_path / "h"), "--out", str(tmp_path / "o"), "--lang", "de"]
    )
    assert res.exit_code == 2 and "unsupported language" in res.output
