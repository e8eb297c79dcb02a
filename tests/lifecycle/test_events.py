"""Recording lifecycle events, bulk imports of messy files, proofs, and the item status that follows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound
from sobre.inventory import service as inventory
from sobre.lifecycle import service
from sobre.lifecycle.events import EventFacts, Kind
from sobre.lifecycle.models import Event
from tests.lifecycle.conftest import ORG, pdf_bytes


def _state(url: str, name: str) -> dict:
    with session_scope(url) as s:
        org_id = s.execute(__import__("sqlalchemy").text("select id from organisation")).scalar_one()
        return inventory.equipment_records(s, org_id, names=[name])[0]


def test_status_follows_events(town: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    service.record_event(
        town,
        home,
        ORG,
        "PC-001",
        EventFacts(Kind.REPAIRED, date(2024, 2, 1), "tech", cost=85.0, parts="battery"),
    )
    assert _state(town, "PC-001")["status"] == "in_use"
    service.record_event(
        town, home, ORG, "PC-001", EventFacts(Kind.REFORMED, date(2024, 11, 4), "dsi", reason="obsolete")
    )
    state = _state(town, "PC-001")
    assert state["status"] == "retired" and state["retirement_date"] == date(2024, 11, 4)
    service.record_event(
        town,
        home,
        ORG,
        "PC-001",
        EventFacts(
            Kind.DONATED, date(2025, 1, 15), "dsi", counterpart="École du Parc", reuse_commitment=True
        ),
    )
    assert _state(town, "PC-001")["status"] == "reuse"
    assert _state(town, "PC-001")["retirement_date"] == date(2024, 11, 4)
    events = service.list_events(town, ORG, item="PC-001")
    assert [e.kind for e in events] == ["donated", "reformed", "repaired"]
    assert events[0].counterpart == "École du Parc"


def test_event_checks(town: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with pytest.raises(NotFound):
        service.record_event(town, home, ORG, "NOPE", EventFacts(Kind.IN_SERVICE, date(2024, 1, 1), "me"))
    with pytest.raises(InputError, match="certificate"):
        service.record_event(
            town,
            home,
            ORG,
            "PC-002",
            EventFacts(Kind.RECYCLED, date(2024, 1, 1), "me", counterpart="ecosystem"),
        )
    with pytest.raises(InputError, match="before the item's purchase"):
        service.record_event(town, home, ORG, "PC-002", EventFacts(Kind.IN_SERVICE, date(2018, 1, 1), "me"))


MESSY_BATCH = (
    "Équipement;Événement;Date;Par;Destinataire;Certificat;Poids (kg);Agréé;Commentaire\r\n"
    "PC-002;Recyclé;03/03/2025;J. Martin;Ecosystem;CERT-2025-0042;2,4;oui;collecte « printemps »\r\n"
    "ECR-001;DEEE;03/03/2025;J. Martin;Ecosystem;CERT-2025-0042;5,1;oui;\r\n"
    "UC-OLD;recycle;2025-03-03;J. Martin;Ecosystem;CERT-2025-0042;8;oui;plus de 10 ans\r\n"
)


def test_batch_import_with_certificate_downloadable_from_each_item(town: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    batch = tmp_path / "collecte-deee.csv"
    batch.write_bytes(MESSY_BATCH.encode("cp1252"))
    certificate = tmp_path / "certificat.pdf"
    certificate.write_bytes(pdf_bytes())
    summary = service.import_events(town, home, ORG, batch, batch="DEEE mars 2025", certificate=certificate)
    assert summary.inserted == 3 and summary.items == 3
    for name in ("PC-002", "ECR-001", "UC-OLD"):
        proof = service.certificate_for_item(town, home, ORG, name)
        assert proof.path.read_bytes() == certificate.read_bytes()
        assert proof.media_type == "application/pdf" and proof.download_name == "certificat.pdf"
        assert proof.path.is_relative_to(home / "attachments")
        assert _state(town, name)["status"] == "disposed"
    events = service.list_events(town, ORG, kind="recycled")
    assert {e.batch for e in events} == {"DEEE mars 2025"}
    assert {e.details["weight_kg"] for e in events} == {2.4, 5.1, 8.0}
    # The same file twice is refused.
    with pytest.raises(Exception, match="already imported"):
        service.import_events(town, home, ORG, batch, batch="again")
    # An item without any proof says so.
    with pytest.raises(NotFound, match="no certificate"):
        service.record_event(town, home, ORG, "PC-003", EventFacts(Kind.IN_STOCK, date(2025, 1, 2), "me"))
        service.certificate_for_item(town, home, ORG, "PC-003")


BROKEN = (
    "item,event,date,by,to,price\r\n"
    'PC-003,resold,2025-02-01,dsi,Broker SARL,"120,50"\r\n'
    "PC-004,donated,2025-02-30,dsi,Association,\r\n"
    "PC-999,donated,2025-02-01,dsi,Association,\r\n"
    "TEL-001,vendu,2025-02-01,dsi,Broker SARL,douze\r\n"
)


def test_malformed_file_is_refused_whole_with_file_row_column(town: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = tmp_path / "sorties.csv"
    path.write_bytes(BROKEN.encode("utf-8"))
    with pytest.raises(InputError) as caught:
        service.import_events(town, home, ORG, path)
    err = caught.value
    assert err.file == str(path) and err.row == 3 and err.column == "date" and err.value == "2025-02-30"
    assert "nothing imported" in str(err)
    rejects = (home / "rejects" / "sorties.rejects.csv").read_text(encoding="utf-8-sig")
    assert "PC-999" in rejects and "no equipment of that name" in rejects
    assert "douze" in rejects and "not a number" in rejects
    with session_scope(town) as s:
        assert s.query(Event).count() == 0  # the valid first row was not written either
    assert _state(town, "PC-003")["status"] == "in_use"


def test_attachment_type_and_size_are_checked(
    town: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    fake = tmp_path / "certificat.pdf"
    fake.write_text("<html>not a pdf</html>")
    facts = EventFacts(Kind.RECYCLED, date(2025, 1, 5), "me", counterpart="Ecologic", certificate="C-1")
    with pytest.raises(InputError, match="not a PDF"):
        service.record_event(town, home, ORG, "PC-004", facts, attachment=fake)
    big = tmp_path / "scan.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 3_000_000)
    monkeypatch.setenv("SOBRE_MAX_ATTACHMENT_MB", "2")
    with pytest.raises(InputError, match="over the 2 MB limit"):
        service.record_event(town, home, ORG, "PC-004", facts, attachment=big)
    with session_scope(town) as s:
        assert s.query(Event).count() == 0
