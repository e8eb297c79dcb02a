"""A town hall's small estate: a server room of PUE 1.5, two hosts, VMs, applications."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sobre.core.db import session_scope
from sobre.inventory.importer import import_file
from sobre.orgs import service as orgs

ORG = "Ville de Test"
DATA = Path(__file__).parent / "data"
PARIS = ZoneInfo("Europe/Paris")


def paris(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


def org_id(db_url: str, name: str = ORG) -> int:
    with session_scope(db_url) as s:
        return orgs.get(s, name).id


def load_estate(db_url: str, tmp_path: Path, name: str = ORG) -> int:
    with session_scope(db_url) as s:
        oid = orgs.create(s, name, employees=300, country="FR").id
    for kind, file in (
        ("site", "sites"),
        ("equipment", "equipment"),
        ("vm", "vm"),
        ("application", "application"),
    ):
        summary = import_file(
            db_url, name, DATA / f"inventory_{file}.csv", kind=kind, rejects_dir=tmp_path / "rejects"
        )
        assert summary.rejected == 0, summary
    return oid


@pytest.fixture
def estate(db_url: str, tmp_path: Path) -> tuple[str, int]:
    """(database URL, organisation id) of the town with its inventory, on SQLite and PostgreSQL."""
    return db_url, load_estate(db_url, tmp_path)
