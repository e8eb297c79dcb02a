"""XLSX round trip of assessments, and malformed workbooks refused with sheet, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from sobre.assessment import service as svc
from sobre.assessment import xlsx
from sobre.core.db import session_scope
from sobre.core.errors import InputError

ORG, SERVICE = "Sobreville", "Portail citoyen"
READ_COLUMNS = ("item", "page", "status", "level", "target", "comment", "evidence", "links", "files")


def _answers_sheet(path: Path) -> list[dict[str, object]]:
    ws = load_workbook(path)[xlsx.ANSWERS]
    rows = list(ws.iter_rows(values_only=True))
    keys = [
        xlsx._key_of(h, xlsx.COLUMNS["maturity"] + xlsx.COLUMNS["rgesn"] + xlsx.COLUMNS["rgaa"])
        for h in rows[0]
    ]
    return [{k: v for k, v in zip(keys, row, strict=True) if k in READ_COLUMNS} for row in rows[1:]]


def _snapshot(s, assessment_id: int) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    return [
        (
            a.item_id,
            a.page,
            a.status,
            a.level,
            a.target_level,
            a.comment,
            a.answered_by,
            a.answered_at,
            [(e.kind, e.text, e.url, e.file_name, e.sha256) for e in a.evidence],
        )
        for a in svc.answers(s, ORG, assessment_id)
    ]


def _rgesn_assessment(s, tmp_path: Path) -> int:  # type: ignore[no-untyped-def]
    a = svc.start(
        s, ORG, "rgesn", by="alice", service=SERVICE, details={"target_score": 75, "sample": "Accueil"}
    )
    proof = tmp_path / "pue.pdf"
    proof.write_bytes(b"%PDF PUE 1.3")
    svc.answer(
        s,
        ORG,
        a.id,
        "1.1",
        by="alice",
        status="Validé",
        comment="Utilité avérée",
        evidence=[
            svc.EvidenceInput("text", text="Étude d’utilité\nsur deux lignes"),
            svc.EvidenceInput("text", text="Deuxième preuve"),
            svc.EvidenceInput("link", url="https://www.sobreville.fr/utilite"),
        ],
    )
    svc.answer(s, ORG, a.id, "8.3", by="bob", status="Validé", evidence=[svc.EvidenceInput.from_file(proof)])
    svc.answer(
        s,
        ORG,
        a.id,
        "1.7",
        by="alice",
        status="Non applicable",
        evidence=[svc.EvidenceInput("text", text="Pas de chiffrement propre")],
    )
    svc.answer(s, ORG, a.id, "2.2", by="alice", status="En cours", comment="Tests sur terminaux de 2019")
    svc.answer(s, ORG, a.id, "4.1", by="alice", status="Non validé")
    return a.id


def test_rgesn_round_trip_is_unchanged(world: str, tmp_path: Path) -> None:
    with session_scope(world) as s:
        aid = _rgesn_assessment(s, tmp_path)
        before = _snapshot(s, aid)
        out = xlsx.export(s, ORG, aid, tmp_path / "rgesn.xlsx", "fr")
        report = xlsx.import_file(s, ORG, out, by="carol")
        assert (report.changed, report.unchanged) == (0, 78)
        assert _snapshot(s, aid) == before  # who and when are kept for unchanged answers
        # Into a new assessment (without the attached file, which belongs to the first one).
        wb = load_workbook(out)
        ws = wb[xlsx.ANSWERS]
        files_col = [c.value for c in ws[1]].index(xlsx._header("files", "fr")) + 1
        for row in ws.iter_rows(min_row=2):
            if row[files_col - 1].value:
                row[files_col - 1].value = None
                row[[c.value for c in ws[1]].index(xlsx._header("evidence", "fr"))].value = "Facture PUE"
        wb.save(tmp_path / "copy.xlsx")
        copy = xlsx.import_file(s, ORG, tmp_path / "copy.xlsx", by="carol", new=True)
        assert copy.assessment_id != aid and copy.changed == 5
        again = xlsx.export(s, ORG, copy.assessment_id, tmp_path / "again.xlsx", "fr")
        first, second = _answers_sheet(tmp_path / "copy.xlsx"), _answers_sheet(again)
        assert first == second
        assert svc.get(s, ORG, copy.assessment_id).details["target_score"] == 75


def test_maturity_and_rgaa_round_trips(world: str, tmp_path: Path) -> None:
    with session_scope(world) as s:
        m = svc.start(s, ORG, "maturity", by="alice", details={"default_target": 3})
        svc.answer(s, ORG, m.id, "a1", by="alice", level=2, target=4, comment="Mandat en cours")
        svc.answer(
            s,
            ORG,
            m.id,
            "h3",
            by="alice",
            status="na",
            evidence=[svc.EvidenceInput("text", text="Pas de salle")],
        )
        out = xlsx.export(s, ORG, m.id, tmp_path / "m.xlsx", "en")
        copy = xlsx.import_file(s, ORG, out, by="bob", new=True)
        assert _answers_sheet(
            xlsx.export(s, ORG, copy.assessment_id, tmp_path / "m2.xlsx", "en")
        ) == _answers_sheet(out)
        r = svc.start(s, ORG, "rgaa", by="dan", service=SERVICE)
        svc.add_page(s, ORG, r.id, "P01", "Accueil", by="dan", url="https://www.sobreville.fr/")
        svc.add_page(s, ORG, r.id, "P02", "Formulaire", by="dan", process="Demande")
        svc.answer(s, ORG, r.id, "1.1", by="dan", page="P01", status="C")
        svc.answer(s, ORG, r.id, "11.1", by="dan", page="P02", status="NC", comment="Étiquette manquante")
        svc.add_derogation(s, ORG, r.id, "exempt", "Carte interactive IGN", by="dan", criteria=["1.1"])
        before = _snapshot(s, r.id)
        out = xlsx.export(s, ORG, r.id, tmp_path / "r.xlsx", "fr")
        report = xlsx.import_file(s, ORG, out, by="erin")
        assert report.changed == 0 and report.pages == 2 and report.derogations == 1
        assert _snapshot(s, r.id) == before
        assert svc.derogations(s, ORG, r.id)[0]["criteria"] == ["1.1"]


def _edit(path: Path, sheet: str, row: int, column: str, value: object, out: Path) -> Path:
    wb = load_workbook(path)
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    index = next(i for i, h in enumerate(headers) if xlsx._key_of(h, [column]) == column)
    ws.cell(row, index + 1).value = value
    wb.save(out)
    return out


def test_malformed_workbooks_are_refused_with_sheet_row_and_column(world: str, tmp_path: Path) -> None:
    with session_scope(world) as s:
        aid = _rgesn_assessment(s, tmp_path)
        before = _snapshot(s, aid)
        good = xlsx.export(s, ORG, aid, tmp_path / "good.xlsx", "fr")
        rejects = tmp_path / "rejects"

        bad_status = _edit(good, xlsx.ANSWERS, 5, "status", "Peut-être", tmp_path / "status.xlsx")
        with pytest.raises(InputError) as err:
            xlsx.import_file(s, ORG, bad_status, by="carol", rejects_dir=rejects)
        message = str(err.value)
        assert "[sheet Answers]" in message and "row 5" in message and "'status'" in message
        assert "Peut-être" in message and "nothing was imported" in message
        assert (
            (rejects / "status.rejects.csv")
            .read_text(encoding="utf-8")
            .splitlines()[1]
            .startswith("Answers,5,status")
        )

        bad_item = _edit(good, xlsx.ANSWERS, 7, "item", "12.99", tmp_path / "item.xlsx")
        with pytest.raises(InputError, match=r"\[sheet Answers\], row 7, column 'item', value '12.99'"):
            xlsx.import_file(s, ORG, bad_item, by="carol")

        wb = load_workbook(good)
        wb[xlsx.ANSWERS].title = "Réponses"
        wb.save(tmp_path / "sheet.xlsx")
        with pytest.raises(
            InputError, match=r"sheet 'Answers' is missing \(sheets found: Assessment, Réponses\)"
        ):
            xlsx.import_file(s, ORG, tmp_path / "sheet.xlsx", by="carol")

        # N/A on a criterion applicable to all services, and Validé without evidence, are refused too.
        na = _edit(good, xlsx.ANSWERS, 2, "status", "Non applicable", tmp_path / "na.xlsx")
        with pytest.raises(InputError, match="cannot be 'Non applicable'"):
            xlsx.import_file(s, ORG, na, by="carol")
        no_proof = _edit(good, xlsx.ANSWERS, 10, "status", "Validé", tmp_path / "proof.xlsx")
        with pytest.raises(InputError, match="row 10.*needs evidence"):
            xlsx.import_file(s, ORG, no_proof, by="carol")

        # Several problems: all listed, the first one raised; and nothing changed in the database.
        both = _edit(bad_status, xlsx.ANSWERS, 7, "item", "12.99", tmp_path / "both.xlsx")
        with pytest.raises(InputError, match="1 more problem"):
            xlsx.import_file(s, ORG, both, by="carol", rejects_dir=rejects)
        assert _snapshot(s, aid) == before
        not_xlsx = tmp_path / "x.xlsx"
        not_xlsx.write_text("id;name\n", encoding="utf-8")
        with pytest.raises(InputError, match="not an XLSX workbook"):
            xlsx.import_file(s, ORG, not_xlsx, by="carol")
