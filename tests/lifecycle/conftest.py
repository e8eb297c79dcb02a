"""A small municipality: a GLPI-shaped inventory export (Windows-1252, CRLF, ';'), imported as users do."""

from __future__ import annotations

from pathlib import Path

import pytest

from sobre.core.db import session_scope
from sobre.inventory.importer import import_file
from sobre.orgs import service as orgs

ORG = "Commune de Test"
GLPI = (
    "Nom;Statut;Fabricant;Type;Modèle;Numéro de série;Date d'achat\r\n"
    "PC-001;En service;Dell;Portable;Latitude 5420;DL001;15/03/2019\r\n"
    "PC-002;En service;Dell;Portable;Latitude 5420;DL002;15/03/2019\r\n"
    "PC-003;En service;HP;Portable;EliteBook 840 G7;HP003;02/09/2020\r\n"
    "PC-004;En stock;HP;Portable;EliteBook 840 G7;HP004;02/09/2020\r\n"
    "ECR-001;En service;Dell;Écran;P2419H;DE001;10/01/2018\r\n"
    "TEL-001;En service;Samsung;Smartphone;Galaxy A52s 5G;SA001;05/05/2021\r\n"
    "UC-OLD;En service;HP;Ordinateur;ProDesk 600 G4;HP900;01/02/2012\r\n"
)


def write_glpi(folder: Path) -> Path:
    path = folder / "glpi-export.csv"
    path.write_bytes(GLPI.encode("cp1252"))
    return path


@pytest.fixture
def town(db_url: str, tmp_path: Path) -> str:
    """A database (SQLite and PostgreSQL) with the commune and its inventory."""
    with session_scope(db_url) as session:
        orgs.create(session, ORG, inhabitants=52_000, employees=400, country="FR")
    summary = import_file(
        db_url, ORG, write_glpi(tmp_path), kind="equipment", rejects_dir=tmp_path / "rejects"
    )
    assert summary.rejected == 0, summary
    return db_url


def pdf_bytes(text: str = "Certificat de traitement DEEE") -> bytes:
    """A small valid one-page PDF (hand-built so tests need no PDF library)."""
    from sobre.lifecycle.demo import minimal_pdf

    return minimal_pdf([text])
