"""Fixtures of the assessment tests: the official referential files of ../shared/data, read once."""

from __future__ import annotations

from pathlib import Path

import pytest

from sobre.assessment import importers
from sobre.assessment.referentials import Package


@pytest.fixture(scope="session")
def data_dir(shared_dir: Path) -> Path:
    return shared_dir / "data"


@pytest.fixture(scope="session")
def rgesn_file(data_dir: Path) -> Path:
    return data_dir / "rgesn-2024.json"


@pytest.fixture(scope="session")
def gbpnr_file(data_dir: Path) -> Path:
    return data_dir / "gbpnr-v1.json"


@pytest.fixture(scope="session")
def rgaa_file(data_dir: Path) -> Path:
    return data_dir / "rgaa-4.1.2-criteres.json"


@pytest.fixture(scope="session")
def rgesn(rgesn_file: Path) -> Package:
    return importers.read_rgesn(rgesn_file)


@pytest.fixture(scope="session")
def gbpnr(gbpnr_file: Path) -> Package:
    return importers.read_gbpnr(gbpnr_file)


@pytest.fixture(scope="session")
def rgaa(rgaa_file: Path) -> Package:
    return importers.read_rgaa(rgaa_file)


@pytest.fixture
def world(db_url: str, rgesn_file: Path, rgaa_file: Path, gbpnr_file: Path) -> str:
    """A database with an organisation, a digital service and the three official referentials installed."""
    from sobre.assessment import store
    from sobre.core.db import session_scope
    from sobre.inventory import services
    from sobre.orgs import service as orgs

    with session_scope(db_url) as session:
        orgs.create(session, "Sobreville")
        services.create(session, "Sobreville", "Portail citoyen", url="https://www.sobreville.fr")
        store.install_file(session, "rgesn", rgesn_file)
        store.install_file(session, "rgaa", rgaa_file)
        store.install_file(session, "gbpnr", gbpnr_file)
    return db_url
