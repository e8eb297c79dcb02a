"""Security events: Wazuh alerts, syslog authentication failures and CVSS advisories, graded with measures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sobre.core.errors import InputError
from sobre.core.i18n import t
from sobre.supervision import security, service, triage
from sobre.supervision.grading import Grade
from tests.supervision.conftest import ORG

DATA = Path(__file__).parent / "data"


def wazuh_alert(
    level: int, rule_id: str, description: str, groups: list[str], agent: str, **extra: object
) -> str:
    alert = {
        "timestamp": "2026-12-07T09:12:44.123+0000",
        "rule": {
            "level": level,
            "description": description,
            "id": rule_id,
            "firedtimes": 3,
            "mail": False,
            "groups": groups,
            "pci_dss": ["10.2.4"],
            "gdpr": ["IV_35.7.d"],
        },
        "agent": {"id": "003", "name": agent, "ip": "10.0.2.15"},
        "manager": {"name": "wazuh-manager"},
        "id": f"1796634764.{rule_id}{level}",
        "full_log": "Dec  7 09:12:44 srv-db sshd[1234]: Failed password for root from 203.0.113.9 port 53422",
        "decoder": {"parent": "sshd", "name": "sshd"},
        "location": "/var/log/auth.log",
    }
    alert.update(extra)
    return json.dumps(alert)


ALERTS = "\n".join(
    [
        wazuh_alert(
            5,
            "5716",
            "sshd: authentication failed.",
            ["syslog", "sshd", "authentication_failed"],
            "srv-web",
            data={"srcip": "203.0.113.9", "dstuser": "root"},
        ),
        wazuh_alert(
            10,
            "5712",
            "sshd: brute force trying to get access to the system. Non existent user.",
            ["syslog", "sshd", "authentication_failures"],
            "srv-db",
            data={"srcip": "203.0.113.9"},
        ),
        wazuh_alert(
            7,
            "550",
            "Integrity checksum changed.",
            ["ossec", "syscheck", "syscheck_entry_modified"],
            "srv-web",
            syscheck={"path": "/etc/passwd", "event": "modified"},
        ),
        wazuh_alert(
            13,
            "23506",
            "CVE-2024-6387 affects openssh-server",
            ["vulnerability-detector"],
            "srv-web",
            data={
                "vulnerability": {
                    "cve": "CVE-2024-6387",
                    "title": "CVE-2024-6387 affects openssh-server",
                    "severity": "High",
                    "status": "Active",
                    "cvss": {"cvss3": {"base_score": "8.1", "vector": {"attack_vector": "network"}}},
                    "package": {"name": "openssh-server", "version": "1:9.2p1-2", "architecture": "amd64"},
                }
            },
        ),
    ]
)


def test_wazuh_levels_and_cvss() -> None:
    events = security.parse_wazuh(ALERTS + "\n")
    assert [(e.category, e.level.value, e.score, e.host) for e in events] == [
        ("auth_failure", "minor", 5.0, "srv-web"),
        ("brute_force", "major", 10.0, "srv-db"),
        ("integrity", "minor", 7.0, "srv-web"),
        ("vulnerability", "major", 8.1, "srv-web"),  # the CVSS score (8.1) wins over the rule level (13)
    ]
    assert events[3].details["cve"] == "CVE-2024-6387" and events[3].details["package"] == "openssh-server"
    assert security.parse_wazuh("[" + ALERTS.replace("\n", ",") + "]")[1].title.startswith(
        "sshd: brute force"
    )
    with pytest.raises(InputError, match="row 2"):
        security.parse_wazuh(ALERTS.splitlines()[0] + "\n{not json\n")
    with pytest.raises(InputError, match="rule.level"):
        security.parse_wazuh(json.dumps({"rule": {"level": 99}}))


SYSLOG = (DATA / "auth.log").read_text(encoding="utf-8")


def test_syslog_failures_counted_per_host_and_source() -> None:
    events = security.parse_syslog(SYSLOG.splitlines(), year=2027)
    summary = [(e.host, e.details["srcip"], e.category, e.level.value, e.details["failures"]) for e in events]
    assert summary == [
        ("srv-db", "198.51.100.23", "brute_force", "major", 8),  # 8 within 120 s: Wazuh 5712/5720, level 10
        ("srv-web", "192.0.2.44", "auth_failure", "minor", 1),
        ("srv-web", "local", "auth_failure", "minor", 1),
    ]
    assert events[0].details["users"] == ["admin", "oracle", "root"]
    assert (
        events[0].details["first"].startswith("2026-12-31T23:59:58")
    )  # the line before New Year is last year's


ADVISORIES = (DATA / "advisories.csv").read_text(encoding="utf-8")


def test_advisories_match_operating_systems_and_models(
    estate: tuple[str, dict[str, int]], tmp_path: Path
) -> None:
    url, ids = estate
    from sobre.core.db import session_scope
    from sobre.inventory.models import Equipment

    with session_scope(url) as s:
        s.get(Equipment, ids["srv-web"]).model = "PowerEdge R740"  # type: ignore[union-attr]
    service.add_host(url, ORG, "srv-db", os_name="Debian GNU/Linux", os_version="12")
    service.add_host(url, ORG, "vm-payroll", os_name="Debian GNU/Linux", os_version="13")
    path = tmp_path / "advisories.csv"
    path.write_text(ADVISORIES, encoding="utf-8")
    counts = triage.import_security(url, ORG, path, "advisories")
    assert counts == {"new": 2, "known": 0, "alerts": 2}
    rows = triage.list_security(url, ORG)
    assert [(r["host"], r["details"]["cve"], r["level"], r["criticality"], r["grade"]) for r in rows] == [
        ("srv-db", "CVE-2024-6387", "major", "critical", "critical"),  # CVSS 8.1 on the payroll's host
        ("srv-web", "CVE-2023-0001", "critical", "low", "major"),  # CVSS 9.8 on a low-criticality server
    ]
    assert t(rows[0]["measure_corrective"], "fr").startswith("Installer la version corrigée")
    assert triage.import_security(url, ORG, path, "advisories") == {"new": 0, "known": 2, "alerts": 0}
    triage.security_done(
        url, ORG, rows[0]["id"], action="openssh-server upgraded to 1:9.2p1-2+deb12u3", by="Camille"
    )
    done = [r for r in triage.list_security(url, ORG, status=None) if r["status"] == "done"]
    assert done[0]["action_taken"].startswith("openssh-server upgraded") and done[0]["done_by"] == "Camille"


def test_advisory_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"row 2.*cvss"):
        security.parse_advisories("id,cvss,product\nCVE-1,eleven,Debian\n", "a.csv")
    with pytest.raises(InputError, match="versions"):
        security.parse_advisories("id,cvss,product,versions\nCVE-1,5,Debian,~>2\n", "a.csv")
    assert security.version_matches(">=2.0,<2.4", "2.3.9") and not security.version_matches(
        ">=2.0,<2.4", "2.4"
    )
    assert security.parse_advisories('[{"id": "CVE-2", "cvss": 4, "product": "Ubuntu"}]')[0].versions == "*"
    assert security.from_cvss(4.0) == Grade.MAJOR
