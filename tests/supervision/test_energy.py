"""Power and energy: the model, RAPL counters, meter imports and daily energy against hand-computed values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from sobre.core.estimate import Status
from sobre.supervision import power, service, triage
from sobre.supervision.power import HostSpec, modelled_power
from tests.supervision.conftest import ORG

DAY = date(2026, 12, 7)
MIDNIGHT = datetime(2026, 12, 7, tzinfo=UTC).timestamp()


def test_linear_model_per_thread_plus_memory_and_disks() -> None:
    spec = HostSpec(threads=32, ram_gb=128, hdd_gb=4000, ssd_gb=1000)
    p, lo, hi, status, source = modelled_power(spec, np.array([0.0, 0.5, 1.0]))
    extra = 128 * 0.392 + 4 * 0.65 + 1 * 1.2
    assert p == pytest.approx([32 * 0.74 + extra, 32 * (0.74 + 2.76 * 0.5) + extra, 32 * 3.5 + extra])
    assert lo[1] == pytest.approx(32 * (0.71 + 2.79 * 0.5) + 128 * 0.38 + 2.6 + 1.2)
    assert hi[1] == pytest.approx(32 * (0.78 + 3.48 * 0.5) + extra)
    assert status == Status.MODELLED and "Cloud Carbon Footprint" in source
    own = modelled_power(HostSpec(threads=None, p_idle_w=90, p_max_w=310), 0.25)
    assert own[0] == pytest.approx(145.0) and own[3] == Status.INPUT
    with pytest.raises(ValueError, match="thread count is unknown"):
        modelled_power(HostSpec(threads=None), 0.5)


def test_rapl_counter_wraps_around() -> None:
    # 262143328850 µJ is a common max_energy_range_uj; the counter wrapped between the 2nd and 3rd reading.
    top = 262_143_328_850.0
    joules = power.rapl_joules(np.array([top - 2e6, top - 1e6, 3e6]), top)
    assert joules == pytest.approx([1.0, 4.0])
    assert np.isnan(power.rapl_joules(np.array([5e6, 1e6]), None)[0])


def test_integration_skips_gaps() -> None:
    ts = np.array([0, 10, 20, 1000, 1010])
    joules, covered = power.integrate(ts, np.full(5, 100.0), max_gap_s=60)
    assert (joules, covered) == (3000.0, 30.0)


def _post(
    url: str,
    oid: int,
    host: str,
    metric: str,
    values: list[tuple[float, float]],
    labels: dict[str, str] | None = None,
) -> None:
    points = [[metric, labels or {}, t, v] for t, v in values]
    service.ingest(url, oid, {"host": host, "interval": 60, "info": {}, "points": points})


def test_daily_energy_measured_and_modelled(estate: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    url, ids = estate
    for name in ("srv-db", "srv-web", "vm-payroll"):
        service.add_host(url, ORG, name)
    day = [MIDNIGHT + 60 * i for i in range(24 * 60 + 1)]
    # srv-db: no meter, CPU at 50 % all day → the model.
    _post(url, ids["org"], "srv-db", "cpu_utilisation", [(t, 0.5) for t in day])
    # srv-web: a PDU outlet at 200 W every 5 minutes, imported from the PDU's CSV export.
    csv_file = tmp_path / "pdu.csv"
    lines = ["Timestamp;Outlet;Power (W)"] + [
        f"{datetime.fromtimestamp(MIDNIGHT + 300 * i, UTC):%Y-%m-%d %H:%M:%S};srv-web;200,0"
        for i in range(24 * 12 + 1)
    ]
    lines += [
        "2026-12-07 10:00:00;srv-unknown;150",
        "2026-12-07 10:00:00;srv-web;-5",
        "yesterday;srv-web;100",
    ]
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = triage.import_meter(url, ORG, csv_file, method="pdu", rejects_dir=tmp_path / "rejects")
    assert (done["points"], done["rejected"]) == (289, 3)
    rejects = (tmp_path / "rejects" / "pdu.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[0] == "Timestamp;Outlet;Power (W);file;row;reason"
    assert "unknown host 'srv-unknown'" in rejects[1] and "row" in rejects[0] and ";pdu.csv;" in rejects[1]
    # vm-payroll: RAPL at 50 W for the first 12 hours only.
    _post(url, ids["org"], "vm-payroll", "rapl_watts", [(t, 50.0) for t in day[: 12 * 60 + 1]])

    rows = {r["host"]: r for r in service.compute_energy(url, ORG, DAY, DAY)}
    db = rows["srv-db"]
    watts = 32 * (0.74 + 2.76 * 0.5) + 128 * 0.392
    assert db["kwh"] == pytest.approx(watts * 24 / 1000)
    assert db["low"] == pytest.approx((32 * (0.71 + 2.79 * 0.5) + 128 * 0.38) * 24 / 1000)
    assert (db["status"], db["method"], db["pue"]) == ("modelled", "model", 1.4)
    assert db["facility_kwh"] == pytest.approx(watts * 24 / 1000 * 1.4)
    web = rows["srv-web"]
    assert (web["kwh"], web["low"], web["high"]) == pytest.approx((4.8, 4.8, 4.8))
    assert (web["status"], web["method"], web["source"]) == ("measured", "pdu", "smart PDU outlet readings")
    assert web["facility_kwh"] == pytest.approx(4.8 * 1.4)
    vm = rows["vm-payroll"]
    assert (vm["status"], vm["method"], vm["coverage"]) == ("measured", "rapl", 0.5)
    assert vm["kwh"] == pytest.approx(1.2)  # 0.6 kWh over half a day, scaled to the day
    assert (vm["low"], vm["high"]) == pytest.approx((0.9, 1.5))
    assert any("RAPL covers" in w for w in vm["warnings"])

    yearly = service.annual_energy(url, ORG, as_of=DAY)
    # Only measured days of hosts that are inventory equipment: srv-web (the VM's energy is its host's share).
    assert [(y["host"], y["equipment_id"], y["measured_days"]) for y in yearly] == [
        ("srv-web", ids["srv-web"], 1)
    ]
    assert yearly[0]["kwh"].value == pytest.approx(4.8 * 365) and yearly[0]["kwh"].status == Status.MEASURED


def test_meter_file_errors(estate: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    url, _ = estate
    bad = tmp_path / "bmc.csv"
    bad.write_text("when,watts\n2026-12-07T00:00:00,100\n", encoding="utf-8")
    with pytest.raises(Exception, match="no time column"):
        triage.import_meter(url, ORG, bad, method="bmc")
    bad.write_text("time,watts\n2026-12-07T00:00:00,100\n", encoding="utf-8")
    with pytest.raises(Exception, match="no host column"):
        triage.import_meter(url, ORG, bad, method="bmc")
    service.add_host(url, ORG, "srv-db")
    # A cumulative meter in kWh: 1 kWh per hour is 1000 W.
    bad.write_text(
        "time,kwh\n2026-12-07T00:00:00,10\n2026-12-07T01:00:00,11\n2026-12-07T02:00:00,12\n", encoding="utf-8"
    )
    assert triage.import_meter(url, ORG, bad, method="bmc", host="srv-db")["points"] == 2
    latest = [m for m in service.latest_metrics(url, ORG, "srv-db") if m["metric"] == "power_watts"]
    assert latest[0]["value"] == pytest.approx(1000.0) and latest[0]["labels"] == "method=bmc"
