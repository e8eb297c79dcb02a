"""Load test of the pages of a 100,000-item organisation (target: p95 ≤ 300 ms and no error at 20 users).

The estate (100,000 physical items, 20,000 VMs, 2,000 applications) comes from ``benchmarks/estate.py``,
is inserted into a fresh SQLite home untimed and its footprint computed untimed.  ``sobre serve`` then runs
on a free loopback port and locust (headless) drives it with 20 concurrent signed-in users, each
repeatedly opening the dashboard, a page of the equipment list (any page, by name either way) and an
item's page (its footprint read from the run).  Prints each page's request count, failures, median and
p95, and the whole; then the server's CPU time per request (its processes' user + system time, steadier
than latencies on a shared machine): per page, from requests sent one at a time before the load, and over
the whole load.

    .venv/bin/python benchmarks/web_load.py [--quick] [--users 20] [--seconds 60] [--workers 2]

This file is also the locustfile that the locust process reads (``SOBRE_LOAD`` tells it what to open).
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if os.environ.get("SOBRE_LOAD"):  # read by the locust process
    from locust import HttpUser, between, task

    PLAN = json.loads(os.environ["SOBRE_LOAD"])

    class GreenItManager(HttpUser):
        """A signed-in user going from the dashboard to the inventory and an item, with a short pause."""

        wait_time = between(0.1, 0.5)

        def on_start(self) -> None:
            self.client.cookies.set("sobre_session", random.choice(PLAN["sessions"]))

        @task
        def dashboard(self) -> None:
            self.client.get(f"/o/{PLAN['org']}/", name="dashboard")

        @task(2)
        def inventory_list(self) -> None:
            page = random.randint(1, PLAN["pages"])
            sort = random.choice(("name", "-name"))
            self.client.get(
                f"/o/{PLAN['org']}/inventory?kind=equipment&sort={sort}&page={page}", name="inventory list"
            )

        @task(2)
        def item(self) -> None:
            self.client.get(
                f"/o/{PLAN['org']}/inventory/equipment/{random.choice(PLAN['items'])}", name="item"
            )


def _setup(home: Path, sizes: tuple[int, int, int], users: int) -> dict[str, object]:
    """The estate in a fresh home, its footprint, and one signed-in session per simulated user."""
    import sqlalchemy as sa

    from benchmarks.estate import generate_inventory
    from benchmarks.footprint_end_to_end import insert_inventory
    from sobre.core.db import session_scope
    from sobre.core.settings import load_settings
    from sobre.footprint.runs.service import run_footprint
    from sobre.inventory.models import Equipment
    from sobre.orgs import service as orgs
    from sobre.web import service

    url = load_settings(home).database_url
    n_eq, n_vm, n_app = sizes
    with session_scope(url) as s:
        org_id = orgs.create(s, "Benchmark web", employees=5_000, country="FR").id
    insert_inventory(url, org_id, generate_inventory(n_eq, n_vm, n_app, seed=3))
    run_footprint(url, "Benchmark web", reference_date=date(2025, 12, 31))
    with session_scope(url) as s:
        user = service.create_user(s, "load@bench.example", "a long benchmark password", name="Load")
        service.grant(s, user, org_id, "manager")
        sessions = [
            service.open_session(
                s, user, address="127.0.0.1", user_agent="locust", policy=service.SessionPolicy()
            )
            for _ in range(users)
        ]
        ids = list(s.scalars(sa.select(Equipment.id).where(Equipment.org_id == org_id)))
    random.Random(0).shuffle(ids)
    from sobre.inventory.routes import LIST_PAGE

    return {"org": org_id, "sessions": sessions, "items": ids[:2_000], "pages": -(-len(ids) // LIST_PAGE)}


def _server_cpu() -> float:
    """CPU seconds used so far by the ``sobre serve`` process this benchmark started and its workers."""
    import psutil

    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "serve" not in child.cmdline():
                continue
            for process in (child, *child.children(recursive=True)):
                times = process.cpu_times()
                total += times.user + times.system
        except psutil.Error:  # a worker that ended meanwhile
            continue
    return total


def _paths(plan: dict[str, Any], rng: random.Random) -> dict[str, str]:
    org = plan["org"]
    return {
        "dashboard": f"/o/{org}/",
        "inventory list": f"/o/{org}/inventory?kind=equipment&sort={rng.choice(('name', '-name'))}"
        f"&page={rng.randint(1, int(plan['pages']))}",
        "item": f"/o/{org}/inventory/equipment/{rng.choice(plan['items'])}",
    }


def _cpu_per_page(base: str, plan: dict[str, Any], rounds: int) -> dict[str, float]:
    """Server CPU milliseconds per request of each page, requests sent one at a time (after a warm-up)."""
    import httpx

    rng = random.Random(1)
    out = {}
    with httpx.Client(base_url=base, cookies={"sobre_session": plan["sessions"][0]}, timeout=60) as client:
        for name in _paths(plan, rng):
            for _ in range(3):
                client.get(_paths(plan, rng)[name]).raise_for_status()
            before = _server_cpu()
            for _ in range(rounds):
                client.get(_paths(plan, rng)[name]).raise_for_status()
            out[name] = (_server_cpu() - before) * 1000 / rounds
    return out


def main() -> None:
    from tests.web.live import live_server

    from benchmarks import harness

    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=0, help="duration (default 60, quick 15)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    args = parser.parse_args()
    sizes = (10_000, 2_000, 200) if args.quick else (100_000, 20_000, 2_000)
    seconds = args.seconds or (15 if args.quick else 60)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        mark = time.perf_counter()
        plan = _setup(home, sizes, args.users)
        print(
            f"setup (untimed): {sizes[0]:,} items inserted and computed in {time.perf_counter() - mark:.1f} s"
        )
        with live_server(home, workers=args.workers) as base:
            cpu_per_page = _cpu_per_page(base, plan, 10 if args.quick else 40)
            cpu_before = _server_cpu()
            prefix = Path(tmp) / "locust"
            env = {**os.environ, "SOBRE_LOAD": json.dumps(plan)}
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    __file__,
                    "--headless",
                    "--only-summary",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.users),
                    "-t",
                    f"{seconds}s",
                    "--host",
                    base,
                    "--csv",
                    str(prefix),
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
            )
            cpu_load = _server_cpu() - cpu_before
            with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            with open(f"{prefix}_failures.csv", encoding="utf-8") as f:
                errors = list(csv.DictReader(f))
    print(f"{args.users} users for {seconds} s on loopback, {args.workers} server workers:")
    figures = []
    for row in rows:
        name = row["Name"]
        requests, failures = int(row["Request Count"]), int(row["Failure Count"])
        p95 = float(row["95%"]) if row["95%"] not in ("N/A", "") else float("nan")
        print(
            f"  {name:<16} {requests:6d} requests, {failures:4d} errors, "
            f"median {row['Median Response Time']} ms, p95 {p95:.0f} ms"
        )
        figures.append(
            harness.Figure(
                f"web {name} p95 ({sizes[0]:,} items, {args.users} users)",
                p95 / 1000,
                target="≤ 0.3 s",
                notes={
                    "requests": requests,
                    "errors": failures,
                    "median_ms": row["Median Response Time"],
                    "server_cpu_ms": round(cpu_per_page[name], 1) if name in cpu_per_page else None,
                },
            )
        )
    print(
        "server CPU per request, one request at a time: "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in cpu_per_page.items())
    )
    served = sum(int(r["Request Count"]) for r in rows if r["Name"] != "Aggregated")
    if served:
        print(f"server CPU per request under load (all pages): {cpu_load * 1000 / served:.1f} ms")
    for failure in errors:
        print(f"  error on {failure['Name']}: {failure['Error']} ({failure['Occurrences']}×)")
    harness.emit(*figures)


if __name__ == "__main__":
    main()
