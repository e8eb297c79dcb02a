"""Disk failure risk from smartctl --json samples of healthy, worn and failing disks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from shutil import which

import pytest

from sobre.supervision import alerting, service, smart, triage
from sobre.supervision.grading import Grade
from tests.supervision.conftest import ORG

DATA = Path(__file__).parent / "data"


def reading(name: str) -> smart.SmartReading:
    return smart.parse((DATA / name).read_text(), name)


def test_healthy_ata_disk() -> None:
    r = reading("smart_ata_healthy.json")
    assert (r.serial, r.protocol, r.passed, r.power_on_hours) == ("ZFL0A1B2", "ATA", True, 36055)
    assert r.attributes == {5: 0, 187: 0, 188: 0, 197: 0, 198: 0}  # Seagate's packed 188 counts its low word
    risk = smart.assess(r)
    assert risk.grade == Grade.INFO and "no sign of wear" in risk.reasons[0]


def test_pending_sectors_are_major_and_their_growth_critical() -> None:
    day1, day2 = reading("smart_ata_worn_day1.json"), reading("smart_ata_worn_day2.json")
    first = smart.assess(day1)
    assert first.grade == Grade.MAJOR
    assert first.reasons == (
        "SMART 5 Reallocated_Sector_Ct raw value 8 > 0",
        "SMART 197 Current_Pending_Sector raw value 16 > 0",
    )
    second = smart.assess(day2, day1)
    assert second.grade == Grade.CRITICAL
    assert "SMART 5 Reallocated_Sector_Ct grew from 8 to 24" in second.reasons
    assert "compared with the previous reading" in second.rests_on


def test_failed_self_test_and_failing_verdict_are_critical() -> None:
    r = reading("smart_ata_failing.json")
    assert r.failing_bit and r.passed is False and r.self_test_failed
    risk = smart.assess(r)
    assert risk.grade == Grade.CRITICAL
    assert risk.reasons[:2] == (
        "the drive reports its own SMART health check as FAILED",
        "the latest self-test failed",
    )


def test_nvme() -> None:
    assert smart.assess(reading("smart_nvme_healthy.json")).grade == Grade.INFO
    bad = smart.assess(reading("smart_nvme_failing.json"))
    assert bad.grade == Grade.CRITICAL
    assert "NVMe media errors 12" in bad.reasons and any("available spare 4 %" in x for x in bad.reasons)


def test_not_smartctl_output() -> None:
    with pytest.raises(ValueError, match="not JSON"):
        smart.parse("smartctl 7.3 ...", "x.txt")
    with pytest.raises(ValueError, match="not smartctl"):
        smart.parse("{}", "x.json")


@pytest.mark.skipif(which("smartctl") is None, reason="smartmontools is not installed")
def test_real_smartctl_error_output_is_refused_clearly() -> None:
    out = subprocess.run(
        ["smartctl", "--json", "-i", "/dev/null"], capture_output=True, text=True, check=False
    ).stdout
    assert json.loads(out)["smartctl"]["exit_status"] != 0
    with pytest.raises(ValueError, match="Unable to detect device type"):
        smart.parse(out, "/dev/null")


def test_import_over_time_raises_then_resolves_the_alert(
    estate: tuple[str, dict[str, int]], tmp_path: Path
) -> None:
    url, _ = estate
    service.add_host(url, ORG, "srv-db")
    assert triage.import_smart(url, ORG, "srv-db", DATA / "smart_ata_worn_day1.json")[0]["risk"] == "major"
    day2 = triage.import_smart(url, ORG, "srv-db", DATA / "smart_ata_worn_day2.json")
    assert day2[0]["risk"] == "critical" and "grew from 8 to 24" in " ".join(day2[0]["reasons"])
    alerts = alerting.list_alerts(url, ORG)
    assert [(a["alertname"], a["level"], a["grade"], a["labels"]["serial"]) for a in alerts] == [
        ("DiskFailureRisk", "critical", "critical", "ZFL0C3D4")  # srv-db hosts the critical payroll VM
    ]
    assert [e["kind"] for e in alerting.alert_detail(url, ORG, alerts[0]["id"])["timeline"]] == [
        "firing",
        "graded",
    ]
    # The disk was replaced: a healthy reading of a disk with the same serial closes the alert.
    healthy = json.loads((DATA / "smart_ata_healthy.json").read_text())
    healthy["serial_number"] = "ZFL0C3D4"
    (tmp_path / "new.json").write_text(json.dumps(healthy))
    triage.import_smart(url, ORG, "srv-db", tmp_path / "new.json")
    assert alerting.list_alerts(url, ORG) == []
    status = triage.smart_status(url, ORG, "srv-db")
    assert [(s["serial"], s["risk"]) for s in status] == [("ZFL0C3D4", "info")]
