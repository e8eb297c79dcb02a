"""The demo's input files: deterministic, realistic in size and shape, GLPI-style for end-user devices."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sobre.demo.generator import generate


def _rows(path: Path, encoding: str = "utf-8", sep: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding)), delimiter=sep))


def test_same_seed_same_bytes_other_seed_other_files(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", seed=7)
    b = generate(tmp_path / "b", seed=7)
    c = generate(tmp_path / "c", seed=8)
    assert [k for k, _ in a] == [
        "site",
        "department",
        "equipment",
        "equipment",
        "vm",
        "cloud",
        "application",
        "storage",
    ]
    for (_, pa), (_, pb) in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert any(pa.read_bytes() != pc.read_bytes() for (_, pa), (_, pc) in zip(a, c, strict=True))


def test_shape_of_the_town(tmp_path: Path) -> None:
    files = dict((p.name, p) for _, p in generate(tmp_path))
    glpi = files["03-glpi-parc-utilisateurs.csv"]
    raw = glpi.read_bytes()
    assert "Numéro de série".encode("cp1252") in raw  # Windows-1252, as GLPI exports
    devices = _rows(glpi, "cp1252", ";")
    assert 2_900 <= len(devices) <= 3_100
    assert {"Nom", "Statut", "Lieu", "Groupe", "Date d'achat"} <= set(devices[0])
    assert all("/" in d["Date d'achat"] for d in devices)  # dd/mm/yyyy
    assert sum(d["Statut"] in ("Réformé", "Rebut", "Réemploi") for d in devices) > 50  # retired equipment
    servers = _rows(files["04-serveurs-reseau.csv"])
    assert sum(s["category"] == "rack_server" for s in servers) == 120
    assert any(s["refurbished"] == "true" for s in servers) and any(
        s["usage_mode"] == "byod" for s in servers
    )
    sites = _rows(files["01-sites.csv"])
    pues = {s["name"]: s["pue"] for s in sites if s["kind"] in ("server_room", "colocation")}
    assert len(pues) == 3 and all(1.3 <= float(p) <= 2.0 for p in pues.values())
    assert 400 <= len(_rows(files["05-machines-virtuelles.csv"])) <= 401
    assert len({a["name"] for a in _rows(files["07-applications.csv"])}) == 60
    assert len(_rows(files["06-cloud.csv"])) == 20
    heads = sum(int(d["headcount"]) for d in _rows(files["02-directions.csv"]))
    assert 1_000 <= heads <= 1_200
