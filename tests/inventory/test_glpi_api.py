"""``sobre import glpi``: GLPI's REST API as a source, against a fake server answering as apirest.md says."""

from __future__ import annotations

import json
import socket
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.db import get_engine
from sobre.inventory.models import Equipment, Site, SyncState
from tests.inventory import glpi_golden as golden
from tests.inventory.glpi_server import FakeGlpi

runner = CliRunner()
#: French export titles → GLPI search-option ids (rawSearchOptions of the asset classes, Infocom).
OPTIONS = {
    "ID": 2,
    "Nom": 1,
    "Entité": 80,
    "Statut": 31,
    "Fabricant": 23,
    "Modèle": 40,
    "Type": 4,
    "Numéro de série": 5,
    "Numéro d'inventaire": 6,
    "Lieu": 3,
    "Utilisateur": 70,
    "Usager": 7,
    "Groupe": 71,
    "Commentaires": 16,
    "Date d'achat": 37,
    "Valeur": 54,
    "Fournisseur": 53,
    "Durée d'amortissement": 56,
    "Date de réforme": 159,
    "Système d'exploitation - Nom": 45,
    "Système d'exploitation - Version": 46,
    "Taille": 11,
}


def _api_value(title: str, value: Any) -> Any:
    """What the API gives where the export shows ``value``: raw numbers and ISO dates."""
    if value in ("", None):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if title == "ID":
        return int(value)
    if title in ("Valeur", "Taille"):
        return f"{float(str(value).replace(' ', '').replace(',', '.')):.4f}"
    if title == "Durée d'amortissement":
        digits = str(value).split()[0]
        return int(digits) if digits.lstrip("-").isdigit() else value
    if title == "Lieu":
        return str(value).replace(">", "&gt;")  # as GLPI 9.5 stored it, HTML-escaped
    return value


def _items(items: list[golden.Item], entity: int = 0) -> list[dict[int, Any]]:
    out = []
    for n, item in enumerate(items):
        row = {OPTIONS[t]: _api_value(t, v) for t, v in item.cells.items() if t in OPTIONS}
        row[19] = f"2025-11-{1 + n % 28:02d} 10:00:00"
        row["entity"] = entity  # type: ignore[index]
        out.append(row)
    return out


@pytest.fixture
def glpi_home(home: Path) -> Path:
    assert runner.invoke(app, ["org", "create", "Bourg-sur-Lys"]).exit_code == 0
    return home


def _sync(fake: FakeGlpi, *extra: str, user_token: str = "user-secret") -> Any:
    return runner.invoke(
        app,
        [
            "import",
            "glpi",
            "--url",
            fake.url,
            "--app-token",
            "app-secret",
            "--user-token",
            user_token,
            "--org",
            "Bourg-sur-Lys",
            "--reference-date",
            "2026-01-15",
            *extra,
        ],
    )


def test_full_then_incremental_sync(glpi_home: Path) -> None:
    computers, monitors = golden.computers(), golden.monitors(40)
    data = {"Computer": _items(computers), "Monitor": _items(monitors), "Phone": []}
    with FakeGlpi(data, max_range=7) as fake:
        r = _sync(fake, "--json")
        assert r.exit_code == 3, r.output  # some computers are rejected, as in the file import
        summaries = {s["item_type"]: s for s in json.loads(r.stdout)}
        expected_rejects = sum(1 for i in computers if i.reject)
        assert summaries["Computer"]["rejected"] == expected_rejects
        assert summaries["Computer"]["inserted"] == len(computers) - expected_rejects
        assert summaries["Monitor"]["inserted"] == 40 and "Phone" not in summaries
        assert Path(summaries["Computer"]["rejects_path"]).name == "glpi-Computer.rejects.csv"
        searches = [c for c in fake.calls if c.startswith("GET search/Computer")]
        assert len(searches) == -(-len(computers) // 7)  # pages of at most Accept-Range items
        assert fake.killed and not fake.sessions  # the session was closed
        url = f"sqlite:///{glpi_home / 'sobre.db'}"
        with get_engine(url).connect() as conn:
            pc = conn.execute(sa.select(Equipment).where(Equipment.external_key == "glpi:Computer:101")).one()
            assert (pc.category, pc.manufacturer, pc.model_ref, pc.purchase_value, pc.lifetime_years) == (
                "laptop",
                "Lenovo",
                "lenovo-thinkpad-x1-carbon-gen9",
                1249.9,
                3.0,
            )
            assert pc.location == "Bâtiment A > 2e étage"
            assert conn.execute(sa.select(Site.name).where(Site.id == pc.site_id)).scalar() == "Mairie"
            states = {s.item_type: s.last_modified for s in conn.execute(sa.select(SyncState))}
            assert set(states) == {"Computer", "Monitor"}
        # Incremental: one monitor changed since; only what changed (and the boundary second) is read.
        changed = data["Monitor"][5]
        changed[19], changed[54] = "2025-12-24 08:00:00", "99.0000"
        r = _sync(fake, "--json")
        summaries = {s["item_type"]: s for s in json.loads(r.stdout)}
        assert r.exit_code == 0, r.output
        # The changed monitor, and the one last read at the boundary second (read again, unchanged).
        monitor = summaries["Monitor"]
        assert (monitor["rows_read"], monitor["updated"], monitor["unchanged"]) == (2, 1, 1)
        assert summaries["Monitor"]["changed_fields"] == {"purchase_value": 1}
        assert (summaries["Computer"]["rows_read"], summaries["Computer"]["unchanged"]) == (1, 1)
        r = _sync(fake, "--full", "--item-types", "Monitor", "--json")
        assert json.loads(r.stdout)[0]["unchanged"] == 40


def test_expired_session_is_opened_again(glpi_home: Path) -> None:
    with FakeGlpi({"Monitor": _items(golden.monitors(30))}, max_range=4, expire_after=3) as fake:
        r = _sync(fake, "--item-types", "Monitor")
        assert r.exit_code == 0, r.output
        assert "30 inserted" in r.stdout
        assert fake.calls.count("GET initSession") > 1


def test_entity_by_name(glpi_home: Path) -> None:
    mairie = _items(golden.monitors(6), entity=3)
    elsewhere = _items(golden.monitors(10)[6:], entity=0)
    with FakeGlpi({"Monitor": mairie + elsewhere}) as fake:
        r = _sync(fake, "--entity", "Mairie", "--item-types", "Monitor", "--json")
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)[0]["inserted"] == 6
        assert "POST changeActiveEntities" in fake.calls


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_api_errors_are_one_clear_line(glpi_home: Path) -> None:
    with FakeGlpi({"Monitor": []}) as fake:
        r = _sync(fake, user_token="wrong")
        assert r.exit_code == 1 and "user token" in r.output and "ERROR_GLPI_LOGIN_USER_TOKEN" in r.output
        r = runner.invoke(
            app,
            ["import", "glpi", "--url", fake.url, "--user-token", "user-secret", "--org", "Bourg-sur-Lys"],
        )
        assert r.exit_code == 1 and "App-Token" in r.output
        r = _sync(fake, "--entity", "Nowhere")
        assert r.exit_code == 1 and "Nowhere" in r.output
        r = _sync(fake, "--item-types", "Spaceship")
        assert r.exit_code == 2 and "Spaceship" in r.output
    r = runner.invoke(
        app,
        [
            "import",
            "glpi",
            "--url",
            f"http://127.0.0.1:{_free_port()}/apirest.php",
            "--user-token",
            "t",
            "--org",
            "Bourg-sur-Lys",
        ],
    )
    assert r.exit_code == 1 and "cannot reach GLPI" in r.output
    for result in [r]:
        assert "Traceback" not in result.output


def test_a_file_named_glpi_still_imports(
    glpi_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["import", "glpi", "--org", "Bourg-sur-Lys"])
    assert r.exit_code == 2 and "--url" in r.output  # no such file: the API needs its address
    Path("glpi").write_text("name;category;status\npc-1;laptop;in_use\n", encoding="utf-8")
    r = runner.invoke(app, ["import", "glpi", "--org", "Bourg-sur-Lys"])
    assert r.exit_code == 0 and "1 inserted" in r.stdout, r.output
    r = runner.invoke(app, ["import", "./glpi", "--org", "Bourg-sur-Lys"])
    assert r.exit_code == 0 and "1 unchanged" in r.stdout, r.output
