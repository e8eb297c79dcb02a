"""The demo town's supervision: hosts with three days of metrics, rules, graded alerts, disks, security.

Eight hosts of the town's inventory (six servers and two VMs) send a point every five minutes for the
three days before the demo runs: CPU with a working-day pattern, memory, filesystems (one filling up),
temperatures, RAPL power on a hypervisor and smart-PDU readings on a file server.  One server stopped
reporting two hours ago (HostDown), a hypervisor runs hot on CPU (HighCpu), a volume is almost full and
acknowledged, a server under maintenance is too warm (HighTemperature, silenced by the maintenance
window), a disk shows reallocated sectors (SMART), Wazuh saw an SSH brute force and a critical
vulnerability.  The values come from a seeded generator: the same every run; the times end at the demo's
own run, so that the pages show live hosts.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sobre.core.capabilities import DemoContext
from sobre.core.db import get_engine
from sobre.supervision import alerting, security, service, store, triage
from sobre.supervision.grading import Grade
from sobre.supervision.models import Host
from sobre.supervision.routing import Step

STEP_S = 300
DAYS = 3


@dataclass(frozen=True)
class DemoHost:
    name: str
    cpu: float  # mean CPU utilisation at working hours (0..1)
    memory: float
    var_used: float  # /var use at the start (0..1)
    var_growth: float  # /var growth over the three days (share of its size)
    temperature: float
    meter: str | None = None  # rapl or pdu
    stopped_s: int = 0  # stopped reporting this long ago
    hot_last_s: int = 0  # CPU above 90 % for this long at the end


HOSTS = (
    DemoHost("esx-001", 0.46, 0.71, 0.42, 0.01, 58, meter="rapl"),
    DemoHost("esx-004", 0.62, 0.83, 0.55, 0.01, 63, hot_last_s=1800),
    DemoHost("srv-002", 0.18, 0.52, 0.61, 0.02, 49, meter="pdu"),
    DemoHost("srv-003", 0.24, 0.64, 0.86, 0.05, 52),
    DemoHost("srv-005", 0.15, 0.41, 0.33, 0.00, 87),
    DemoHost("srv-006", 0.11, 0.38, 0.47, 0.00, 45, stopped_s=7200),
    DemoHost("vm-001", 0.35, 0.58, 0.72, 0.02, 0),
    DemoHost("vm-002", 0.09, 0.44, 0.28, 0.00, 0),
)
GB = 2**30


def _day_shape(t: float) -> float:
    """Working hours (7:00–19:00 UTC, weekdays) draw more than nights and weekends."""
    at = datetime.fromtimestamp(t, UTC)
    hour = at.hour + at.minute / 60
    working = at.weekday() < 5 and 7 <= hour < 19
    return 0.35 + 0.65 * (math.sin(math.pi * (hour - 7) / 12) if working else 0.0)


def _points(h: DemoHost, host_id: int, rng: random.Random, now: float, days: int) -> list[store.Row]:
    rows: list[store.Row] = []
    start = now - days * 86400
    end = now - h.stopped_s
    size = 200 * GB
    n = int((end - start) // STEP_S) + 1
    for i in range(n):
        t = start + i * STEP_S
        share = i / max(n - 1, 1)
        cpu = h.cpu * _day_shape(t) + rng.gauss(0, 0.03)
        if h.hot_last_s and t > now - h.hot_last_s:
            cpu = 0.95 + rng.uniform(0, 0.03)
        cpu = min(max(cpu, 0.01), 1.0)
        var = h.var_used + h.var_growth * share + rng.gauss(0, 0.001)
        points = [
            ("cpu_utilisation", "", cpu),
            ("memory_used_ratio", "", min(h.memory + rng.gauss(0, 0.01), 0.99)),
            ("swap_used_ratio", "", max(0.0, 0.02 + rng.gauss(0, 0.005))),
            ("filesystem_used_ratio", "mount=/", 0.38 + rng.gauss(0, 0.0005)),
            ("filesystem_used_ratio", "mount=/var", var),
            ("filesystem_used_bytes", "mount=/var", var * size),
            ("filesystem_size_bytes", "mount=/var", float(size)),
        ]
        if h.temperature:
            points.append(
                ("temperature_celsius", "sensor=package", h.temperature + 6 * cpu + rng.gauss(0, 0.5))
            )
        if h.meter == "rapl":  # two packages and their memory
            watts = 70 + 160 * cpu + rng.gauss(0, 3)
            points += [
                ("rapl_watts", "zone=package-0", watts / 2),
                ("rapl_watts", "zone=package-1", watts / 2),
            ]
        if h.meter == "pdu":
            points.append(("power_watts", "method=pdu", 165 + 120 * cpu + rng.gauss(0, 4)))
        rows += [(host_id, m, lab, t, float(v)) for m, lab, v in points]
    return rows


def _smart_doc(serial: str, reallocated: int) -> dict[str, Any]:
    """A ``smartctl --json -a`` document of an ATA disk (the fields Sobre reads)."""
    return {
        "json_format_version": [1, 0],
        "smartctl": {"version": [7, 3], "exit_status": 0},
        "device": {"name": "/dev/sda", "type": "sat", "protocol": "ATA"},
        "model_family": "Seagate Exos 7E8",
        "model_name": "ST4000NM002A",
        "serial_number": serial,
        "user_capacity": {"bytes": 4_000_787_030_016},
        "smart_status": {"passed": True},
        "temperature": {"current": 34},
        "power_on_time": {"hours": 31_214},
        "ata_smart_attributes": {
            "table": [
                {"id": 5, "name": "Reallocated_Sector_Ct", "raw": {"value": reallocated}},
                {"id": 187, "name": "Reported_Uncorrect", "raw": {"value": 0}},
                {"id": 197, "name": "Current_Pending_Sector", "raw": {"value": 0}},
                {"id": 198, "name": "Offline_Uncorrectable", "raw": {"value": 0}},
            ]
        },
        "ata_smart_self_test_log": {"standard": {"table": [{"status": {"passed": True}}]}},
    }


def _wazuh(now: float) -> str:
    """Two Wazuh alerts as ``alerts.json`` lines: an SSH brute force and a critical vulnerability."""
    at = datetime.fromtimestamp(now - 5400, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    brute = {
        "id": "1733580000.1001",
        "timestamp": at,
        "rule": {
            "id": "5712",
            "level": 10,
            "description": "sshd: brute force trying to get access to the system. Authentication failed.",
            "groups": ["syslog", "sshd", "authentication_failures"],
        },
        "agent": {"id": "003", "name": "srv-002"},
        "data": {"srcip": "203.0.113.45", "srcuser": "admin"},
    }
    vuln = {
        "id": "1733580000.1002",
        "timestamp": at,
        "rule": {
            "id": "23506",
            "level": 13,
            "description": "CVE-2024-3094 affects xz-utils",
            "groups": ["vulnerability-detector"],
        },
        "agent": {"id": "001", "name": "esx-001"},
        "data": {
            "vulnerability": {
                "cve": "CVE-2024-3094",
                "title": "xz-utils: malicious code in the liblzma build (backdoor)",
                "package": {"name": "xz-utils", "version": "5.6.0-0.2"},
                "cvss": {"cvss3": {"base_score": "10.0"}},
            }
        },
    }
    return "\n".join(json.dumps(d) for d in (brute, vuln)) + "\n"


def populate(
    database_url: str,
    org: str,
    *,
    seed: int = 2026,
    now: float | None = None,
    folder: Path,
    days: int = DAYS,
) -> dict[str, int]:
    """Give ``org`` the demo's supervision (hosts linked to inventory items of their names, if any).

    ``days`` of metrics end at ``now``; tests ask for fewer than the demo's three.
    """
    rng = random.Random(seed)
    now = float(int(time.time() if now is None else now) // STEP_S * STEP_S)
    known = {h["name"] for h in service.list_hosts(database_url, org)}
    rows: list[store.Row] = []
    for h in HOSTS:
        if h.name not in known:
            service.add_host(
                database_url, org, h.name, source="agent", os_name="Debian GNU/Linux", os_version="12"
            )
    ids = service.host_ids(database_url, org)
    for h in HOSTS:
        rows += _points(h, ids[h.name], rng, now, days)
    with get_engine(database_url).begin() as conn:
        store.write(conn, rows)
    with get_engine(database_url).begin() as conn:
        conn.execute(sa.update(Host).where(Host.id.in_(list(ids.values()))).values(interval_s=float(STEP_S)))
    alerting.install_default_rules(database_url, org)
    at = datetime.fromtimestamp(now, UTC)
    alerting.add_silence(
        database_url,
        org,
        "host=srv-005",
        starts=at - timedelta(hours=1),
        ends=at + timedelta(hours=3),
        kind="maintenance",
        by="technicien@sobreville.invalid",
        comment="Mise à jour du micrologiciel / firmware update",
    )
    evaluator = alerting.Evaluator(database_url, org)
    for back in (900, 600, 300, 0):  # successive evaluations: pending, then firing after each rule's "for"
        evaluator.evaluate(now=now - back)
    folder.mkdir(parents=True, exist_ok=True)
    disk = folder / "srv-003-sda.json"
    disk.write_text(json.dumps(_smart_doc("ZA1B2C3D", 8)), encoding="utf-8")
    triage.import_smart(database_url, org, "srv-003", disk, at=at - timedelta(hours=6))
    triage.forecasts(database_url, org, "srv-003", now=now)
    counts = triage.record_security(database_url, org, security.parse_wazuh(_wazuh(now), "demo alerts.json"))
    open_alerts = {a["alertname"]: a for a in alerting.list_alerts(database_url, org)}
    if "DiskAlmostFull" in open_alerts:
        alerting.acknowledge(
            database_url,
            org,
            open_alerts["DiskAlmostFull"]["id"],
            by="technicien@sobreville.invalid",
            comment="Purge des journaux planifiée / log purge scheduled",
            at=at,
        )
    alerting.set_escalation(
        database_url,
        org,
        [
            Step(0, "email", "astreinte@sobreville.invalid", Grade.MAJOR),
            Step(30, "email", "dsi@sobreville.invalid", Grade.CRITICAL),
        ],
    )
    today = at.date()
    service.compute_energy(database_url, org, today - timedelta(days=days), today)
    return {"hosts": len(HOSTS), "points": len(rows), "alerts": len(open_alerts), "security": counts["new"]}


def seed(ctx: DemoContext) -> list[Path | str]:
    """The demo town's supervision (see the module docstring)."""
    done = populate(ctx.database_url, ctx.org_name, seed=ctx.seed, folder=ctx.home / "supervision")
    return [
        f"Supervision: {done['hosts']} hosts with {DAYS} days of metrics ({done['points']} points), "
        f"{done['alerts']} open alerts, {done['security']} security events (pages /o/…/supervision)."
    ]
