"""Fixtures: an organisation with a small estate whose criticality flows from an application."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sobre.core.db import session_scope
from sobre.inventory.models import Application, ApplicationLink, Equipment, Site, VirtualMachine
from sobre.orgs import service as orgs
from sobre.supervision import ingest

ORG = "Ville"


def seed_estate(url: str) -> dict[str, int]:
    """A data centre (PUE 1.4) with two servers, a VM running the critical payroll, an office PC."""
    with session_scope(url) as s:
        org = orgs.create(s, ORG, country="FR")
        dc = Site(org_id=org.id, name="DC Nord", kind="data_centre", country="FR", pue=1.4)
        office = Site(org_id=org.id, name="Mairie", kind="office", country="FR")
        s.add_all([dc, office])
        s.flush()
        db = Equipment(
            org_id=org.id, name="srv-db", category="rack_server", cpu_threads=32, ram_gb=128, site_id=dc.id
        )
        web = Equipment(
            org_id=org.id,
            name="srv-web",
            category="rack_server",
            cpu_threads=16,
            ram_gb=64,
            site_id=dc.id,
            criticality="low",
        )
        pc = Equipment(org_id=org.id, name="pc-accueil", category="desktop", site_id=office.id)
        s.add_all([db, web, pc])
        s.flush()
        vm = VirtualMachine(org_id=org.id, name="vm-payroll", host_id=db.id, vcpu=8, ram_gb=32)
        s.add(vm)
        s.flush()
        app = Application(org_id=org.id, name="Paie", criticality="critical")
        s.add(app)
        s.flush()
        s.add(ApplicationLink(application_id=app.id, vm_id=vm.id))
        return {"org": org.id, "srv-db": db.id, "srv-web": web.id, "pc": pc.id, "vm": vm.id}


@pytest.fixture
def estate(db_url: str) -> Iterator[tuple[str, dict[str, int]]]:
    ids = seed_estate(db_url)
    yield db_url, ids
    ingest._HOSTS.clear()
    ingest._TOKENS.clear()
    ingest._ASSETS.clear()
