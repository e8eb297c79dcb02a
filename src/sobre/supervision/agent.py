"""``sobre agent``: this host's health, performance and energy, every interval, to a Sobre server.

Collected with psutil: CPU utilisation and load, memory and swap, each real filesystem, disk and network
throughput, temperatures, process count and uptime; RAPL power where the kernel exposes it in
``/sys/class/powercap`` (``intel-rapl:N`` package zones and their ``dram`` sub-zones, or the ``psys``
platform zone alone when present, since it already includes them).  ``energy_uj`` counters wrap at
``max_energy_range_uj``; the wrap is unwound (``power.rapl_joules``).  Since Linux 5.10 the counters are
readable by root only; a zone that cannot be read is skipped and said once.

Posts go to ``<server>/api/supervision/v1/points`` with the agent token; a post that fails is kept (up to
an hour of them) and sent again, oldest first, when the server answers.
"""

from __future__ import annotations

import os
import platform
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sobre import __version__
from sobre.supervision.power import rapl_joules

POWERCAP = Path("/sys/class/powercap")
_PSEUDO_FS = {
    "tmpfs",
    "devtmpfs",
    "overlay",
    "squashfs",
    "proc",
    "sysfs",
    "ramfs",
    "autofs",
    "nsfs",
    "efivarfs",
}
_SKIP_BLOCK = ("loop", "ram", "zram", "sr", "dm-", "md", "nbd", "fd")

Point = list[Any]  # [metric, labels, time, value]


@dataclass
class RaplZone:
    name: str
    path: Path
    max_range_uj: float | None


def rapl_zones(root: Path = POWERCAP) -> list[RaplZone]:
    """The RAPL zones to add up: ``psys`` alone when present, else packages plus their ``dram`` zones."""
    found = []
    for zone in sorted(root.glob("intel-rapl:*")):
        name_file = zone / "name"
        if not name_file.is_file() or not (zone / "energy_uj").exists():
            continue
        name = name_file.read_text().strip()
        depth = zone.name.count(":")
        try:
            max_range = float((zone / "max_energy_range_uj").read_text())
        except (OSError, ValueError):
            max_range = None
        found.append((depth, RaplZone(name, zone, max_range)))
    psys = [z for _, z in found if z.name == "psys"]
    if psys:
        return psys
    return [z for d, z in found if (d == 1 and z.name.startswith("package")) or (d == 2 and z.name == "dram")]


@dataclass
class RaplMeter:
    """Watts from successive readings of the RAPL counters."""

    zones: list[RaplZone]
    _last: dict[str, tuple[float, float]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def read(self, now: float) -> float | None:
        total, ok = 0.0, False
        for z in self.zones:
            try:
                energy = float((z.path / "energy_uj").read_text())
            except PermissionError:
                if z.name not in self.unreadable:
                    self.unreadable.append(z.name)
                continue
            except (OSError, ValueError):
                continue
            key = str(z.path)
            before = self._last.get(key)
            self._last[key] = (now, energy)
            if before is None or now <= before[0]:
                continue
            joules = rapl_joules([before[1], energy], z.max_range_uj)[0]  # type: ignore[arg-type]
            if joules == joules:  # not NaN
                total += joules / (now - before[0])
                ok = True
        return total if ok else None


def os_release(path: Path = Path("/etc/os-release")) -> tuple[str, str]:
    """(name, version) of the operating system: ``NAME`` and ``VERSION_ID`` of os-release, else platform."""
    try:
        values = dict(
            line.split("=", 1)
            for line in path.read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )
        return values.get("NAME", "").strip('"'), values.get("VERSION_ID", "").strip('"')
    except OSError:
        return platform.system(), platform.release()


def procs_running(stat: Path = Path("/proc/stat")) -> float | None:
    """Processes runnable right now (Linux ``procs_running``), as node_exporter reports it."""
    try:
        for line in stat.read_text().splitlines():
            if line.startswith("procs_running "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def disks(root: Path = Path("/sys/block")) -> tuple[float, float]:
    """(HDD GB, SSD GB) of the physical block devices (``queue/rotational`` tells them apart)."""
    hdd = ssd = 0.0
    for dev in sorted(root.glob("*")) if root.is_dir() else []:
        if dev.name.startswith(_SKIP_BLOCK):
            continue
        try:
            size_gb = int((dev / "size").read_text()) * 512 / 1e9
            rotational = (dev / "queue" / "rotational").read_text().strip() == "1"
        except (OSError, ValueError):
            continue
        if rotational:
            hdd += size_gb
        else:
            ssd += size_gb
    return round(hdd, 1), round(ssd, 1)


class Collector:
    """One sample of this host's metrics per call."""

    def __init__(self, powercap: Path = POWERCAP) -> None:
        import psutil

        self.psutil = psutil
        psutil.cpu_percent(None)  # the first call only starts the measurement
        self.rapl = RaplMeter(rapl_zones(powercap)) if powercap.is_dir() else RaplMeter([])
        self._io: tuple[float, Any, Any] | None = None
        self.rapl.read(time.time())

    def info(self) -> dict[str, Any]:
        name, version = os_release()
        hdd, ssd = disks()
        return {
            "threads": self.psutil.cpu_count(logical=True),
            "ram_gb": round(self.psutil.virtual_memory().total / 2**30, 2),
            "hdd_gb": hdd,
            "ssd_gb": ssd,
            "os_name": name,
            "os_version": version,
            "agent": f"sobre {__version__}",
        }

    def collect(self, now: float | None = None) -> list[Point]:
        ps = self.psutil
        now = time.time() if now is None else now
        vm, sw = ps.virtual_memory(), ps.swap_memory()
        out: list[Point] = [
            ["cpu_utilisation", {}, now, ps.cpu_percent(None) / 100.0],
            ["load1", {}, now, os.getloadavg()[0]],
            ["memory_used_ratio", {}, now, (vm.total - vm.available) / vm.total],
            ["memory_total_bytes", {}, now, float(vm.total)],
            ["swap_used_ratio", {}, now, sw.percent / 100.0],
            ["processes", {}, now, float(len(ps.pids()))],
            ["uptime_seconds", {}, now, now - ps.boot_time()],
        ]
        running = procs_running()
        if running is not None:
            out.append(["procs_running", {}, now, running])
        seen = set()
        for part in ps.disk_partitions(all=False):
            if part.fstype in _PSEUDO_FS or part.mountpoint in seen:
                continue
            seen.add(part.mountpoint)
            try:
                u = ps.disk_usage(part.mountpoint)
            except OSError:
                continue
            if u.total == 0:
                continue
            lab = {"mount": part.mountpoint}
            out += [
                ["filesystem_used_ratio", lab, now, u.used / (u.used + u.free) if u.used + u.free else 0.0],
                ["filesystem_used_bytes", lab, now, float(u.used)],
                ["filesystem_size_bytes", lab, now, float(u.total)],
            ]
        disk_io, net = ps.disk_io_counters(), ps.net_io_counters(pernic=True)
        rx = sum(v.bytes_recv for k, v in net.items() if k != "lo")
        tx = sum(v.bytes_sent for k, v in net.items() if k != "lo")
        if self._io is not None and disk_io is not None and now > self._io[0]:
            dt = now - self._io[0]
            before_disk, (before_rx, before_tx) = self._io[1], self._io[2]
            out += [
                ["disk_read_bytes_per_s", {}, now, max(disk_io.read_bytes - before_disk.read_bytes, 0) / dt],
                [
                    "disk_write_bytes_per_s",
                    {},
                    now,
                    max(disk_io.write_bytes - before_disk.write_bytes, 0) / dt,
                ],
                ["network_receive_bytes_per_s", {}, now, max(rx - before_rx, 0) / dt],
                ["network_transmit_bytes_per_s", {}, now, max(tx - before_tx, 0) / dt],
            ]
        self._io = (now, disk_io, (rx, tx))
        temps: dict[str, Any] = getattr(ps, "sensors_temperatures", dict)()
        for chip, readings in sorted(temps.items()):
            current = [r.current for r in readings if r.current is not None]
            if current:
                out.append(["temperature_celsius", {"sensor": chip}, now, max(current)])
        watts = self.rapl.read(now)
        if watts is not None:
            out.append(["rapl_watts", {}, now, watts])
        return out


@dataclass
class Agent:
    """Collects every ``interval`` seconds and hands each batch to ``deliver``; keeps what it could not."""

    host: str
    collector: Collector
    deliver: Callable[[dict[str, Any]], None]
    interval: float = 15.0
    backlog: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=240))
    errors: list[str] = field(default_factory=list)

    def payload(self, now: float | None = None) -> dict[str, Any]:
        return {
            "host": self.host,
            "interval": self.interval,
            "info": self.collector.info(),
            "points": self.collector.collect(now),
        }

    def once(self, now: float | None = None) -> int:
        """Collect one batch and send it with anything kept from before; how many batches went out."""
        self.backlog.append(self.payload(now))
        sent = 0
        while self.backlog:
            try:
                self.deliver(self.backlog[0])
            except Exception as exc:  # noqa: BLE001 - any failure means: keep it, try later
                self.errors.append(str(exc))
                break
            self.backlog.popleft()
            sent += 1
        return sent

    def run(self, *, iterations: int | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        done = 0
        while iterations is None or done < iterations:
            started = time.monotonic()
            self.once()
            done += 1
            if iterations is None or done < iterations:
                sleep(max(0.0, self.interval - (time.monotonic() - started)))


def http_delivery(
    server: str, token: str, *, timeout: float = 10.0, transport: Any = None
) -> Callable[[dict[str, Any]], None]:
    """Send a batch to a Sobre server; raises on anything but success (the agent keeps the batch)."""
    import httpx

    client = httpx.Client(
        base_url=server.rstrip("/"),
        timeout=timeout,
        transport=transport,
        headers={"Authorization": f"Bearer {token}"},
    )

    def deliver(payload: dict[str, Any]) -> None:
        response = client.post("/api/supervision/v1/points", json=payload)
        if response.status_code >= 300:
            raise RuntimeError(f"server answered {response.status_code}: {response.text[:200]}")

    return deliver
