"""A real node_exporter, Prometheus and Alertmanager on loopback ports, and Sobre reading and receiving.

node_exporter exposes this machine; Prometheus scrapes it every second and evaluates the rule Sobre
exported; Alertmanager posts to Sobre's webhook.  Load is niced busy loops: they count as running
processes (``node_procs_running``) without taking CPU from anything else on the machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from shutil import which

import httpx
import pytest

from sobre.core.errors import SobreError
from sobre.supervision import alerting, service
from sobre.supervision.prometheus import HttpPrometheus, read_hosts
from tests.supervision.conftest import ORG, seed_estate

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not all(which(b) for b in ("prometheus", "prometheus-node-exporter", "prometheus-alertmanager")),
        reason="needs prometheus, prometheus-node-exporter and prometheus-alertmanager (setup.sh --dev)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except (httpx.HTTPError, OSError, SobreError):
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.terminate()
    for p in started:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def start(processes: list[subprocess.Popen], args: list[str], log: Path) -> None:
    processes.append(subprocess.Popen(args, stdout=log.open("w"), stderr=subprocess.STDOUT))


def busy_loops(n: int) -> list[subprocess.Popen]:
    # Longer than every wait below (the test stops them): on a loaded machine, loops that ended on their own
    # after 60 s could stop before the rule had fired.
    code = "import os, time\nos.nice(19)\nend = time.time() + 300\nwhile time.time() < end: pass\n"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]


def test_prometheus_node_exporter_alertmanager_and_sobre(
    sqlite_url: str, tmp_path: Path, processes: list[subprocess.Popen]
) -> None:
    import uvicorn
    from fastapi import FastAPI

    from sobre.supervision.routes import make_router

    url = sqlite_url
    ids = seed_estate(url)
    node, prom, am, sobre_port = free_port(), free_port(), free_port(), free_port()
    instance = f"127.0.0.1:{node}"
    service.add_host(url, ORG, "srv-test", instance=instance, equipment="srv-db", source="prometheus")
    start(
        processes,
        [
            "prometheus-node-exporter",
            f"--web.listen-address=127.0.0.1:{node}",
            "--collector.disable-defaults",
            "--collector.cpu",
            "--collector.meminfo",
            "--collector.filesystem",
            "--collector.loadavg",
            "--collector.stat",
            "--collector.rapl",
        ],
        tmp_path / "node.log",
    )
    wait_for(
        lambda: httpx.get(f"http://{instance}/metrics", timeout=2).status_code == 200, 20, "node_exporter"
    )

    # Sobre's server, for Alertmanager's webhook.
    token = service.create_token(url, ORG, "alertmanager")
    app = FastAPI()
    app.include_router(make_router(url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=sobre_port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 20, "Sobre's server")

    # Baseline of running processes on this (shared) machine, read straight from node_exporter.
    def running() -> float:
        text = httpx.get(f"http://{instance}/metrics", timeout=2).text
        return float(
            next(line.split()[1] for line in text.splitlines() if line.startswith("node_procs_running "))
        )

    baseline = []
    for _ in range(6):
        baseline.append(running())
        time.sleep(0.3)
    threshold = max(baseline) + 10
    loops = 32  # runnable even when the other processes of this shared machine are not
    alerting.add_rule(
        url,
        ORG,
        "ManyRunning",
        "procs_running",
        ">",
        threshold,
        for_="2s",
        severity="warning",
        summary="More runnable processes than the machine's usual",
    )
    rules = tmp_path / "rules.yml"
    rules.write_text(alerting.export_rules(url, ORG), encoding="utf-8")
    check = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    (tmp_path / "am.yml").write_text(
        "route:\n  receiver: sobre\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n"
        "  repeat_interval: 1h\n"
        "receivers:\n  - name: sobre\n    webhook_configs:\n"
        f"      - url: http://127.0.0.1:{sobre_port}/api/supervision/v1/alertmanager\n"
        "        send_resolved: true\n"
        f"        http_config:\n          authorization:\n            credentials: {token}\n"
    )
    start(
        processes,
        [
            "prometheus-alertmanager",
            f"--config.file={tmp_path / 'am.yml'}",
            f"--storage.path={tmp_path / 'am'}",
            f"--web.listen-address=127.0.0.1:{am}",
            "--cluster.listen-address=",
        ],
        tmp_path / "am.log",
    )
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files: [{rules}]\n"
        f"alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am}']\n"
        f"scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['{instance}']\n"
    )
    start(
        processes,
        [
            "prometheus",
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom}",
        ],
        tmp_path / "prometheus.log",
    )
    source = HttpPrometheus(f"http://127.0.0.1:{prom}")
    wait_for(lambda: any(s.value == 1 for s in source.query("up")), 30, "Prometheus's first scrape")
    wait_for(
        lambda: source.query('rate(node_cpu_seconds_total{mode="idle"}[5m])'), 30, "two scrapes for rates"
    )

    # Sobre reads the host through Prometheus and maps the instance to the inventory's srv-db.
    host = read_hosts(source)[instance]
    assert (
        host["cpu_threads"] == os.cpu_count()
        and host["memory_total_bytes"] > 0
        and 0 <= host["cpu_utilisation"] <= 1
    )
    evaluator = alerting.Evaluator(url, ORG)
    assert evaluator.evaluate(source=source).firing == {}
    mapped = {h["name"]: h for h in service.list_hosts(url, ORG)}["srv-test"]
    assert (mapped["equipment_id"], mapped["criticality"], mapped["threads"]) == (
        ids["srv-db"],
        "critical",
        os.cpu_count(),
    )

    load = busy_loops(loops)
    try:
        seen: dict[str, object] = {}

        def sobre_fired() -> bool:
            evaluator.evaluate(source=source)
            # Sobre's own rule alert, graded minor × critical asset.  The count of firing alerts is not
            # enough: on a loaded machine Alertmanager's copy of the same alert may land first, and both
            # are counted.
            rule_alerts = [
                (a["alertname"], a["grade"])
                for a in alerting.list_alerts(url, ORG, state="firing")
                if a["source"] == "rule"
            ]
            seen.update(rule_alerts=rule_alerts, running=running())
            return rule_alerts == [("ManyRunning", "major")]

        try:
            wait_for(sobre_fired, 90, "Sobre's rule to fire")
        except AssertionError as exc:
            raise AssertionError(f"{exc} (threshold {threshold}, last seen {seen})") from None
        received = wait_for(
            lambda: [a for a in alerting.list_alerts(url, ORG) if a["source"] == "alertmanager"],
            40,
            "Alertmanager's webhook",
        )
        assert [(a["alertname"], a["host"], a["level"], a["criticality"], a["grade"]) for a in received] == [  # type: ignore[union-attr]
            ("ManyRunning", "srv-test", "minor", "critical", "major")
        ]
    finally:
        for p in load:
            p.send_signal(signal.SIGTERM)
        for p in load:
            p.wait(timeout=10)

    wait_for(lambda: evaluator.evaluate(source=source).firing == {}, 90, "Sobre's alert to resolve")
    rule_alerts = [a for a in alerting.list_alerts(url, ORG, state=None) if a["source"] == "rule"]
    assert [(a["alertname"], a["state"]) for a in rule_alerts] == [("ManyRunning", "resolved")]
    wait_for(
        lambda: not [a for a in alerting.list_alerts(url, ORG) if a["source"] == "alertmanager"],
        40,
        "the resolved webhook",
    )

    # Energy of the day so far, queried from Prometheus (no RAPL here: the model on CPU utilisation).
    today = datetime.now(UTC).date()
    rows = service.compute_energy(
        url, ORG, today, today, host="srv-test", prometheus=source, prometheus_step=1
    )
    assert len(rows) == 1
    day = rows[0]
    assert day["status"] in ("modelled", "measured") and day["kwh"] > 0 and day["pue"] == 1.4
    if day["method"] == "model":
        threads = os.cpu_count() or 1
        ram = mapped["ram_gb"] or 0.0
        floor = (threads * 0.74 + ram * 0.392) * 24 / 1000
        ceiling = (threads * 3.5 + ram * 0.392) * 24 / 1000
        assert floor * 0.99 <= day["kwh"] <= ceiling * 1.01
    server.should_exit = True
    thread.join(timeout=10)
