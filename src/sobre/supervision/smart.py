"""Disk failure risk from SMART data (``smartctl --json`` output, smartmontools ≥ 7).

Read from the JSON that ``smartctl --json -a /dev/X`` writes: ``device``, ``model_name``,
``serial_number``, ``smart_status.passed``, ``smartctl.exit_status`` (bit 3: "disk failing"),
``ata_smart_attributes.table[]`` (``id``, ``name``, ``raw.value``), the self-test logs
(``ata_smart_self_test_log.standard.table[].status.passed``, ``nvme_self_test_log.table[]``) and, for NVMe,
``nvme_smart_health_information_log`` (``media_errors``, ``critical_warning``, ``percentage_used``,
``available_spare`` and its threshold).

Risk (DESIGN §9, after the attributes Backblaze's drive statistics found predictive): any of SMART 5
(reallocated sectors), 187 (reported uncorrectable), 188 (command timeout), 197 (current pending) or 198
(offline uncorrectable) with a raw value above 0 → **major**; one of them growing since the previous
reading, a failed self-test, or the drive's own "failing" verdict → **critical**.  NVMe: media errors or
a critical warning → major, growth of media errors, spare below its threshold or the failing verdict →
critical.  Each assessment lists the facts it rests on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sobre.supervision.grading import Grade

WATCHED = {
    5: "Reallocated_Sector_Ct",
    187: "Reported_Uncorrect",
    188: "Command_Timeout",
    197: "Current_Pending_Sector",
    198: "Offline_Uncorrectable",
}
_FAILING_BIT = 1 << 3


@dataclass(frozen=True)
class SmartReading:
    """The facts Sobre keeps from one ``smartctl --json`` run."""

    device: str
    serial: str
    model: str
    protocol: str  # ATA, NVMe, SCSI
    passed: bool | None
    failing_bit: bool
    attributes: dict[int, int]  # watched ATA attribute id → raw value
    self_test_failed: bool
    temperature_c: float | None = None
    power_on_hours: int | None = None
    capacity_bytes: int | None = None
    nvme: dict[str, int] = field(default_factory=dict)


def parse(text: str | bytes | dict[str, Any], source: str = "smartctl output") -> SmartReading:
    """Read one ``smartctl --json`` document; ``ValueError`` naming ``source`` when it is not one."""
    try:
        doc = text if isinstance(text, dict) else json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or "smartctl" not in doc and "json_format_version" not in doc:
        raise ValueError(f"{source}: not smartctl --json output (no 'smartctl' or 'json_format_version' key)")
    ctl = doc.get("smartctl") or {}
    device = doc.get("device") or {}
    if not device and not doc.get("serial_number"):
        messages = "; ".join(m.get("string", "") for m in ctl.get("messages", []) if isinstance(m, dict))
        raise ValueError(f"{source}: smartctl read no device ({messages or 'no device section'})")
    attrs: dict[int, int] = {}
    for row in (doc.get("ata_smart_attributes") or {}).get("table", []):
        if row.get("id") in WATCHED:
            raw = (row.get("raw") or {}).get("value")
            if isinstance(raw, int):
                # Seagate packs three 16-bit counters into 188's raw value; the low word is the count.
                attrs[row["id"]] = raw & 0xFFFF if row["id"] == 188 else raw
    failed = False
    std = ((doc.get("ata_smart_self_test_log") or {}).get("standard") or {}).get("table", [])
    for row in std[:1]:  # the newest test comes first
        if (row.get("status") or {}).get("passed") is False:
            failed = True
    for row in (doc.get("nvme_self_test_log") or {}).get("table", [])[:1]:
        result = (row.get("self_test_result") or {}).get("value")
        if isinstance(result, int) and result not in (0, 1, 2):  # 0 done, 1 aborted by command, 2 by reset
            failed = True
    nvme_log = doc.get("nvme_smart_health_information_log") or {}
    nvme = {
        k: int(nvme_log[k])
        for k in (
            "media_errors",
            "critical_warning",
            "percentage_used",
            "available_spare",
            "available_spare_threshold",
        )
        if isinstance(nvme_log.get(k), int)
    }
    status = doc.get("smart_status") or {}
    return SmartReading(
        device=str(device.get("name", "")),
        serial=str(doc.get("serial_number", "")),
        model=str(doc.get("model_name") or doc.get("model_family") or ""),
        protocol=str(device.get("protocol", "")),
        passed=status.get("passed") if isinstance(status.get("passed"), bool) else None,
        failing_bit=bool(int(ctl.get("exit_status", 0) or 0) & _FAILING_BIT),
        attributes=attrs,
        self_test_failed=failed,
        temperature_c=(doc.get("temperature") or {}).get("current"),
        power_on_hours=(doc.get("power_on_time") or {}).get("hours"),
        capacity_bytes=(doc.get("user_capacity") or {}).get("bytes"),
        nvme=nvme,
    )


@dataclass(frozen=True)
class Risk:
    grade: Grade  # info means healthy
    reasons: tuple[str, ...]
    rests_on: str


def assess(current: SmartReading, previous: SmartReading | None = None) -> Risk:
    """Failure risk of a disk from its latest reading and, when known, the one before."""
    reasons: list[str] = []
    critical = False
    major = False
    if current.passed is False or current.failing_bit:
        reasons.append("the drive reports its own SMART health check as FAILED")
        critical = True
    if current.self_test_failed:
        reasons.append("the latest self-test failed")
        critical = True
    for attr, raw in sorted(current.attributes.items()):
        if raw > 0:
            major = True
            before = previous.attributes.get(attr) if previous else None
            if before is not None and raw > before:
                critical = True
                reasons.append(f"SMART {attr} {WATCHED[attr]} grew from {before} to {raw}")
            else:
                reasons.append(f"SMART {attr} {WATCHED[attr]} raw value {raw} > 0")
    nv = current.nvme
    if nv.get("media_errors", 0) > 0:
        major = True
        before = previous.nvme.get("media_errors") if previous else None
        if before is not None and nv["media_errors"] > before:
            critical = True
            reasons.append(f"NVMe media errors grew from {before} to {nv['media_errors']}")
        else:
            reasons.append(f"NVMe media errors {nv['media_errors']}")
    if nv.get("critical_warning", 0) > 0:
        major = True
        reasons.append(f"NVMe critical warning flags {nv['critical_warning']:#x}")
    if (
        "available_spare" in nv
        and "available_spare_threshold" in nv
        and nv["available_spare"] < nv["available_spare_threshold"]
    ):
        critical = True
        reasons.append(
            f"NVMe available spare {nv['available_spare']} % "
            f"below its threshold {nv['available_spare_threshold']} %"
        )
    grade = Grade.CRITICAL if critical else Grade.MAJOR if major else Grade.INFO
    watched = ", ".join(f"{a}={v}" for a, v in sorted(current.attributes.items())) or "none reported"
    rests_on = (
        f"{current.model or 'disk'} {current.serial or current.device}: health check "
        f"{'passed' if current.passed else 'failed' if current.passed is False else 'not reported'}; "
        f"attributes {watched}; {'compared with the previous reading' if previous else 'no previous reading'}"
    )
    return Risk(grade, tuple(reasons) or ("no sign of wear in the watched attributes",), rests_on)
