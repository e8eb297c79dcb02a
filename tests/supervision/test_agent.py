"""The agent: RAPL zones and wrap-around from a powercap tree, real psutil samples, delivery and backlog."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from sobre.supervision.agent import Agent, Collector, RaplMeter, disks, http_delivery, os_release, rapl_zones

MAX = 262_143_328_850


def zone(root: Path, name: str, label: str, energy: int) -> Path:
    z = root / name
    z.mkdir(parents=True)
    (z / "name").write_text(label + "\n")
    (z / "energy_uj").write_text(f"{energy}\n")
    (z / "max_energy_range_uj").write_text(f"{MAX}\n")
    return z


def test_rapl_packages_and_dram_with_wraparound(tmp_path: Path) -> None:
    p0 = zone(tmp_path, "intel-rapl:0", "package-0", MAX - 30_000_000)
    zone(tmp_path, "intel-rapl:0:0", "core", 0)
    d0 = zone(tmp_path, "intel-rapl:0:1", "dram", 1_000_000)
    zone(tmp_path, "intel-rapl:1", "package-1", 5_000_000)
    assert [z.name for z in rapl_zones(tmp_path)] == ["package-0", "dram", "package-1"]
    meter = RaplMeter(rapl_zones(tmp_path))
    assert meter.read(100.0) is None  # a first reading gives no power yet
    (p0 / "energy_uj").write_text(f"{20_000_000}\n")  # wrapped: 30 J to the top, then 20 J
    (d0 / "energy_uj").write_text(f"{6_000_000}\n")  # 5 J
    (tmp_path / "intel-rapl:1" / "energy_uj").write_text(f"{30_000_000}\n")  # 25 J
    assert meter.read(110.0) == pytest.approx((50 + 5 + 25) / 10)


def test_psys_zone_alone(tmp_path: Path) -> None:
    zone(tmp_path, "intel-rapl:0", "package-0", 0)
    zone(tmp_path, "intel-rapl:1", "psys", 0)
    assert [z.name for z in rapl_zones(tmp_path)] == ["psys"]


def test_collector_reads_this_machine(tmp_path: Path) -> None:
    collector = Collector(powercap=tmp_path / "none")
    first = {p[0] for p in collector.collect(1000.0)}
    second = collector.collect(1015.0)
    names = {p[0] for p in second}
    assert {"cpu_utilisation", "memory_used_ratio", "load1", "processes"} <= first
    assert {"network_receive_bytes_per_s", "disk_read_bytes_per_s"} <= names  # rates need two samples
    assert all(0.0 <= p[3] <= 1.0 for p in second if p[0].endswith("_ratio") or p[0] == "cpu_utilisation")
    info = collector.info()
    assert info["threads"] >= 1 and info["ram_gb"] > 0 and info["agent"].startswith("sobre ")
    (tmp_path / "os-release").write_text('NAME="Debian GNU/Linux"\nVERSION_ID="12"\n')
    assert os_release(tmp_path / "os-release") == ("Debian GNU/Linux", "12")
    block = tmp_path / "block"
    for dev, size, rot in (("sda", 3907029168, "1"), ("nvme0n1", 1953525168, "0"), ("loop0", 100, "0")):
        (block / dev / "queue").mkdir(parents=True)
        (block / dev / "size").write_text(str(size))
        (block / dev / "queue" / "rotational").write_text(rot)
    assert disks(block) == (2000.4, 1000.2)


def test_backlog_is_resent_in_order(tmp_path: Path) -> None:
    received: list[dict] = []
    up = {"ok": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if not up["ok"]:
            return httpx.Response(503, text="busy")
        import json

        received.append(json.loads(request.content))
        assert request.headers["Authorization"] == "Bearer t0k"
        return httpx.Response(202, json={"accepted": 1})

    deliver = http_delivery("http://sobre.test", "t0k", transport=httpx.MockTransport(handler))
    agent = Agent("srv-db", Collector(powercap=tmp_path), deliver, interval=15)
    assert agent.once(1000.0) == 0 and agent.once(1015.0) == 0 and "503" in agent.errors[-1]
    up["ok"] = True
    assert agent.once(1030.0) == 3
    assert [p["points"][0][2] for p in received] == [1000.0, 1015.0, 1030.0]
    assert not agent.backlog
