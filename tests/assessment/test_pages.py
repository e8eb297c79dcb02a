"""The assessment pages through HTTP: referentials, filling an RGESN assessment with evidence, review by
role, scores, declarations, the XLSX round trip, the RGAA sample, maturity rounds compared over time."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sobre.assessment import service as svc
from sobre.assessment import store
from sobre.core.db import session_scope
from sobre.inventory import services
from tests.web.harness import World, build_world, csrf_from

ORG = "Commune A"
SERVICE = "Portail famille"


@pytest.fixture
def web(db_url: str, tmp_path: Path, data_dir: Path) -> Iterator[World]:
    """The web world (two organisations, one member per role), a digital service and the official files."""
    w = build_world(db_url, tmp_path / "home")
    with session_scope(db_url) as s:
        services.create(s, ORG, SERVICE, url="https://famille.example.org")
        store.install_file(s, "rgesn", data_dir / "rgesn-2024.json")
        store.install_file(s, "rgaa", data_dir / "rgaa-4.1.2-criteres.json")
    yield w
    w.close()


@pytest.fixture
def sqlite_web(sqlite_url: str, tmp_path: Path, data_dir: Path) -> Iterator[World]:
    w = build_world(sqlite_url, tmp_path / "home")
    with session_scope(sqlite_url) as s:
        services.create(s, ORG, SERVICE, url="https://famille.example.org")
        store.install_file(s, "rgesn", data_dir / "rgesn-2024.json")
        store.install_file(s, "rgaa", data_dir / "rgaa-4.1.2-criteres.json")
    yield w
    w.close()


def post(client, path: str, data: dict, files: dict | None = None):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/account").text)
    return client.post(path, data={"csrf_token": token, **data}, files=files)


def main_of(html: str) -> str:
    """The page's main content (the layout's menus left out)."""
    return html[html.index("<main") : html.index("</main>")]


def start(w: World, client, referential: str, service: str = SERVICE, **extra: str) -> int:  # type: ignore[no-untyped-def]
    r = post(
        client,
        w.a_url("/assessments"),
        {"referential": referential, "service": service, "assessed_on": "2026-03-01", **extra},
    )
    assert r.status_code == 303, main_of(r.text)
    return int(re.search(r"/assessments/(\d+)", r.headers["location"]).group(1))


def answers_of(w: World, assessment_id: int) -> dict[str, svc.AnswerView]:
    with session_scope(w.url) as s:
        return {a.item_id + (f"@{a.page}" if a.page else ""): a for a in svc.answers(s, ORG, assessment_id)}


def test_referential_pages_show_content_with_licence_and_attribution(sqlite_web: World) -> None:
    w = sqlite_web
    viewer = w.client("viewer")
    listing = main_of(viewer.get(w.a_url("/referentials")).text)
    assert "CC BY-SA 4.0" in listing and "Licence Ouverte" in listing and "sobre-maturity 1.0" in listing
    assert "78 éléments en 9 thématiques" in listing and "106 éléments en 13 thématiques" in listing
    theme = main_of(viewer.get(w.a_url("/referentials/rgesn/2024?theme=4")).text)
    assert theme.count('href="/o/1/referentials/rgesn/2024/items/4.') == 15
    assert "Arcep, Arcom, ADEME – Référentiel général de l’écoconception" in theme
    item = viewer.get(w.a_url("/referentials/rgesn/2024/items/1.1"), headers={"accept-language": "en"})
    english = main_of(item.text)
    # The criterion is quoted in French, and marked so, in an English page.
    assert '<h1>1.1 — <span lang="fr">Le service numérique a-t-il été évalué favorablement' in english
    assert '<section lang="fr"' in english and ">Objective</h2>" in english and "How it is checked" in english
    assert 'href="https://sdgs.un.org/fr/goals"' in english  # the referential's own links stay links
    assert "Licensed under CC BY-SA 4.0" in english
    assert viewer.get(w.a_url("/referentials/rgesn/2019")).status_code == 404
    assert viewer.get(w.a_url("/referentials/rgesn/2024/items/99.9")).status_code == 404


def test_an_installation_administrator_installs_a_referential_from_a_page(
    sqlite_web: World, data_dir: Path
) -> None:
    w = sqlite_web
    root = w.client("installation-admin")
    assert "Installer un référentiel" in root.get("/admin/referentials").text
    wrong = post(
        root,
        "/admin/referentials",
        {"name": "rgesn"},
        files={"file": ("criteres.json", (data_dir / "rgaa-4.1.2-criteres.json").read_bytes())},
    )
    assert wrong.status_code == 422 and 'id="f-file-error"' in wrong.text
    assert "criteres.json" in wrong.text and "/tmp" not in main_of(wrong.text)
    good = post(
        root,
        "/admin/referentials",
        {"name": "gbpnr"},
        files={"file": ("guide.json", (data_dir / "gbpnr-v1.json").read_bytes())},
    )
    assert good.status_code == 303
    assert "59" in root.get("/admin/referentials").text
    with session_scope(w.url) as s:
        assert [r["items"] for r in store.list_referentials(s) if r["code"] == "gbpnr"] == [59]
    # An organisation's administrator is not an installation administrator.
    assert w.client("admin").get("/admin/referentials").status_code == 403


def test_a_referent_fills_an_rgesn_assessment_and_a_manager_validates_it(web: World) -> None:
    w = web
    referent = w.client("referent")
    new = referent.get(w.a_url("/assessments/new"))
    assert new.status_code == 200 and 'name="referential"' in new.text
    missing = post(
        referent, w.a_url("/assessments"), {"referential": "rgesn@2024", "assessed_on": "2026-03-01"}
    )
    assert missing.status_code == 422 and 'id="f-service-error"' in missing.text
    bad_target = post(
        referent,
        w.a_url("/assessments"),
        {"referential": "rgesn@2024", "service": SERVICE, "assessed_on": "2026-03-01", "target_score": "140"},
    )
    assert bad_target.status_code == 422 and 'id="f-target_score-error"' in bad_target.text
    a = start(w, referent, "rgesn@2024", target_score="70", target_date="2027-06-30")
    grid = w.a_url(f"/assessments/{a}/answer")
    page = referent.get(grid + "?theme=1")
    assert page.status_code == 200 and page.text.count('name="answer-1.') == 10

    # One refused answer and nothing of the form is saved; the message sits beside the criterion.
    refused = post(
        referent,
        grid,
        {
            "theme": "1",
            "answer-1.1": "not_applicable",
            "evidence-1.1": "Pas concerné",
            "answer-1.2": "in_progress",
        },
    )
    assert refused.status_code == 422
    assert 'id="f-answer-1.1-error"' in refused.text and "applicable à tous les services" in refused.text
    assert 'aria-invalid="true"' in refused.text and 'href="#f-answer-1.1"' in refused.text
    assert answers_of(w, a) == {}
    no_proof = post(referent, grid, {"theme": "1", "answer-1.1": "validated"})
    assert no_proof.status_code == 422 and "demandent une preuve" in no_proof.text

    saved = post(
        referent,
        grid,
        {
            "theme": "1",
            "answer-1.1": "validated",
            "evidence-1.1": "Étude d’utilité du 12 février",
            "answer-1.2": "in_progress",
            "comment-1.2": "Atelier prévu",
            "next": "1",
        },
    )
    assert saved.status_code == 303 and "theme=2" in saved.headers["location"]
    got = answers_of(w, a)
    assert got["1.1"].status == "validated" and got["1.1"].answered_by == "referent@a.example.org"
    assert [e.text for e in got["1.1"].evidence] == ["Étude d’utilité du 12 février"]
    assert got["1.2"].comment == "Atelier prévu" and set(got) == {"1.1", "1.2"}

    # One criterion in full: its texts, a link and a file as evidence.
    item = w.a_url(f"/assessments/{a}/items/1.3")
    assert "Moyen de test ou de contrôle" in referent.get(item).text
    bad_link = post(referent, item, {"answer-1.3": "validated", "link-1.3": "intranet/etude"})
    assert bad_link.status_code == 422 and 'id="f-link-1.3-error"' in bad_link.text
    pdf = b"%PDF-1.4 etude de sobriete"
    r = post(
        referent,
        item,
        {"answer-1.3": "validated", "link-1.3": "https://intranet.example.org/etude"},
        files={"file-1.3": ("C:\\fakepath\\étude.pdf", pdf, "application/pdf")},
    )
    assert r.status_code == 303
    evidence = answers_of(w, a)["1.3"].evidence
    assert [(e.kind, e.file_name) for e in evidence] == [("link", None), ("file", "étude.pdf")]
    viewer = w.client("viewer")
    download = viewer.get(w.a_url(f"/assessments/{a}/evidence/{evidence[1].id}"))
    assert download.content == pdf and download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%C3%A9tude.pdf" in download.headers["content-disposition"]

    # A viewer reads the answers but gets no form, and may not post one.
    read_only = viewer.get(grid + "?theme=1").text
    assert 'name="answer-1.1"' not in read_only and "Validé" in main_of(read_only)
    assert post(viewer, grid, {"theme": "1", "answer-1.4": "validated"}).status_code == 403

    # Review: the referent submits but does not validate; the manager validates knowingly.
    assert post(referent, w.a_url(f"/assessments/{a}/submit"), {}).status_code == 303
    assert post(referent, w.a_url(f"/assessments/{a}/validate"), {"incomplete": "1"}).status_code == 403
    manager = w.client("manager")
    overview = manager.get(w.a_url(f"/assessments/{a}")).text
    assert 'name="incomplete"' in overview and "75 élément(s) ne sont pas renseignés" in overview
    blocked = post(manager, w.a_url(f"/assessments/{a}/validate"), {})
    assert blocked.status_code == 422 and "75 élément(s) ne sont pas encore renseignés" in blocked.text
    assert post(manager, w.a_url(f"/assessments/{a}/return"), {"reason": " "}).status_code == 422
    assert post(manager, w.a_url(f"/assessments/{a}/validate"), {"incomplete": "1"}).status_code == 303
    with session_scope(w.url) as s:
        view = svc.get(s, ORG, a)
        expected = svc.scores(s, ORG, a)["overall"]
        trail = [(e["action"], e["by"], e["role"]) for e in svc.events(s, ORG, a)]
    assert view.status == "validated" and view.validated_by == "manager@a.example.org"
    assert ("submit", "referent@a.example.org", "referent") in trail
    assert ("validate", "manager@a.example.org", "manager") in trail

    # Scores: each figure with its range and status; the chart followed by its table.
    scores = main_of(viewer.get(w.a_url(f"/assessments/{a}/scores")).text)
    shown = f"{expected['value']:.1f}".replace(".", ",")
    assert f"<strong>{shown}&nbsp;%</strong>" in scores and "d’après les réponses données" in scores
    assert scores.count("<svg") == 2 and scores.count('<table class="data">') == 2
    assert "Figé à la validation" in scores

    # Declarations, in French and English, with the referential's attribution.
    for lang, words in (("fr", "Déclaration d’écoconception"), ("en", "Eco-design declaration")):
        doc = viewer.get(w.a_url(f"/assessments/{a}/declaration?format=html&lang={lang}"))
        assert doc.status_code == 200 and doc.headers["content-disposition"].startswith("attachment;")
        assert words in doc.text and "Arcep, Arcom, ADEME" in doc.text and "CC BY-SA 4.0" in doc.text
    docx = viewer.get(w.a_url(f"/assessments/{a}/declaration?format=docx&lang=en"))
    assert docx.content[:2] == b"PK"
    assert viewer.get(w.a_url(f"/assessments/{a}/declaration?format=odt")).status_code == 422
    # The answers are frozen now.
    late = post(referent, grid, {"theme": "2", "answer-2.1": "in_progress"})
    assert late.status_code == 409 and "2.1" not in answers_of(w, a)


def test_the_xlsx_export_and_import_round_trip_through_the_pages(sqlite_web: World) -> None:
    w = sqlite_web
    referent = w.client("referent")
    a = start(w, referent, "rgesn@2024")
    post(
        referent,
        w.a_url(f"/assessments/{a}/answer"),
        {
            "theme": "2",
            "answer-2.1": "validated",
            "evidence-2.1": "Revue de code",
            "answer-2.2": "not_validated",
        },
    )
    before = answers_of(w, a)
    exported = referent.get(w.a_url(f"/assessments/{a}/export?lang=fr"))
    assert exported.headers["content-disposition"].startswith('attachment; filename="evaluation-')
    same = post(
        referent,
        w.a_url(f"/assessments/{a}/import"),
        {},
        files={"file": ("réponses.xlsx", exported.content)},
    )
    assert same.status_code == 303
    after = answers_of(w, a)
    assert {k: (v.status, v.answered_by, v.answered_at) for k, v in after.items()} == {
        k: (v.status, v.answered_by, v.answered_at) for k, v in before.items()
    }

    # A malformed workbook: every problem listed with sheet, row and column, nothing imported.
    wb = load_workbook(io.BytesIO(exported.content))
    sheet = wb["Answers"]
    sheet["A3"] = "99.9"  # an unknown criterion
    status_column = [c.value for c in sheet[1]].index("Statut") + 1
    sheet.cell(4, status_column).value = "Peut-être"
    buffer = io.BytesIO()
    wb.save(buffer)
    refused = post(
        referent, w.a_url(f"/assessments/{a}/import"), {}, files={"file": ("rempli.xlsx", buffer.getvalue())}
    )
    assert refused.status_code == 422
    rows = re.findall(r"<tr><th scope=\"row\">(\w+)</th><td>(\d*)</td><td>([^<]*)</td>", refused.text)
    assert ("Answers", "3", "Critère") in rows or ("Answers", "3", "item") in rows, rows
    assert any(r[0] == "Answers" and r[1] == "4" for r in rows), rows
    assert answers_of(w, a).keys() == before.keys()
    wrong_sheet = load_workbook(io.BytesIO(exported.content))
    wrong_sheet["Answers"].title = "Réponses"
    buffer = io.BytesIO()
    wrong_sheet.save(buffer)
    missing = post(
        referent, w.a_url("/assessments/import"), {"new": "1"}, files={"file": ("x.xlsx", buffer.getvalue())}
    )
    assert missing.status_code == 422 and "Answers" in missing.text
    with session_scope(w.url) as s:
        assert len(svc.list_assessments(s, ORG)) == 1  # the new assessment was rolled back too
    junk = post(referent, w.a_url("/assessments/import"), {}, files={"file": ("x.xlsx", b"not a workbook")})
    assert junk.status_code == 422 and "XLSX" in junk.text
    assert post(referent, w.a_url("/assessments/import"), {}).status_code == 422
    # The same workbook imported as a new assessment.
    copy = post(
        referent, w.a_url("/assessments/import"), {"new": "1"}, files={"file": ("x.xlsx", exported.content)}
    )
    assert copy.status_code == 303
    with session_scope(w.url) as s:
        assert len(svc.list_assessments(s, ORG)) == 2


def test_an_rgaa_audit_sample_derogation_and_answers_per_page(sqlite_web: World) -> None:
    w = sqlite_web
    referent = w.client("referent")
    a = start(w, referent, "rgaa@4.1.2")
    assert "ajoutez d’abord les pages" in referent.get(w.a_url(f"/assessments/{a}/answer")).text
    sample = w.a_url(f"/assessments/{a}/pages")
    assert post(referent, sample, {"code": "P01", "title": "Accueil", "url": "ftp://x"}).status_code == 422
    for code, title, process in (
        ("P01", "Accueil", ""),
        ("P02", "Étape 1", "Inscription"),
        ("P03", "Étape 2", "Inscription"),
    ):
        assert post(referent, sample, {"code": code, "title": title, "process": process}).status_code == 303
    derogation = w.a_url(f"/assessments/{a}/derogations")
    unjustified = post(
        referent, derogation, {"kind": "burden", "content": "Archives PDF", "criteria": "13.3"}
    )
    assert unjustified.status_code == 422 and 'id="f-justification-error"' in unjustified.text
    unknown = post(
        referent,
        derogation,
        {"kind": "burden", "content": "Archives PDF", "criteria": "13.99", "justification": "900 fichiers"},
    )
    assert unknown.status_code == 422 and "13.99" in unknown.text
    ok = post(
        referent,
        derogation,
        {
            "kind": "burden",
            "content": "Archives PDF",
            "criteria": "13.3",
            "justification": "900 fichiers",
            "alternative": "Version texte sur demande",
        },
    )
    assert ok.status_code == 303
    page = referent.get(w.a_url(f"/assessments/{a}/sample")).text
    assert "Archives PDF" in page and "Inscription" in page
    grid = w.a_url(f"/assessments/{a}/answer")
    assert 'aria-current="page">P02' in referent.get(grid + "?page=P02&theme=1").text
    r = post(referent, grid, {"theme": "1", "page": "P02", "answer-1.1": "NC", "answer-1.2": "C"})
    assert r.status_code == 303 and "page=P02" in r.headers["location"]
    post(referent, grid, {"theme": "1", "page": "P03", "answer-1.1": "C", "answer-1.2": "C"})
    got = answers_of(w, a)
    assert got["1.1@P02"].status == "NC" and got["1.1@P03"].status == "C"
    assert post(referent, grid, {"theme": "1", "page": "P09", "answer-1.1": "C"}).status_code == 422
    with session_scope(w.url) as s:
        result = svc.score(s, ORG, a)
    assert result.rgaa is not None
    # 1.1 fails on P02, so on every page of the process: P03 too, and it is not met overall.
    assert next(c for c in result.rgaa.criteria if c.item_id == "1.1").failing_pages == ["P02", "P03"]
    scores = main_of(referent.get(w.a_url(f"/assessments/{a}/scores")).text)
    assert "Taux par page de l’échantillon" in scores and "P02 Étape 1" in scores


def test_maturity_rounds_recommendations_comparison_and_history(sqlite_web: World) -> None:
    w = sqlite_web
    referent, manager = w.client("referent"), w.client("manager")
    # The organisation's maturity: no digital service.
    refused = post(
        referent,
        w.a_url("/assessments"),
        {"referential": "sobre-maturity@1.0", "service": SERVICE, "assessed_on": "2025-03-01"},
    )
    assert refused.status_code == 422 and 'id="f-service-error"' in refused.text
    first = start(w, referent, "sobre-maturity@1.0", service="", assessed_on="2025-03-01")
    grid = w.a_url(f"/assessments/{first}/answer")
    assert 'name="target-a1"' in referent.get(grid).text
    post(
        referent,
        grid,
        {"theme": "a", "answer-a1": "1", "answer-a2": "3", "target-a2": "4", "answer-a3": "na"},
    )
    comment_only = post(referent, grid, {"theme": "a", "comment-a4": "Pas encore regardé"})
    assert comment_only.status_code == 422 and 'id="f-answer-a4-error"' in comment_only.text
    unrate = post(referent, grid, {"theme": "a", "answer-a1": ""})
    assert unrate.status_code == 422 and "ne peut pas être retirée" in unrate.text
    got = answers_of(w, first)
    assert (got["a1"].level, got["a2"].target_level, got["a3"].status) == (1, 4, "na")
    recommendations = main_of(referent.get(w.a_url(f"/assessments/{first}/recommendations")).text)
    assert recommendations.index(">a1 —") < recommendations.index(">a2 —")  # larger gap first
    assert "Indicateurs possibles" in recommendations and "Rôle pilote" in recommendations
    post(referent, w.a_url(f"/assessments/{first}/submit"), {})
    post(manager, w.a_url(f"/assessments/{first}/validate"), {"incomplete": "1"})
    overview = referent.get(w.a_url(f"/assessments/{first}")).text
    assert f'href="/o/{w.a}/assessments/new?previous={first}"' in overview
    assert 'id="radar"' in overview and "Maturité par domaine" in overview
    form = referent.get(w.a_url(f"/assessments/new?previous={first}")).text
    assert f'<option value="{first}" selected>' in form
    second = start(
        w, referent, "sobre-maturity@1.0", service="", assessed_on="2026-03-01", previous=str(first)
    )
    assert answers_of(w, second)["a1"].level == 1  # carried over
    post(referent, w.a_url(f"/assessments/{second}/answer"), {"theme": "a", "answer-a1": "3"})
    compare = main_of(referent.get(w.a_url(f"/assessments/compare?first={first}&second={second}")).text)
    assert "Réponses modifiées : 1" in compare and "<svg" in compare
    assert re.search(r"<th scope=\"row\">a1</th><td>—</td><td>1 – [^<]+</td><td>3 – [^<]+</td>", compare)
    assert referent.get(w.a_url(f"/assessments/compare?first={first}&second={first}")).status_code == 422
    rgesn = start(w, referent, "rgesn@2024")
    kinds = referent.get(w.a_url(f"/assessments/compare?first={first}&second={rgesn}"))
    assert kinds.status_code == 422 and "même type" in kinds.text
    history = main_of(referent.get(w.a_url("/assessments/history?kind=maturity")).text)
    assert 'id="history"' in history and "2025-03-01" in history and "2026-03-01" in history
    listing = main_of(referent.get(w.a_url("/assessments?kind=maturity&sort=date")).text)
    assert listing.index(f'/assessments/{first}"') < listing.index(f'/assessments/{second}"')
    assert f'/assessments/{rgesn}"' not in listing


def test_details_are_set_by_the_form_and_read_by_the_declaration(sqlite_web: World) -> None:
    w = sqlite_web
    referent = w.client("referent")
    a = start(w, referent, "rgesn@2024")
    details = w.a_url(f"/assessments/{a}/details")
    assert 'name="referent"' in referent.get(details).text
    bad = post(referent, details, {"target_score": "cent", "target_date": "demain"})
    assert (
        bad.status_code == 422
        and 'id="f-target_score-error"' in bad.text
        and 'id="f-target_date-error"' in bad.text
    )
    ok = post(
        referent,
        details,
        {
            "referent": "Claire Dupont",
            "target_score": "65,5",
            "target_date": "2027-06-30",
            "sample": "Accueil",
        },
    )
    assert ok.status_code == 303
    with session_scope(w.url) as s:
        assert svc.get(s, ORG, a).details == {
            "referent": "Claire Dupont",
            "target_score": 65.5,
            "target_date": "2027-06-30",
            "sample": "Accueil",
            "evaluator": "",
            "plan": "",
            "review_frequency": "",
        }
    doc = referent.get(w.a_url(f"/assessments/{a}/declaration?format=html&lang=fr")).text
    assert "Claire Dupont" in doc and "30 juin 2027" in doc
    # A viewer reads them, and cannot change them.
    viewer = w.client("viewer")
    assert "Claire Dupont" in viewer.get(details).text and 'method="post"' not in main_of(
        viewer.get(details).text
    )
    assert post(viewer, details, {"referent": "X"}).status_code == 403


def test_menu_permissions_and_the_list_by_role(sqlite_web: World) -> None:
    w = sqlite_web
    table = w.app.state.sobre.permissions
    assert table.get("assessment.answer").roles == {"admin", "manager", "referent"}
    assert table.get("assessment.validate").roles == {"admin", "manager"}
    assert table.get("assessment.view").roles == {"admin", "manager", "technician", "referent", "viewer"}
    viewer, referent = w.client("viewer"), w.client("referent")
    home = viewer.get(w.a_url("/")).text
    assert f'href="/o/{w.a}/assessments"' in home and f'href="/o/{w.a}/referentials"' in home
    assert "Lancer une évaluation" not in viewer.get(w.a_url("/assessments")).text
    assert viewer.get(w.a_url("/assessments/new")).status_code == 403
    assert "Lancer une évaluation" in referent.get(w.a_url("/assessments")).text
    a = start(w, referent, "rgesn@2024")
    assert "Supprimer" not in main_of(referent.get(w.a_url(f"/assessments/{a}")).text)
    assert post(referent, w.a_url(f"/assessments/{a}/delete"), {}).status_code == 403
    # Another organisation's members do not see it at all.
    assert w.client("b-admin").get(w.a_url(f"/assessments/{a}")).status_code == 404
    assert post(w.client("manager"), w.a_url(f"/assessments/{a}/delete"), {}).status_code == 303
    with session_scope(w.url) as s:
        assert svc.list_assessments(s, ORG) == []
