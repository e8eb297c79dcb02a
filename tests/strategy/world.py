"""A small organisation in a database: imported inventory files and one footprint run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sobre.core.db import session_scope
from sobre.footprint.runs import service as runs
from sobre.inventory.importer import import_file
from sobre.orgs import service as orgs

ORG = "Petiteville"
FILES = {
    "site": "name,kind,country,pue\nMairie,office,FR,\nSalle serveur,server_room,FR,1.9\n",
    "department": "name,headcount\nFinances,12\nDSI,4\n",
    "equipment": (
        "name,category,quantity,status,purchase_date,lifetime_years,cpu_threads,site,department\n"
        "pc-lot,laptop,8,in_use,2023-03-01,4,,Mairie,Finances\n"
        "ecran-lot,monitor,6,in_use,2021-01-15,,,Mairie,Finances\n"
        "esx-1,rack_server,1,in_use,2022-06-01,,32,Salle serveur,DSI\n"
        "esx-2,rack_server,1,in_use,2022-06-01,,32,Salle serveur,DSI\n"
    ),
    "vm": "name,host,vcpu,department\nvm-a,esx-1,4,Finances\n",
}
DAY = date(2025, 12, 31)


def populate(url: str, tmp_path: Path) -> int:
    with session_scope(url) as session:
        orgs.create(session, ORG, employees=20, country="FR")
    for kind, text in FILES.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        summary = import_file(url, ORG, path, kind=kind, fmt="sobre", rejects_dir=tmp_path / "rejects")
        assert summary.rejected == 0, (kind, summary)
    return runs.run_footprint(url, ORG, reference_date=DAY).id
