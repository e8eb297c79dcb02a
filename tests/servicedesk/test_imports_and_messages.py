"""GLPI ticket exports as GLPI writes them, graded messages, problems, indicators, the Ansible inventory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sobre.core.db import session_scope
from sobre.servicedesk import (
    comms,
    glpi,
    incidents,
    indicators,
    kpis,
    messages,
    problems,
    service,
    techdoc,
    views,
)
from sobre.servicedesk.importer import import_glpi
from tests.servicedesk.conftest import DATA, ORG, paris

PARIS = ZoneInfo("Europe/Paris")


def test_glpi_export_is_imported_with_rejects_and_reimported_without_duplicates(
    estate: tuple[str, int], tmp_path: Path
) -> None:
    url, oid = estate
    result = import_glpi(url, ORG, DATA / "glpi_tickets_fr.csv", rejects_dir=tmp_path)
    assert (result.rows, result.inserted, result.rejected) == (8, 5, 3)
    assert result.unknown_columns == ["Colonne inconnue"]
    rejects = Path(result.rejects_path or "").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[1:] == [
        "7;Statut;Archivé;unknown status",
        "8;Date d'ouverture;le 10 mars;not a date",
        "9;ID;1 204;this ID appears twice in the file",
    ]
    with session_scope(url) as s:
        by_ref = {t["external_ref"]: t for t in views.queue(s, oid, status="all")}
        portal = by_ref["glpi:1205"]
        assert portal["status"] == "solved" and portal["priority"] == 4 and portal["source"] == "phone"
        assert portal["assignee"] == "Durand Paul, Leroy Sam" and portal["requester"] == "Accueil mairie"
        assert portal["owned_at"] == "2025-03-05T09:07:00+00:00"  # 09:02 Paris + 1 h 5 min
        assert portal["sla_own"] == "breached" and portal["category"] == "Applications > Portail"
        assert by_ref["glpi:1208"]["priority"] == 6  # "Majeure", set by hand in GLPI, is kept
        vpn = by_ref["glpi:1206"]
        assert vpn["status"] == "pending" and vpn["sla_resolve"] == "breached"  # 4 h ran out before the wait
        detail = views.view(s, oid, portal["number"])
        assert detail["description"] == 'Les usagers voient "Bad Gateway" depuis 9 h.'
        assert detail["items"] == [{"kind": "application", "name": "Portail citoyen"}]
    again = import_glpi(url, ORG, DATA / "glpi_tickets_fr.csv", rejects_dir=tmp_path)
    assert (again.inserted, again.updated) == (0, 5)
    strict = import_glpi(url, ORG, DATA / "glpi_tickets_fr.csv", rejects_dir=tmp_path, strict=True)
    assert strict.refused and strict.exit_code == 2


def test_glpi_reader_details() -> None:
    assert glpi.clean("a<br>b&#38;c ''x''") == 'a\nb&c "x"'
    assert glpi.parse_datetime("05-03-2025 09:02", PARIS) == datetime(2025, 3, 5, 9, 2, tzinfo=PARIS)
    assert glpi.parse_datetime("03-05-2025 09:02", PARIS, "mdy") == datetime(2025, 3, 5, 9, 2, tzinfo=PARIS)
    assert glpi.parse_duration("2 jours 3 heures") == 2 * 86400 + 3 * 3600
    assert glpi.parse_duration("1 hour 5 minutes") == 3900
    cols, unknown = glpi.columns(["ID", "Title", "Status", "Opening date", "Assigned to - Technician", ""])
    assert cols["assignee"] == 4 and unknown == []
    with pytest.raises(ValueError, match="not a GLPI ticket export"):
        glpi.parse_rows(["Nom", "Fabricant"], iter(()), PARIS)


def test_graded_messages_per_audience_urgency_and_channel() -> None:
    facts = messages.Facts(
        ticket=12,
        services=("Portail citoyen",),
        items=("srv-app-01", "vm-portail"),
        since="le 2 juin 2025 à 09:00",
        eta="vers 11 h",
        users=120,
        cost="9 600 €",
        title="Portail indisponible",
        cause="saturation mémoire",
    )
    user = messages.compose(
        facts, audience="end_user", urgency="critical", channel="email", lang="fr", phase="started"
    )
    assert user.subject == "[Urgent] Panne critique : Portail citoyen perturbé"
    assert "srv-app-01" not in user.body and "Retour prévu : vers 11 h." in user.body and user.warnings == ()
    boss = messages.compose(
        facts, audience="manager", urgency="major", channel="email", lang="en", phase="update"
    )
    assert "People affected: 120." in boss.body and "Estimated cost: 9 600 €." in boss.body
    tech = messages.compose(
        facts, audience="technical", urgency="major", channel="email", lang="fr", phase="resolved"
    )
    assert "Éléments : srv-app-01, vm-portail" in tech.body and "Cause : saturation mémoire" in tech.body
    sms = messages.compose(
        facts, audience="end_user", urgency="minor", channel="sms", lang="fr", phase="resolved"
    )
    assert sms.subject == "" and len(sms.body) <= messages.SMS_LIMIT
    jargon = messages.compose(
        facts,
        audience="end_user",
        urgency="minor",
        channel="email",
        lang="fr",
        phase="started",
        custom={"subject": "{service}", "body": "La VM du serveur est KO."},
    )
    assert any("vm" in w for w in jargon.warnings) and any("serveur" in w for w in jargon.warnings)
    assert messages.urgency_of(6) == "critical" and messages.urgency_of(2) == "info"


def test_publication_problem_and_indicators(estate: tuple[str, int]) -> None:
    url, oid = estate
    with session_scope(url) as s:
        numbers = []
        for day in (2, 9, 16):
            t = service.open_ticket(
                s,
                oid,
                title="Portail lent",
                requester="Accueil",
                urgency=4,
                impact=4,
                items=[("application", "Portail citoyen")],
                now=paris(2025, 6, day, 9),
            )
            service.assign(s, oid, t.number, assignee="tech1", now=paris(2025, 6, day, 9, 10))
            incidents.assess(
                s,
                oid,
                t.number,
                outage_start=paris(2025, 6, day, 9),
                outage_end=paris(2025, 6, day, 10),
                users=10,
                hosts=[{"name": "srv-app-01", "observed_w": 300, "baseline_w": 150, "hours": 2}],
            )
            service.solve(s, oid, t.number, "Redémarré", actor="tech1", now=paris(2025, 6, day, 10))
            service.rate(s, oid, t.number, 4)
            numbers.append(t.number)
        assert problems.recurring(s, oid, since=paris(2025, 6, 1))[0]["count"] == 3
        p = problems.create(s, oid, "Saturation mémoire", tickets=numbers)
        problems.update(
            s, oid, p.number, known_error=True, root_cause="Fuite mémoire", workaround="Redémarrer le service"
        )
        assert problems.view(s, oid, p.number)["status"] == "known_error"
        assert problems.recurring(s, oid, since=paris(2025, 6, 1)) == []
        t = service.open_ticket(
            s,
            oid,
            title="Portail lent",
            requester="Accueil",
            urgency=4,
            impact=4,
            items=[("application", "Portail citoyen")],
            now=paris(2025, 6, 23, 9),
        )
        incidents.assess(
            s, oid, t.number, outage_start=paris(2025, 6, 23, 9), outage_end=paris(2025, 6, 23, 9, 30)
        )
        msg, _ = comms.publish(
            s, oid, t.number, audience="end_user", channel="portal", lang="fr", actor="tech1"
        )
        assert "Portail citoyen" in msg.subject and "le 23 juin 2025 à 09:00" in msg.body
        assert comms.status_board(s, oid, "fr")[0]["ticket"] == t.number
        techdoc.plan(
            s,
            oid,
            "equipment",
            "srv-app-01",
            "Firmware",
            every=3,
            unit="months",
            first_due=paris(2025, 1, 31).date(),
        )
    data = indicators.kpis(url, ORG, 2025, 6)
    assert data["sd.opened"]["value"] == 4 and data["sd.solved"]["value"] == 3
    assert data["sd.time_to_own"]["value"] == 10  # each owned 10 minutes after opening
    assert data["sd.satisfaction"]["value"] == 4
    assert data["sd.incident_energy"]["value"] == pytest.approx(3 * 150 * 2 * 1.5 / 1000)
    assert data["sd.incident_energy"]["detail"]["without_figure"] == 1  # the open one has no power given
    assert data["sd.incident_cost"]["value"] == pytest.approx(3 * 1 * 10 * 35.6 + 0.5 * 120 * 35.6)
    assert data["sd.problems_open"]["detail"]["known_errors"] == 1
    assert data["sd.maintenance_overdue"]["value"] == 1
    assert set(data["monthly"]) == {"2025-06"}
    empty = kpis.compute([], paris(2025, 1, 1), paris(2025, 2, 1))
    assert empty["sd.time_to_resolve"].estimate.value is None and empty["sd.backlog"].estimate.value == 0


def test_ansible_inventory_is_read_by_ansible(estate: tuple[str, int], tmp_path: Path) -> None:
    from sobre.servicedesk import ansible
    from sobre.servicedesk.vault import Vault

    url, oid = estate
    with session_scope(url) as s:
        techdoc.write(
            s,
            oid,
            "equipment",
            "srv-app-01",
            actor="t",
            settings={"ip": "10.0.12.4", "ansible_user": "exploit"},
        )
        techdoc.set_secret(
            s, Vault(tmp_path / "k"), oid, "equipment", "srv-app-01", "root", "s3cr3t!", actor="t"
        )
    path = tmp_path / "inventory.yml"
    assert ansible.export(url, ORG, path) == 6  # 2 servers, a switch, 3 VMs; the laptop is not managed
    assert "s3cr3t!" not in path.read_text()
    tool = shutil.which("ansible-inventory") or str(Path(sys.executable).parent / "ansible-inventory")
    if not Path(tool).exists():
        pytest.skip("ansible-core is not installed")
    out = subprocess.run(
        [tool, "-i", str(path), "--list"],
        capture_output=True,
        text=True,
        check=True,
        env={"ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible"), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    data = json.loads(out.stdout)
    host = data["_meta"]["hostvars"]["srv-app-01"]
    assert host["ansible_host"] == "10.0.12.4" and host["ansible_user"] == "exploit"
    assert host["sobre_secrets"] == ["root"] and host["sobre_site"] == "Salle serveurs Mairie"
    assert set(data["application_portail_citoyen"]["hosts"]) == {"vm-portail"}
    assert set(data["site_salle_serveurs_mairie"]["hosts"]) >= {"srv-app-01", "srv-db-01", "sw-core-01"}
    assert "PC-ACC-001" not in data["_meta"]["hostvars"]
