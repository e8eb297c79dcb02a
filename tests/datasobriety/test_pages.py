"""Data sobriety's pages and API through HTTP (SQLite and PostgreSQL): a messy listing uploaded, scanned,
its findings grouped and sorted with their yearly footprint, the plan and its downloads, retention policies.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.datasobriety import storage
from sobre.datasobriety.models import DataScan
from sobre.footprint.factors.store import load_factor_set
from sobre.inventory.models import Equipment
from sobre.web.templating import _figure
from tests.web.harness import World, build_world, csrf_from

AS_OF = "2026-06-01"


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


#: A Windows share's export as file-server tools write it: a BOM, ';', backslashes, upper-case quoted
#: digests, dates in ISO and in epoch seconds, owners as DOMAIN\login or login@domain, hard links by file id.
ROWS = [
    ("Finances\\budget-2024.xlsx", 300000, "2024-05-02T10:00:00Z", "VILLE\\alice", "A" * 64, ""),
    ("Archives\\budget-2024 (copie).xlsx", 300000, str(_epoch("2019-01-15T08:00:00")), "alice", "a" * 64, ""),
    ("Mairie\\cr-conseil.odt", 120000, "2025-01-10T09:00:00Z", "bob", "B" * 64, ""),
    ("Mairie\\Copie de cr-conseil.odt", 120000, "2025-02-01T09:00:00Z", "bob", "B" * 64, ""),
    ("Partage\\cr-conseil.odt", 120000, "2025-03-01T09:00:00Z", "bob@ville.fr", "B" * 64, ""),
    # Same size as the copies above, another content: never a duplicate.
    ("Mairie\\decoy.odt", 120000, "2025-03-01T09:00:00Z", "bob", "C" * 64, ""),
    ("Mairie\\~$cr-conseil.odt", 162, "2025-03-01T09:00:00Z", "bob", "D" * 64, ""),
    ("Photos\\Thumbs.db", 20480, "2022-01-01T12:00:00Z", "alice", "E" * 64, ""),
    ("Mairie\\vide.txt", 0, "2025-01-01T00:00:00Z", "alice", "F" * 64, ""),
    ("Partage\\vide2.txt", 0, "2025-01-02T00:00:00Z", "alice", "F" * 64, ""),
    ("RH\\ancien\\dossier.pdf", 50000, "2021-05-20T10:00:00Z", "VILLE\\parti", "0" * 64, ""),
    # Two names of one file (hard links): one file, never a reclaimable copy.
    ("Projets\\plan.pdf", 80000, "2025-04-01T10:00:00Z", "bob", "9" * 64, "4242"),
    ("Projets\\lien vers plan.pdf", 80000, "2025-04-01T10:00:00Z", "bob", "9" * 64, "4242"),
]


def listing_bytes(rows: list[tuple] = ROWS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["Full Path", "Size", "Last Write Time", "Owner", "SHA256", "File ID"])
    for path, size, mtime, owner, digest, file_id in rows:
        writer.writerow([path, size, mtime, owner, f'"{digest}"', file_id])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(db_url, tmp_path / "home")
    with session_scope(db_url) as s:
        # alice and bob hold equipment still in use; the holder of a retired laptop has left.
        for name, user, status in (
            ("PC-1", "alice", "in_use"),
            ("PC-2", "BOB", "in_use"),
            ("PC-3", "parti", "retired"),
        ):
            s.add(Equipment(org_id=w.a, name=name, category="laptop", user=user, status=status))
    yield w
    w.close()


def upload(client, w: World, content: bytes, name: str = "partage-mairie.csv", **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(w.a_url("/data")).text)
    data = {"csrf_token": token, "as_of": AS_OF, "obsolete_after": "3y", **fields}
    return client.post(w.a_url("/data"), data=data, files={"file": (name, content, "text/csv")})


def text_of(html: str) -> str:
    """The page's main content as text (tags dropped, entities kept simple)."""
    main = html[html.index("<main") : html.index("</main>")]
    return (
        re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", main))
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u00a0")
    )


def test_upload_then_findings_grouped_sorted_with_their_footprint(world: World) -> None:
    w = world
    manager = w.client("manager")
    r = upload(manager, w, listing_bytes(), replicas="2", backups="1", media="hdd")
    assert r.status_code == 303, r.text[-2000:]
    scan_url = r.headers["location"].split("?")[0]
    scan_id = int(scan_url.rsplit("/", 1)[1])
    page = manager.get(r.headers["location"])
    assert page.status_code == 200 and "La liste a été analysée" in page.text
    # The exact findings of the listing, through the API (the same use cases as the page).
    api = w.api("viewer")
    detail = api.get(f"/api/v1/orgs/{w.a}/datasobriety/scans/{scan_id}").json()
    totals = {k: (v["count"], v["bytes"]) for k, v in detail["totals"].items()}
    assert totals == {
        "duplicates": (3, 540000),
        "obsolete": (3, 370480),
        "trivial": (2, 20642),
        "empty": (2, 0),
        "orphans": (1, 50000),
        "retention": (0, 0),
    }
    assert detail["root"] == "partage-mairie.csv" and detail["storage"]["given"] == [
        "backups",
        "media",
        "replicas",
    ]
    groups = api.get(f"/api/v1/orgs/{w.a}/datasobriety/scans/{scan_id}/duplicate-groups").json()["items"]
    assert [(g["size"], g["copies"], g["reclaimable"]) for g in groups] == [
        (300000, 2, 300000),
        (120000, 3, 240000),
    ]
    assert sorted(f["path"] for f in groups[1]["files"]) == [
        "Mairie/Copie de cr-conseil.odt",
        "Mairie/cr-conseil.odt",
        "Partage/cr-conseil.odt",
    ]
    # The scan page: each kind with its files, size and the yearly footprint, equal to the storage model's.
    with session_scope(w.url) as s:
        factors = load_factor_set(s, org_id=w.a)
    params = storage.StorageParams("hdd", 2, 1, "FR", None, frozenset({"media", "replicas", "backups"}))
    expected = storage.footprint(540000, params, factors).impacts["climate_change"]
    body = text_of(page.text)
    low, high = _figure(expected.low, "fr"), _figure(expected.high, "fr")
    assert f"{_figure(expected.value, 'fr')}\u00a0kgCO2e [{low}–{high}]" in body
    assert "modélisé d'après le stockage décrit" in body and "540,0\u00a0ko" in body
    assert detail["savings"]["duplicates"]["footprint"]["climate_change"]["value"] == pytest.approx(
        expected.value
    )
    assert 'role="img"' in page.text and "<caption>Changement climatique : empreinte annuelle" in page.text
    # Duplicates are grouped, the largest reclaimable first; sorting is a link (done by the database).
    grouped = manager.get(f"{scan_url}/findings?kind=duplicates")
    text = text_of(grouped.text)
    assert text.index("Groupe 1") < text.index("Groupe 2") and 'aria-sort="descending"' in grouped.text
    ascending = text_of(manager.get(f"{scan_url}/findings?kind=duplicates&sort=reclaimable").text)
    assert ascending.index("Partage/cr-conseil.odt") < ascending.index("Finances/budget-2024.xlsx")
    one = text_of(manager.get(f"{scan_url}/findings?kind=duplicates&group=2&sort=path").text)
    assert one.index("Mairie/Copie de") < one.index("Mairie/cr-conseil") < one.index("Partage/cr-conseil")
    # Other kinds list their files with the reason; orphans by their unknown owner.
    trivial = text_of(manager.get(f"{scan_url}/findings?kind=trivial&sort=-size").text)
    assert (
        trivial.index("Photos/Thumbs.db") < trivial.index("Mairie/~$cr-conseil.odt")
        and "Thumbs.db" in trivial
    )
    orphans = text_of(manager.get(f"{scan_url}/findings?kind=orphans").text)
    assert "RH/ancien/dossier.pdf" in orphans and "parti" in orphans
    obsolete = manager.get(f"{scan_url}/findings?kind=obsolete&sort=modified")
    assert text_of(obsolete.text).index("2019-01-15") < text_of(obsolete.text).index("2022-01-01")
    assert manager.get(f"{scan_url}/findings?kind=nonsense").status_code == 422
    # Filters, in the database too: the groups with a copy below a folder, one owner's files.
    below = text_of(manager.get(f"{scan_url}/findings?kind=duplicates&folder=Partage%5C").text)
    assert "Partage/cr-conseil.odt" in below and "budget-2024" not in below and "1 entrées" in below
    bobs = text_of(manager.get(f"{scan_url}/findings?kind=trivial&owner=bob").text)
    assert "Mairie/~$cr-conseil.odt" in bobs and "Photos/Thumbs.db" not in bobs and "1 entrées" in bobs
    wildcards = text_of(manager.get(f"{scan_url}/findings?kind=obsolete&folder=%25").text)  # '%' is a name
    assert "Aucun." in wildcards and "Photos/Thumbs.db" not in wildcards
    everything = text_of(manager.get(f"{scan_url}/findings?kind=duplicates&folder=%2F").text)
    assert "Groupe 1" in everything and "Groupe 2" in everything  # '/' is the whole scan
    filtered = manager.get(f"{scan_url}/findings.csv?kind=trivial&owner=bob").text
    assert [r["path"] for r in csv.DictReader(io.StringIO(filtered))] == ["Mairie/~$cr-conseil.odt"]
    # The CSV export holds every finding of the kind, paths as in the scan.
    exported = manager.get(f"{scan_url}/findings.csv?kind=duplicates")
    assert exported.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 5 and {r["group"] for r in rows} == {"1", "2"}
    # English too.
    english = w.client("manager")
    token = csrf_from(english.get("/account").text)
    english.post("/language", data={"csrf_token": token, "lang": "en", "next": "/account"})
    assert "Reclaimable" in english.get(f"{scan_url}/findings").text


def test_plan_page_and_its_downloads(world: World) -> None:
    w = world
    manager = w.client("manager")
    scan_url = upload(manager, w, listing_bytes()).headers["location"].split("?")[0]
    page = manager.get(f"{scan_url}/plan")
    body = text_of(page.text)
    for label in (
        "Copies en trop des doublons",
        "Fichiers temporaires et résidus",
        "Fichiers vides",
        "Fichiers obsolètes",
    ):
        assert label in body
    assert "Fichiers de propriétaires partis" not in body  # the departed owner's file is archived first
    assert "repose sur le stockage par défaut de Sobre" in body  # no storage described: Sobre's defaults
    plan = json.loads(manager.get(f"{scan_url}/plan.json").text)
    assert [(i["kind"], i["action"], i["files"], i["bytes"]) for i in plan["items"]] == [
        ("duplicates", "delete", 3, 540000),
        ("trivial", "delete", 2, 20642),
        ("empty", "delete", 2, 0),
        ("obsolete", "archive", 2, 350000),
    ]
    assert plan["actions"][0]["origin"]["kind"] == "rot_finding"
    files = list(csv.DictReader(io.StringIO(manager.get(f"{scan_url}/plan.csv").text)))
    assert len(files) == 9 and {f["path"] for f in files if f["item"] == "duplicates"} == {
        "Finances/budget-2024.xlsx",
        "Mairie/Copie de cr-conseil.odt",
        "Partage/cr-conseil.odt",
    }  # the oldest copy of each group is kept


def test_upload_errors_name_the_field_row_and_value_and_record_nothing(world: World, tmp_path: Path) -> None:
    w = world
    manager = w.client("manager")
    bad = listing_bytes(ROWS[:2] + [("Mairie\\x.odt", "douze", "2025-01-01", "bob", "1" * 64, "")])
    r = upload(manager, w, bad, name="export.csv")
    assert r.status_code == 422
    message = re.search(r'id="f-file-error">([^<]+)<', r.text).group(1).replace("&#39;", "'")
    assert "export.csv" in message and "row 3" in message and "'size'" in message and "douze" in message
    assert "sobre-listing-" not in r.text and str(tmp_path) not in r.text  # no server path shown
    r = upload(manager, w, b"a,b\n1,2\n", name="notes.docx")
    assert r.status_code == 422 and 'id="f-file-error"' in r.text
    r = upload(manager, w, listing_bytes(), obsolete_after="3 ans", replicas="0,5", country="France")
    assert r.status_code == 422
    assert {"obsolete_after", "replicas", "country"} <= set(re.findall(r'id="f-(\w+)-error"', r.text))
    assert 'aria-invalid="true"' in r.text and 'href="#f-replicas"' in r.text
    with session_scope(w.url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(DataScan)) == 0


def test_roles_see_what_they_may_do(world: World) -> None:
    w = world
    upload(w.client("technician"), w, listing_bytes())
    viewer = w.client("viewer")
    scans = viewer.get(w.a_url("/data")).text
    assert "partage-mairie.csv" in scans and 'enctype="multipart/form-data"' not in scans
    policies = viewer.get(w.a_url("/data/policies")).text
    assert "Installer tout le catalogue" not in policies and "recruitment" in policies
    technician = w.client("technician").get(w.a_url("/data/policies")).text
    assert "Enregistrer la durée" not in technician  # technicians scan; managers set the policies
    assert 'enctype="multipart/form-data"' in w.client("technician").get(w.a_url("/data")).text
    huge = 10**20  # larger than any row id: not found, never a server error
    assert viewer.get(w.a_url(f"/data/scans/{huge}")).status_code == 404
    no_group = viewer.get(w.a_url(f"/data/scans/1/findings?kind=duplicates&group={huge}"))
    assert no_group.status_code == 200 and "Aucun." in no_group.text
    # Another organisation's scan is not found, through the pages and the API alike.
    b_admin = w.client("b-admin")
    assert b_admin.get(f"/o/{w.b}/data/scans/1").status_code == 404
    assert (
        w.api("b-admin", "admin", org=w.b).get(f"/api/v1/orgs/{w.b}/datasobriety/scans/1").status_code == 404
    )


def test_retention_policies_pages(world: World) -> None:
    w = world
    manager = w.client("manager")
    token = csrf_from(manager.get(w.a_url("/data/policies")).text)
    r = manager.post(w.a_url("/data/policies/defaults"), data={"csrf_token": token, "category": "office"})
    assert r.status_code == 303
    page = manager.get(w.a_url("/data/policies")).text
    assert (
        "5 ans" in page and "Remettre office à la valeur du catalogue" in page and "Installer video" in page
    )
    bad = {"csrf_token": token, "category": "", "retention": "toujours", "action": "burn", "patterns": " ; "}
    r = manager.post(w.a_url("/data/policies"), data=bad)
    assert r.status_code == 422
    assert set(re.findall(r'id="f-(\w+)-error"', r.text)) == {"category", "retention", "action", "patterns"}
    good = {
        "csrf_token": token,
        "category": "marchés publics",
        "retention": "10y",
        "action": "archive",
        "patterns": "marches/*; *DCE*",
        "legal_basis": "Code de la commande publique, art. R2184-12",
    }
    assert manager.post(w.a_url("/data/policies"), data=good).status_code == 303
    edit = manager.get(w.a_url("/data/policies?edit=march%C3%A9s%20publics")).text
    assert 'value="marches/*; *DCE*"' in edit and "10 ans" in edit
    # A scan after the policies marks the files past their period, and the plan acts on them.
    scan_url = upload(manager, w, listing_bytes()).headers["location"].split("?")[0]
    retention = text_of(manager.get(f"{scan_url}/findings?kind=retention").text)
    assert "Archives/budget-2024 (copie).xlsx" in retention and "RH/ancien/dossier.pdf" in retention
    plan = text_of(manager.get(f"{scan_url}/plan").text)
    assert "Conservation échue : office" in plan and "Pas de durée légale" in plan
    r = manager.post(w.a_url("/data/policies/remove"), data={"csrf_token": token, "category": "office"})
    assert (
        r.status_code == 303
        and "office" not in text_of(manager.get(w.a_url("/data/policies")).text).split("Le catalogue")[0]
    )
    assert (
        manager.post(
            w.a_url("/data/policies/remove"), data={"csrf_token": token, "category": "x"}
        ).status_code
        == 404
    )


def test_api_upload_findings_pages_and_policies(world: World) -> None:
    w = world
    api = w.api("manager")
    base = f"/api/v1/orgs/{w.a}/datasobriety"
    r = api.post(
        f"{base}/scans",
        files={"file": ("share.csv", listing_bytes(), "text/csv")},
        data={"as_of": AS_OF, "media": "ssd"},
    )
    assert r.status_code == 201, r.text
    scan = r.json()
    assert scan["savings"]["duplicates"]["bytes"] == 540000 and scan["storage"]["media"] == "ssd"
    page1 = api.get(
        f"{base}/scans/{scan['id']}/findings", params={"kind": "obsolete", "per_page": 2, "sort": "modified"}
    ).json()
    assert page1["total"] == 3 and [f["path"] for f in page1["items"]] == [
        "Archives/budget-2024 (copie).xlsx",
        "RH/ancien/dossier.pdf",
    ]
    inside = api.get(
        f"{base}/scans/{scan['id']}/findings", params={"kind": "obsolete", "folder": "RH/ancien"}
    )
    assert [f["path"] for f in inside.json()["items"]] == ["RH/ancien/dossier.pdf"]
    page2 = api.get(page1["next"]).json()
    assert [f["path"] for f in page2["items"]] == ["Photos/Thumbs.db"] and page2["next"] is None
    assert api.get(f"{base}/scans").json()["total"] == 1
    plan = api.get(f"{base}/scans/{scan['id']}/plan").json()
    assert plan["bytes"] == 910642 and plan["total_climate_change"]["unit"] == "kgCO2e"
    # Policies: a bad period is a problem document naming the field; a good one is saved and removed.
    bad = api.put(f"{base}/policies/video", json={"retention": "forever", "patterns": ["*.mp4"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "retention"
    ok = api.put(
        f"{base}/policies/video", json={"retention": "1m", "patterns": ["*.mp4"], "action": "delete"}
    )
    assert ok.status_code == 200 and ok.json()["retention"] == "1m"
    assert [p["category"] for p in api.get(f"{base}/policies").json()] == ["video"]
    installed = api.post(f"{base}/policies/catalogue", json={"categories": ["payroll"]}).json()
    assert [p["category"] for p in installed] == ["payroll"]
    assert api.post(f"{base}/policies/catalogue", json={"categories": ["nope"]}).status_code == 422
    assert api.delete(f"{base}/policies/video").status_code == 204
    assert api.delete(f"{base}/policies/video").status_code == 404
    # A viewer's token reads but does not write.
    viewer = w.api("viewer")
    assert viewer.get(f"{base}/scans/{scan['id']}").status_code == 200
    assert viewer.put(f"{base}/policies/x", json={"retention": "1y", "patterns": ["*"]}).status_code == 403
    bad_file = api.post(
        f"{base}/scans", files={"file": ("x.parquet", b"not parquet", "application/octet-stream")}
    )
    assert bad_file.status_code == 422 and "x.parquet" in bad_file.json()["detail"]
