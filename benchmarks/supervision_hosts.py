"""Benchmark: the supervised hosts' list beside a large inventory (100,000 items, 20,000 VMs by default).

Run: ``.venv/bin/python benchmarks/supervision_hosts.py [--quick] [n_equipment n_vms n_apps n_hosts]``.
The estate comes from ``benchmarks/estate.py`` and is inserted untimed; ``n_hosts`` hosts (half servers,
half VMs of that estate) are declared linked to their inventory item.  Then ``list_hosts`` (the hosts page
and ``GET …/supervision/hosts``) is timed: it must read the inventory of the hosts it lists, not the estate.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import harness  # noqa: E402
from benchmarks.estate import generate_inventory  # noqa: E402
from benchmarks.footprint_end_to_end import insert_inventory  # noqa: E402
from sobre.core.db import session_scope, write_session  # noqa: E402
from sobre.inventory.models import Equipment, VirtualMachine  # noqa: E402
from sobre.orgs import service as orgs  # noqa: E402
from sobre.supervision.hosts import list_hosts  # noqa: E402
from sobre.supervision.models import Host  # noqa: E402

ORG = "Benchmark hosts"


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", help="n_equipment n_vms n_apps n_hosts")
    args = parser.parse_args()
    default = (5_000, 1_000, 100, 50) if args.quick else (100_000, 20_000, 2_000, 200)
    n_eq, n_vm, n_app, n_hosts = args.sizes if len(args.sizes) == 4 else default
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with session_scope(url) as session:
            org_id = orgs.create(session, ORG, employees=5_000, country="FR").id
        insert_inventory(url, org_id, generate_inventory(n_eq, n_vm, n_app, seed=1))
        with write_session(url) as session:
            servers = session.scalars(
                sa.select(Equipment.id)
                .where(Equipment.org_id == org_id, Equipment.category == "rack_server")
                .order_by(Equipment.id)
                .limit(n_hosts // 2)
            ).all()
            vms = session.scalars(
                sa.select(VirtualMachine.id)
                .where(VirtualMachine.org_id == org_id)
                .order_by(VirtualMachine.id)
                .limit(n_hosts - len(servers))
            ).all()
            for i, eq in enumerate(servers):
                session.add(Host(org_id=org_id, name=f"srv-{i:05d}", source="agent", equipment_id=eq))
            for i, vm in enumerate(vms):
                session.add(
                    Host(org_id=org_id, name=f"vm-{i:05d}", source="agent", vm_id=vm, host_class="vm")
                )
        print(f"setup (untimed): {n_eq:,} items, {n_vm:,} VMs, {len(servers) + len(vms)} hosts")
        walls, cpus = [], []
        for _ in range(5):
            wall, cpu = time.perf_counter(), time.process_time()
            rows = list_hosts(url, ORG)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        linked = sum(1 for r in rows if r["equipment"] or r["vm"])
        print(
            f"list_hosts of {len(rows)} hosts ({linked} linked): "
            f"median {statistics.median(walls) * 1000:.1f} ms, "
            f"CPU {statistics.median(cpus) * 1000:.1f} ms (5 calls)"
        )
        harness.emit(
            harness.Figure(
                f"supervision list_hosts beside {n_eq:,} items",
                statistics.median(walls),
                cpu_seconds=statistics.median(cpus),
                notes={"hosts": len(rows)},
            )
        )


if __name__ == "__main__":
    main()
