"""The lifecycle pages through the web application: what each role sees and may do, forms with their
field-level messages, batch imports with their certificate downloadable from each item, refused files that
write nothing, hand-computed AGEC figures shown as the decree says, and the documents' downloads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sobre.core.db import session_scope
from sobre.inventory.importer import import_file
from sobre.lifecycle import service
from sobre.lifecycle.models import Batch, Event
from tests.lifecycle.conftest import pdf_bytes, write_glpi
from tests.web.harness import World, build_world, csrf_from

ORG = "Commune A"


def _inventory(world: World, folder: Path) -> None:
    summary = import_file(
        world.url, ORG, write_glpi(folder), kind="equipment", rejects_dir=folder / "rejects"
    )
    assert summary.rejected == 0


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[World]:
    """Organisations A and B with one member per role; A has the GLPI-shaped inventory (both backends)."""
    w = build_world(db_url, tmp_path / "home")
    _inventory(w, tmp_path)
    yield w
    w.close()


@pytest.fixture
def lite(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    """The same on SQLite only, for page details that do not depend on the backend."""
    w = build_world(sqlite_url, tmp_path / "home")
    _inventory(w, tmp_path)
    yield w
    w.close()


def submit(
    client: TestClient, world: World, page: str, action: str, data: dict[str, Any], files: Any = None
) -> Any:
    """Open ``page`` (for its CSRF token), then post ``data`` to ``action`` as the browser would."""
    token = csrf_from(client.get(world.a_url(page)).text)
    return client.post(world.a_url(action), data={"csrf_token": token, **data}, files=files)


def item_id(world: World, name: str) -> int:
    with session_scope(world.url) as s:
        return int(s.execute(sa.text("select id from equipment where name = :n"), {"n": name}).scalar_one())


def events(world: World) -> int:
    with session_scope(world.url) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Event)) or 0


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u202f", " ").replace("&#39;", "'").split())


# ------------------------------------------------------------------------------------------ who sees what


def test_a_viewer_reads_every_part_and_is_offered_no_form(lite: World) -> None:
    viewer = lite.client("viewer")
    home = viewer.get(lite.a_url("/"))
    for label in ("Cycle de vie", "Achats", "Fournisseurs", "Chiffres réglementaires", "Veille"):
        assert f">{label}<" in home.text
    for path in ("/lifecycle", "/purchases", "/suppliers", "/regulatory", "/watch", "/regulatory/parameters"):
        page = viewer.get(lite.a_url(path))
        assert page.status_code == 200, path
        assert 'method="post"' not in page.text.replace('action="/sign-out"', "").split("<main", 1)[1], path
    assert viewer.get(lite.a_url("/lifecycle/events/new")).status_code == 403
    technician = lite.client("technician")
    assert "Enregistrer un événement" in technician.get(lite.a_url("/lifecycle")).text
    assert "Ajouter un achat" not in technician.get(lite.a_url("/purchases")).text
    assert technician.get(lite.a_url("/purchases/new")).status_code == 403


# ------------------------------------------------------------------------------------------------ events


def test_an_event_refused_field_by_field_then_recorded_with_its_proof(site: World) -> None:
    tech = site.client("technician")
    form = "/lifecycle/events/new"
    r = submit(
        tech,
        site,
        form,
        "/lifecycle/events",
        {"item": "PC-002", "kind": "recycled", "date": "2025-03-03", "by": "J. Martin"},
    )
    assert r.status_code == 422
    assert 'id="f-counterpart-error"' in r.text and 'id="f-certificate-error"' in r.text
    assert "« recyclé (DEEE) » demande ce champ" in r.text and events(site) == 0
    r = submit(
        tech,
        site,
        form,
        "/lifecycle/events",
        {"item": "NOPE", "kind": "in_service", "date": "2025-01-01", "by": "me"},
    )
    assert r.status_code == 422 and "Aucun matériel de ce nom" in r.text
    r = submit(
        tech,
        site,
        form,
        "/lifecycle/events",
        {"item": "PC-002", "kind": "in_service", "date": "2018-01-01", "by": "me"},
    )
    assert r.status_code == 422 and "avant l'achat du matériel (2019-03-15)" in text_of(r.text)
    fake = ("scan.pdf", b"not a pdf at all", "application/pdf")
    data = {
        "item": "PC-002",
        "kind": "recycled",
        "date": "03/03/2025",
        "by": "J. Martin",
        "counterpart": "Ecosystem",
        "certificate": "CERT-2025-0042",
        "weight_kg": "2,4",
        "approved_body": "yes",
    }
    r = submit(tech, site, form, "/lifecycle/events", data, files={"proof": fake})
    assert r.status_code == 422 and "n'est pas un PDF, PNG ou JPEG" in text_of(r.text) and events(site) == 0
    proof = pdf_bytes("Certificat CERT-2025-0042")
    r = submit(
        tech,
        site,
        form,
        "/lifecycle/events",
        data,
        files={"proof": ("bordereau.pdf", proof, "application/pdf")},
    )
    assert r.status_code == 303, r.text[:2000]
    item = tech.get(r.headers["location"])
    assert "L'événement est enregistré" in text_of(item.text) and "éliminé (recyclé ou détruit)" in item.text
    assert "Poids (kg) : 2,4 kg" in text_of(item.text)
    download = tech.get(site.a_url(f"/lifecycle/items/{item_id(site, 'PC-002')}/certificate"))
    assert download.status_code == 200 and download.content == proof
    assert download.headers["content-type"] == "application/pdf"
    assert 'filename="bordereau.pdf"' in download.headers["content-disposition"]
    assert service.list_events(site.url, ORG, item="PC-002")[0].by == "J. Martin"


BATCH = (
    "Équipement;Événement;Date;Par;Destinataire;Certificat;Poids (kg);Agréé;Commentaire\r\n"
    "PC-002;Recyclé;03/03/2025;J. Martin;Ecosystem;CERT-2025-0042;2,4;oui;collecte « printemps »\r\n"
    "ECR-001;DEEE;03/03/2025;J. Martin;Ecosystem;CERT-2025-0042;5,1;oui;\r\n"
    "UC-OLD;recycle;2025-03-03;J. Martin;Ecosystem;CERT-2025-0042;8;oui;plus de 10 ans\r\n"
).encode("cp1252")


def test_a_batch_imported_with_its_certificate_offers_it_from_each_item(site: World) -> None:
    tech = site.client("technician")
    certificate = pdf_bytes("Certificat de traitement CERT-2025-0042")
    files = {
        "file": ("collecte-mars.csv", BATCH, "text/csv"),
        "certificate": ("CERT-2025-0042.pdf", certificate, "application/pdf"),
    }
    r = submit(tech, site, "/lifecycle/import", "/lifecycle/import", {"batch": "Collecte mars 2025"}, files)
    assert r.status_code == 303, r.text[:3000]
    page = tech.get(r.headers["location"])
    assert "Collecte mars 2025" in page.text and "CERT-2025-0042.pdf" in page.text
    links = re.findall(r'href="(/o/\d+/lifecycle/items/\d+/certificate)"', page.text)
    assert len(links) == 3
    for link in links:
        got = tech.get(link)
        assert got.status_code == 200 and got.content == certificate
    # The batch again: refused, nothing imported twice.
    files["file"] = ("collecte-mars.csv", BATCH, "text/csv")
    r = submit(tech, site, "/lifecycle/import", "/lifecycle/import", {}, {"file": files["file"]})
    assert r.status_code == 422 and "déjà été importé comme lot « Collecte mars 2025 »" in r.text
    assert events(site) == 3


MALFORMED = (
    "item,event,date,by,to,certificate\r\n"
    "PC-002,recycled,2025-03-03,J. Martin,Ecosystem,CERT-1\r\n"
    "ECR-001,recycled,31/02/2025,J. Martin,Ecosystem,CERT-1\r\n"
    "PC-404,donated,2025-03-03,J. Martin,École du Parc,\r\n"
).encode()


def test_a_malformed_file_is_refused_with_row_and_column_and_nothing_is_written(site: World) -> None:
    tech = site.client("technician")
    r = submit(
        tech,
        site,
        "/lifecycle/import",
        "/lifecycle/import",
        {},
        {"file": ("sortie.csv", MALFORMED, "text/csv")},
    )
    assert r.status_code == 422
    text = text_of(r.text)
    assert "Refusé : sortie.csv, ligne 3, colonne « date », valeur « 31/02/2025 »" in text
    assert "Indiquez une date telle que 14/03/2025" in text
    assert "4 item PC-404 Aucun matériel de ce nom dans l'inventaire." in text
    assert "Rien n'a été écrit" in text and str(site.app.state.sobre.settings.home) not in r.text
    with session_scope(site.url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Batch)) == 0
    assert events(site) == 0


def test_a_dry_run_checks_the_file_and_writes_nothing(lite: World) -> None:
    tech = lite.client("technician")
    r = submit(
        tech,
        lite,
        "/lifecycle/import",
        "/lifecycle/import",
        {"dry_run": "1", "batch": "Essai"},
        {"file": ("collecte.csv", BATCH, "text/csv")},
    )
    assert (
        r.status_code == 200
        and "3 événements de 3 matériels seraient importés comme lot « Essai »" in text_of(r.text)
    )
    assert events(lite) == 0


def test_events_list_filters_sorts_and_pages_in_the_database(lite: World) -> None:
    from datetime import date, timedelta

    from sobre.lifecycle.events import EventFacts, Kind

    home = lite.app.state.sobre.settings.home
    for i in range(25):
        service.record_event(
            lite.url,
            home,
            ORG,
            "PC-001",
            EventFacts(Kind.REPAIRED, date(2024, 1, 1) + timedelta(days=i), "tech", cost=10.0 + i),
        )
    service.record_event(
        lite.url, home, ORG, "TEL-001", EventFacts(Kind.REFORMED, date(2025, 2, 1), "dsi", reason="failure")
    )
    viewer = lite.client("viewer")
    first = viewer.get(lite.a_url("/lifecycle"))
    assert "26 entrées · page 1 sur 2" in text_of(first.text)
    assert text_of(first.text).index("01/02/2025") < text_of(first.text).index("25/01/2024")  # newest first
    page2 = viewer.get(lite.a_url("/lifecycle?page=2"))
    assert "01/01/2024" in page2.text and "01/02/2025" not in page2.text
    only = viewer.get(lite.a_url("/lifecycle?kind=reformed&year=2025"))
    assert "1 entrées" in text_of(only.text) and "TEL-001" in only.text
    by_item = viewer.get(lite.a_url("/lifecycle?item=tel&sort=item"))
    assert (
        "TEL-001" in by_item.text and "PC-001" not in by_item.text and 'aria-sort="ascending"' in by_item.text
    )
    item = viewer.get(lite.a_url(f"/lifecycle/items/{item_id(lite, 'TEL-001')}"))
    assert "Motif : panne" in text_of(item.text) and "réformé, en attente de destination" in item.text


# --------------------------------------------------------------------------------- purchases and AGEC

PURCHASES_2024 = [  # the hand-computed organisation of test_regulatory_rates, entered through the form
    ("2024-03-04", "laptop", "10", "800", "new", "purchase", ""),
    ("2024-04-09", "laptop", "5", "400", "refurbished", "purchase", ""),
    ("2024-05-02", "monitor", "2", "150", "new", "purchase", "35"),
    ("2024-06-30", "printer", "1", "500", "new", "purchase", ""),
    ("2024-06-12", "desktop", "3", "100", "reused", "donation", ""),
    ("2024-07-01", "smartphone", "4", "250", "refurbished", "purchase", ""),
    ("2024-09-17", "laptop", "10", "900", "new", "purchase", "0"),
    ("2024-10-03", "desktop", "3", "100", "reused", "donation", ""),
    ("2024-11-20", "tablet", "2", "350", "new", "purchase", "20"),
]


def _enter_purchases(world: World, client: TestClient) -> None:
    for day, category, qty, price, condition, acquisition, recycled in PURCHASES_2024:
        r = submit(
            client,
            world,
            "/purchases/new",
            "/purchases",
            {
                "purchase_date": day,
                "category": category,
                "quantity": qty,
                "unit_price": price,
                "condition": condition,
                "acquisition": acquisition,
                "recycled_content_pct": recycled,
                "supplier": "Reconditio",
                "ecolabels": ["TCO Certified", "EPEAT Gold"],
            },
        )
        assert r.status_code == 303, text_of(r.text)[:1500]


def test_agec_figures_across_the_change_of_decree_as_computed_by_hand(site: World) -> None:
    manager = site.client("manager")
    _enter_purchases(site, manager)
    fr = text_of(manager.get(site.a_url("/regulatory/agec?year=2024")).text)
    # Décret 2021-254 until 30 June: (2 000 reused + 300 recycled) / 10 300 against 20 %: met, even though
    # lines whose recycled content was left empty (unknown) widen the range upwards.
    assert "01/01/2024 – 30/06/2024, sous Décret n° 2021-254" in fr
    assert "22 % fourchette 22 % – 100 % · déclaré 2 300,00 € / 10 300,00 € 20 % oui" in fr
    # Décret 2024-134 from 1 July: reuse 1 300 / 11 000 (the donation counts), recycled content 700 / 11 000.
    assert "12 % · déclaré 1 300,00 € / 11 000,00 € 20 % non" in fr
    assert "6,4 % fourchette 6,4 % – 18 % · déclaré 700,00 € / 11 000,00 € — pas d'objectif fixé" in fr
    # The whole year, each line under the decree of its own date.
    assert "3 300,00 € / 21 300,00 €" in fr and "4 300,00 € / 21 300,00 €" in fr
    manager.cookies.set("sobre_lang", "en")
    en = text_of(manager.get(site.a_url("/regulatory/agec?year=2024")).text)
    assert "2021-01-01" not in en and "2024-07-01 – 2024-12-31, under Décret n° 2024-134" in en
    assert "12% · declared 1,300.00 € / 11,000.00 € 20% no" in en


RETIREMENTS = [  # (item, kind, date, extra facts): the REEN art. 16 organisation, computed by hand below
    ("PC-001", "reformed", "2023-11-02", {"reason": "obsolete"}),
    ("PC-001", "donated", "2024-02-10", {"counterpart": "École du Parc", "reuse_commitment": True}),
    ("PC-002", "reformed", "2023-12-15", {"reason": "failure"}),
    ("PC-002", "recycled", "2024-03-05", {"counterpart": "Ecosystem", "certificate": "C-1"}),
    ("ECR-001", "reformed", "2023-09-09", {"reason": "obsolete"}),
    ("TEL-001", "reformed", "2023-06-01", {"reason": "obsolete"}),
    ("TEL-001", "resold", "2024-08-01", {"price": 40.0, "reuse_commitment": True}),
    ("UC-OLD", "reformed", "2023-05-01", {"reason": "obsolete"}),
    ("UC-OLD", "donated", "2024-01-20", {"counterpart": "Emmaüs Connect", "reuse_commitment": True}),
    ("PC-003", "reformed", "2024-07-01", {"reason": "obsolete"}),
    ("PC-003", "donated", "2024-07-20", {"counterpart": "Collège Jean Moulin", "reuse_commitment": True}),
]


def test_reen_reuse_rate_of_reformed_equipment_as_computed_by_hand(site: World) -> None:
    from datetime import date

    from sobre.lifecycle.events import EventFacts, Kind

    home = site.app.state.sobre.settings.home
    for item, kind, day, extra in RETIREMENTS:
        facts = EventFacts(Kind(kind), date.fromisoformat(day), "dsi", **extra)
        service.record_event(site.url, home, ORG, item, facts)
    viewer = site.client("viewer")
    fr = text_of(viewer.get(site.a_url("/regulatory/agec?year=2024")).text)
    # In stock on 1 January 2024: PC-001, PC-002, ECR-001, TEL-001 (UC-OLD was over ten years old when
    # reformed). Sent to reuse in 2024 with a commitment: PC-001, TEL-001 and PC-003 (reformed in July).
    # 3 / 4 = 75 % against the 2024 minimum of décret 2023-266 (35 %): met.
    assert (
        "Matériels informatiques réformés orientés vers le réemploi (A / B) 01/01/2024 – 31/12/2024 "
        "75 % · déclaré 3 / 4 matériels 35 % oui Décret n° 2023-266 du 12 avril 2023" in fr
    )
    # Disposals of 2024: PC-001, PC-002 (recycled), TEL-001, PC-003; three of them to reuse.
    assert "Part des sorties de l'année orientées vers le réemploi 01/01/2024 – 31/12/2024 75 %" in fr
    # 2025: only ECR-001 left in stock, nothing sent to reuse yet: 0 %, known, short of the 50 % minimum.
    fr25 = text_of(viewer.get(site.a_url("/regulatory/agec?year=2025")).text)
    assert "(A / B) 01/01/2025 – 31/12/2025 0,0 % · déclaré 0 / 1 matériels 50 % non" in fr25
    viewer.cookies.set("sobre_lang", "en")
    en = text_of(viewer.get(site.a_url("/regulatory/agec?year=2024")).text)
    assert "(A / B) 2024-01-01 – 2024-12-31 75% · declared 3 / 4 items 35% yes" in en
    # The API gives the same figure with its dated rule and the rows it counted.
    rate = site.api("viewer").get(f"/api/v1/orgs/{site.a}/reports/agec?year=2024").json()["reen16"]["rate"]
    assert (rate["numerator"], rate["denominator"], rate["target"], rate["met"]) == (3, 4, 0.35, True)
    assert rate["target_rule"]["instrument"] == "Décret n° 2023-266 du 12 avril 2023"
    rows = {r["item"]: r for r in rate["trail"]["rows"]}
    assert rows["UC-OLD"]["excluded"] == "over 10 years old at reform"
    assert rows["PC-003"]["in_stock_1_january"] == "no" and rows["PC-003"]["sent_to_reuse_in_year"] == "yes"


def test_without_purchases_the_agec_page_says_unknown_and_why_never_zero(lite: World) -> None:
    viewer = lite.client("viewer")
    fr = text_of(viewer.get(lite.a_url("/regulatory/agec?year=2024")).text)
    assert "0,00 € / 0,00 €" not in fr and "0,00 €" not in fr
    assert fr.count("inconnu : aucun achat enregistré sur la période") == 6  # 1 + 2 decree figures, 3 annual
    viewer.cookies.set("sobre_lang", "en")
    en = text_of(viewer.get(lite.a_url("/regulatory/agec?year=2024")).text)
    assert "0.00 €" not in en and "unknown: no purchases recorded in this period" in en
    exported = viewer.get(lite.a_url("/regulatory/agec/export?year=2024&format=html&lang=fr"))
    assert exported.status_code == 200
    assert "0,00 / 0,00" not in exported.text and "aucun achat enregistré" in exported.text


def test_the_explain_trail_lists_the_rows_counted_with_links_to_them(lite: World) -> None:
    manager = lite.client("manager")
    _enter_purchases(lite, manager)
    figures = manager.get(lite.a_url("/regulatory/agec?year=2024")).text
    trails = re.findall(r'href="(/o/\d+/regulatory/agec/trail\?year=2024&amp;n=\d+)"', figures)
    assert len(trails) == 8  # 1 + 2 figures of the two decrees, 3 of the year, 2 of REEN art. 16
    year_reuse = manager.get(trails[3].replace("&amp;", "&"))
    text = text_of(year_reuse.text)
    assert "Explication : Année entière : issue du réemploi" in text and "Décret n° 2024-134" in text
    assert (
        len(re.findall(r'href="/o/\d+/purchases/\d+"', year_reuse.text)) == 7
    )  # printer and June gift left out
    assert "donation" not in text and "don reçu" in text


def test_purchase_form_messages_and_items_linked(lite: World) -> None:
    manager = lite.client("manager")
    r = submit(
        manager,
        lite,
        "/purchases/new",
        "/purchases",
        {
            "purchase_date": "2099-01-01",
            "category": "toaster",
            "quantity": "0",
            "unit_price": "-3",
            "recycled_content_pct": "120",
        },
    )
    assert r.status_code == 422
    for name in ("purchase_date", "category", "quantity", "unit_price", "recycled_content_pct"):
        assert f'id="f-{name}-error"' in r.text, name
    r = submit(
        manager,
        lite,
        "/purchases/new",
        "/purchases",
        {
            "purchase_date": "2020-09-02",
            "category": "laptop",
            "quantity": "2",
            "unit_price": "1 150,50 €",
            "condition": "new",
            "items": "PC-003, PC-004",
            "supplier": "HP France",
        },
    )
    assert r.status_code == 303
    page = text_of(manager.get(r.headers["location"]).text)
    assert "Matériels reçus (2)" in page and "2 301,00 €" in page and "HP France" in page
    purchase = r.headers["location"].split("?")[0].rsplit("/", 1)[-1]
    r = submit(manager, lite, f"/purchases/{purchase}", f"/purchases/{purchase}/items", {"items": "ECR-001"})
    assert r.status_code == 422 and "ECR-001 est de catégorie monitor" in text_of(r.text)


def test_purchase_import_refuses_a_bad_file_whole(lite: World) -> None:
    manager = lite.client("manager")
    bad = (
        "Date;Fournisseur;Catégorie;Quantité;Prix unitaire HT;État\n"
        "12/01/2025;A;Portable;2;500;neuf\n"
        "13/01/2025;B;grille-pain;1;20;neuf\n"
    )
    r = submit(
        manager,
        lite,
        "/purchases/import",
        "/purchases/import",
        {},
        {"file": ("achats.csv", bad.encode(), "text/csv")},
    )
    assert (
        r.status_code == 422
        and "achats.csv, ligne 3, colonne « Catégorie », valeur « grille-pain »" in text_of(r.text)
    )
    assert "Aucun achat ne correspond" in manager.get(lite.a_url("/purchases")).text
    good = bad.splitlines()[0] + "\n" + bad.splitlines()[1] + "\n"
    r = submit(
        manager,
        lite,
        "/purchases/import",
        "/purchases/import",
        {},
        {"file": ("achats.csv", good.encode(), "text/csv")},
    )
    assert r.status_code == 303 and "1 entrées" in text_of(
        manager.get(lite.a_url("/purchases?year=2025")).text
    )


# ----------------------------------------------------------------------------------------- suppliers


def test_a_supplier_assessed_through_the_questionnaire_form(lite: World) -> None:
    manager = lite.client("manager")
    r = submit(manager, lite, "/suppliers", "/suppliers", {"name": "Reconditio", "country": "FR"})
    assert r.status_code == 303
    again = submit(manager, lite, "/suppliers", "/suppliers", {"name": "Reconditio"})
    assert again.status_code == 422 and "« Reconditio » existe déjà" in text_of(again.text)
    supplier = re.search(r'href="/o/\d+/suppliers/(\d+)"', manager.get(lite.a_url("/suppliers")).text).group(
        1
    )
    form = f"/suppliers/{supplier}/assess"
    answers = {
        "date": "2025-05-01",
        "assessor": "Achats",
        "a_env_policy": "yes",
        "e_env_policy": "policy.pdf",
        "a_iso14001": "yes",  # claimed without the evidence asked: scores 0
        "a_ghg_report": "no",
        "a_ecolabel_offer": "plenty",
    }
    r = submit(manager, lite, form, form, answers)
    assert (
        r.status_code == 422 and 'id="f-a_ecolabel_offer-error"' in r.text and "Indiquez un nombre" in r.text
    )
    answers["a_ecolabel_offer"] = "60 %"
    r = submit(manager, lite, form, form, answers)
    assert r.status_code == 303
    page = manager.get(r.headers["location"])
    # (2 × 1 + 1.5 × 0 + 2 × 0 + w × 0.6) over the weights of every question: the service's own score.
    from sobre.lifecycle import purchasing

    (row,) = purchasing.ranking(lite.url, ORG)
    assert row["score"] is not None and f"{row['score']:.1f}".replace(".", ",") in page.text
    assert 'id="esg-themes"' in page.text
    detail = manager.get(re.search(r'href="(/o/\d+/suppliers/\d+/assessments/\d+)"', page.text).group(1))
    assert "preuve manquante" in detail.text
    questionnaire = manager.get(lite.a_url("/suppliers/questionnaire"))
    assert (
        questionnaire.headers["content-type"].startswith("text/csv")
        and b"env_policy" in questionnaire.content
    )


# --------------------------------------------------------------------------------------------- watch


def test_a_referent_proposes_a_watch_entry_and_a_manager_decides(lite: World) -> None:
    referent = lite.client("referent")
    form = referent.get(lite.a_url("/watch/new"))
    assert 'name="decision"' not in form.text
    r = submit(
        referent,
        lite,
        "/watch/new",
        "/watch/entries",
        {
            "title": "Arrêté indice de durabilité",
            "kind": "regulation",
            "tags": "achats, durabilité",
            "decision": "adopt",
        },
    )
    assert r.status_code == 303
    entry = r.headers["location"]
    page = referent.get(entry)
    assert "à évaluer" in page.text and 'name="decision"' not in page.text
    path = entry.split("?")[0]
    token = csrf_from(page.text)
    assert referent.post(path, data={"csrf_token": token, "decision": "adopt"}).status_code == 403
    manager = lite.client("manager")
    r = submit(
        manager,
        lite,
        path.split(f"/o/{lite.a}")[1],
        path.split(f"/o/{lite.a}")[1],
        {
            "relevance": "5",
            "decision": "comply",
            "impact": "Marchés de smartphones",
            "owner": "Achats",
            "due": "2026-01-31",
        },
    )
    assert r.status_code == 303
    listing = text_of(lite.client("viewer").get(lite.a_url("/watch?tag=durabilité&relevance=4")).text)
    assert "Arrêté indice de durabilité" in listing and "à appliquer" in listing
    digest = manager.get(lite.a_url("/watch/digest?since=2020-01-01&part=watch-regulation"))
    assert "Marchés de smartphones" in digest.text
    xlsx = manager.get(lite.a_url("/watch/digest/export?since=2020-01-01&format=xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_a_feed_is_fetched_only_when_asked(lite: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from sobre.lifecycle import watch

    calls: list[str] = []

    def fake_fetch(database_url: str, org: str, **_: Any) -> dict[str, int]:
        calls.append(org)
        return {"sources": 1, "new": 2, "failed": 0}

    manager = lite.client("manager")
    r = submit(manager, lite, "/watch/sources", "/watch/sources", {"name": "Ademe", "url": "ftp://x"})
    assert r.status_code == 422 and "commence par http://" in r.text
    r = submit(
        manager,
        lite,
        "/watch/sources",
        "/watch/sources",
        {"name": "Ademe", "url": "https://example.org/feed.xml"},
    )
    assert r.status_code == 303 and not calls
    monkeypatch.setattr(watch, "fetch", fake_fetch)
    r = submit(manager, lite, "/watch/sources", "/watch/fetch", {})
    assert r.status_code == 303 and calls == [ORG]


# -------------------------------------------------------------------------------- documents and params


def test_documents_are_downloaded_in_every_format(lite: World) -> None:
    manager = lite.client("manager")
    _enter_purchases(lite, manager)
    base = lite.a_url("/regulatory/agec/export?year=2024")
    xlsx = manager.get(base + "&format=xlsx")
    assert (
        xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
        and xlsx.content[:2] == b"PK"
    )
    assert 'filename="agec-reen-2024-fr.xlsx"' in xlsx.headers["content-disposition"]
    data = manager.get(base + "&format=json&lang=en").json()
    assert data["agec"]["annual"][0]["denominator"] == pytest.approx(21_300)
    html = manager.get(lite.a_url("/regulatory/report/export?year=2024&format=html"))
    assert html.headers["content-type"].startswith("text/html") and "Rapport annuel" in html.text
    assert manager.get(lite.a_url("/regulatory/nothing/export")).status_code == 404
    assert manager.get(base + "&format=exe").status_code == 422
    pdf = manager.get(lite.a_url("/regulatory/reen/export?year=2024&format=pdf&lang=en"))
    assert pdf.content.startswith(b"%PDF-")


def test_the_reen_strategy_page_says_what_is_still_to_write(lite: World) -> None:
    with session_scope(lite.url) as s:
        s.execute(sa.text("update organisation set inhabitants = 52000 where name = :n"), {"n": ORG})
    viewer = lite.client("viewer")
    page = text_of(viewer.get(lite.a_url("/regulatory/reen?year=2024")).text)
    assert "Parties obligatoires encore à rédiger" in page and "52 000 habitants" in page
    objectives = viewer.get(lite.a_url("/regulatory/reen?year=2024&part=reen-objectives"))
    assert "(à rédiger)" in objectives.text
    assert viewer.get(lite.a_url("/regulatory/reen?year=2024&part=nope")).status_code == 404
    csrd = viewer.get(lite.a_url("/regulatory/csrd"))
    assert csrd.status_code == 200 and "pas encore de calcul d'empreinte" in text_of(csrd.text)


def test_the_organisation_adds_its_own_dated_parameter(lite: World) -> None:
    manager = lite.client("manager")
    bad = submit(
        manager,
        lite,
        "/regulatory/parameters",
        "/regulatory/parameters",
        {
            "key": "bad key",
            "value": "1.5",
            "unit": "ratio",
            "valid_from": "2025-01-01",
            "valid_to": "2024-01-01",
        },
    )
    assert bad.status_code == 422
    for name in ("key", "valid_to", "source"):
        assert f'id="f-{name}-error"' in bad.text, name
    ok = submit(
        manager,
        lite,
        "/regulatory/parameters",
        "/regulatory/parameters",
        {
            "key": "csrd.electricity.market_factor.FR",
            "value": "0.012",
            "unit": "kgCO2e/kWh",
            "valid_from": "2025-01-01",
            "source": "Contrat EDF 2025, garantie d'origine",
        },
    )
    assert ok.status_code == 303
    listing = text_of(manager.get(lite.a_url("/regulatory/parameters?prefix=csrd")).text)
    assert "csrd.electricity.market_factor.FR 0.012 kgCO2e/kWh" in listing and "cette organisation" in listing


# ------------------------------------------------------------------------------------------------- API


def test_the_api_records_imports_and_lists_the_same_use_cases(site: World) -> None:
    tech = site.api("technician")
    base = f"/api/v1/orgs/{site.a}"
    r = tech.post(
        f"{base}/lifecycle/events",
        json={"item": "PC-001", "kind": "repaired", "date": "2024-02-01", "cost": 85, "parts": "battery"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["by"] == site.email("technician") and r.json()["details"]["cost"] == 85
    refused = tech.post(
        f"{base}/lifecycle/events", json={"item": "PC-001", "kind": "resold", "date": "2024-03-01"}
    )
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert refused.json()["errors"][0]["field"] == "price"
    r = tech.post(
        f"{base}/lifecycle/imports",
        files={
            "file": ("collecte.csv", BATCH, "text/csv"),
            "certificate": ("c.pdf", pdf_bytes(), "application/pdf"),
        },
        data={"batch": "API batch"},
    )
    assert r.status_code == 201, r.text
    batch = tech.get(f"{base}/lifecycle/batches/{r.json()['batch_id']}").json()
    assert batch["certificate"] == "c.pdf" and len(batch["items"]) == 3
    proof = tech.get(f"{base}/lifecycle/items/{batch['items'][0]['equipment_id']}/certificate")
    assert proof.content.startswith(b"%PDF-")
    bad = tech.post(f"{base}/lifecycle/imports", files={"file": ("sortie.csv", MALFORMED, "text/csv")})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("sortie.csv, row 3, column 'date'")
    assert str(site.app.state.sobre.settings.home) not in bad.text
    listing = tech.get(f"{base}/lifecycle/events?kind=recycled&per_page=2").json()
    assert listing["total"] == 3 and len(listing["items"]) == 2 and listing["next"]
    kpis = site.api("viewer").get(f"{base}/lifecycle/kpis?year=2025").json()
    assert kpis["reuse_rate"]["value"] == 0.0 and kpis["repair_rate"]["value"] is None


def test_the_api_keeps_decisions_to_those_who_decide(lite: World) -> None:
    base = f"/api/v1/orgs/{lite.a}"
    referent = lite.api("referent")
    assert referent.post(f"{base}/watch/entries", json={"title": "A", "decision": "adopt"}).status_code == 403
    r = referent.post(f"{base}/watch/entries", json={"title": "Nouveau référentiel", "tags": ["rgesn"]})
    assert r.status_code == 201 and r.json()["decision"] == "to_assess"
    entry = r.json()["id"]
    assert referent.patch(f"{base}/watch/entries/{entry}", json={"decision": "adopt"}).status_code == 403
    manager = lite.api("manager")
    r = manager.patch(f"{base}/watch/entries/{entry}", json={"decision": "adopt", "relevance": 4})
    assert r.json()["decision"] == "adopt" and r.json()["relevance"] == 4
    assert manager.get(f"{base}/watch/entries?tag=rgesn").json()["total"] == 1


def test_the_api_purchases_suppliers_and_figures(lite: World) -> None:
    base = f"/api/v1/orgs/{lite.a}"
    manager = lite.api("manager")
    r = manager.post(
        f"{base}/purchases",
        json={
            "purchase_date": "2024-04-09",
            "category": "laptop",
            "quantity": 5,
            "unit_price": 400,
            "condition": "refurbished",
            "supplier": "Reconditio",
            "items": ["PC-003"],
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["items"][0]["name"] == "PC-003" and r.json()["amount"] == 2000
    manager.post(
        f"{base}/purchases",
        json={
            "purchase_date": "2024-03-04",
            "category": "laptop",
            "quantity": 10,
            "unit_price": 800,
            "condition": "new",
        },
    )
    agec = manager.get(f"{base}/reports/agec?year=2024").json()
    old = agec["agec"]["spans"][0]["figures"][0]
    assert old["numerator"] == 2000 and old["denominator"] == 10_000 and old["met"] is True
    supplier = manager.get(f"{base}/suppliers").json()["items"][0]
    r = manager.post(
        f"{base}/suppliers/{supplier['id']}/assessments",
        json={"assessed_on": "2025-01-10", "answers": {"env_policy": {"answer": "oui", "evidence": "p.pdf"}}},
    )
    assert r.status_code == 201 and r.json()["score"] > 0
    assert (
        manager.post(
            f"{base}/suppliers/{supplier['id']}/assessments",
            json={"assessed_on": "2025-01-10", "answers": {"nope": {"answer": "yes"}}},
        ).status_code
        == 422
    )
    detail = manager.get(f"{base}/suppliers/{supplier['id']}").json()
    assert detail["spend"] == [{"year": 2024, "amount": 2000.0, "lines": 1}]
    questions = manager.get(f"{base}/suppliers/questionnaire?lang=en").json()
    assert len(questions) == 15 and questions[0]["question"].endswith("?")
