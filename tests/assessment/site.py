"""A town with assessments of every kind, for the page and browser tests.

The official RGESN, RGAA and DINUM guide files of ``../shared/data`` are installed; the demo's own seeding
gives the town two maturity rounds (2025 validated, 2026 submitted), a validated RGESN assessment and a
submitted RGAA audit of its family portal (five pages, one process, a derogation).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sobre.assessment import demo, store
from sobre.assessment import service as svc
from sobre.core.db import session_scope
from sobre.inventory import services
from sobre.orgs import service as orgs
from tests.web.harness import make_user

ORG = "Ville de Sobreville"
SERVICE = demo.SERVICE
PEOPLE = {
    "referent": "claire@sobreville.fr",
    "manager": "marc@sobreville.fr",
    "viewer": "vera@sobreville.fr",
    "admin": "root@sobreville.fr",
}


@dataclass
class Town:
    url: str
    org: int
    ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def build_town(url: str, data_dir: Path, seed: int = 16) -> Town:
    with session_scope(url) as s:
        org = orgs.create(s, ORG, employees=900, inhabitants=52000, country="FR").id
    town = Town(url, org)
    for role, email in PEOPLE.items():
        town.users[role] = make_user(url, email, admin=role == "admin", roles={org: role})
    rng = random.Random(seed)
    with session_scope(url) as s:
        services.create(s, ORG, SERVICE, url="https://famille.sobreville.fr", audience="Familles")
        store.install_file(s, "gbpnr", data_dir / "gbpnr-v1.json")
        first, second = demo._maturity(s, ORG, date(2026, 3, 15), rng)
        town.ids.update(maturity_2025=first, maturity_2026=second)
        town.ids["rgesn"] = demo._rgesn(s, ORG, date(2026, 3, 15), rng, data_dir / "rgesn-2024.json")
        town.ids["rgaa"] = demo._rgaa(s, ORG, date(2026, 3, 15), rng, data_dir / "rgaa-4.1.2-criteres.json")
        draft = svc.start(
            s, ORG, "rgesn", by=PEOPLE["referent"], service=SERVICE, assessed_on=date(2026, 9, 1)
        )
        town.ids["rgesn_draft"] = draft.id
    return town
