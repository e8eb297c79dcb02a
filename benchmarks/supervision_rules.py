"""Benchmark: 500 alert rules over 1,000 hosts, evaluated in bulk (target: under one second).

Run: ``.venv/bin/python benchmarks/supervision_rules.py [--quick] [rules hosts]``.  Each host reports 20
metrics (4 of them per filesystem, 3 filesystems); the rules mix thresholds, ``for``, hysteresis,
``keep_firing_for`` and label filters.  Times the pure engine and, separately, one whole evaluation through
the database (latest values of 1,000 hosts read from SQLite, transitions written, alerts routed).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import harness  # noqa: E402
from sobre.supervision.rules import Rule, RuleEngine, Snapshot  # noqa: E402

SCALAR = [
    "cpu_utilisation",
    "load1",
    "memory_used_ratio",
    "swap_used_ratio",
    "procs_running",
    "processes",
    "temperature_celsius",
    "disk_read_bytes_per_s",
]
PER_MOUNT = ["filesystem_used_ratio", "filesystem_used_bytes", "filesystem_size_bytes", "inode_used_ratio"]
MOUNTS = ["/", "/var", "/data"]


def rules(n: int, rng: np.random.Generator) -> list[Rule]:
    out = []
    metrics = SCALAR + PER_MOUNT
    for i in range(n):
        metric = metrics[i % len(metrics)]
        thr = float(rng.uniform(0.5, 0.95))
        labels = (("mount", MOUNTS[i % 3]),) if metric in PER_MOUNT and i % 2 else ()
        out.append(
            Rule(
                f"r{i}",
                metric,
                ">",
                thr,
                for_s=int(rng.choice([0, 30, 60, 300])),
                keep_firing_for_s=int(rng.choice([0, 0, 120])),
                clear=thr - 0.05 if i % 3 == 0 else None,
                labels=labels,
            )
        )
    return out


def series_keys(hosts: int) -> list[tuple[str, tuple[str, tuple[tuple[str, str], ...]]]]:
    keys = []
    for h in range(hosts):
        name = f"host-{h:04d}"
        keys += [(m, (name, ())) for m in SCALAR]
        keys += [(m, (name, (("mount", mount),))) for m in PER_MOUNT for mount in MOUNTS]
    return keys


def snapshot(keys: list, values: np.ndarray) -> Snapshot:
    return Snapshot.from_rows((m, k, float(v)) for (m, k), v in zip(keys, values, strict=True))


def engine_only(n_rules: int, n_hosts: int, rounds: int, *, worst: bool) -> list[float]:
    """Steady: each value moves a little every 15 s (a random walk); worst: every value is drawn anew."""
    rng = np.random.default_rng(0)
    engine = RuleEngine(rules(n_rules, rng))
    keys = series_keys(n_hosts)
    values = rng.uniform(0, 1, len(keys))
    times, moved = [], 0
    engine.evaluate(snapshot(keys, values), 0.0)  # the first round opens every alert at once
    for r in range(1, rounds + 1):
        values = (
            rng.uniform(0, 1, len(keys)) if worst else np.clip(values + rng.normal(0, 0.01, len(keys)), 0, 1)
        )
        snap = snapshot(keys, values)
        t0 = time.perf_counter()
        moved += len(engine.evaluate(snap, r * 15.0))
        times.append(time.perf_counter() - t0)
    print(f"  {len(keys):,} series; {moved / rounds:,.0f} transitions per round")
    return times


def through_database(n_rules: int, n_hosts: int) -> float:
    from sobre.core.db import get_engine, session_scope
    from sobre.orgs import service as orgs
    from sobre.supervision import alerting, store
    from sobre.supervision.models import Host
    from sobre.supervision.notify import Notifier, RecordingSender

    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.db"
    with session_scope(url) as s:
        org = orgs.create(s, "Bench")
        s.add_all(
            [
                Host(org_id=org.id, name=f"host-{h:04d}", source="agent", interval_s=15.0)
                for h in range(n_hosts)
            ]
        )
    rng = np.random.default_rng(1)
    now = time.time()
    with get_engine(url).begin() as conn:
        ids = [r[0] for r in conn.execute(Host.__table__.select().with_only_columns(Host.id))]
        # A healthy estate: values mostly below the thresholds (0.5–0.95), so a few per cent alert.
        rows = [(i, m, "", now, float(rng.beta(2, 8))) for i in ids for m in SCALAR]
        rows += [
            (i, m, store.encode_labels({"mount": mt}), now, float(rng.beta(2, 8)))
            for i in ids
            for m in PER_MOUNT
            for mt in MOUNTS
        ]
        store.write(conn, rows)
    for r in rules(n_rules, np.random.default_rng(0)):
        alerting.add_rule(
            url,
            "Bench",
            r.name,
            r.metric,
            r.op,
            r.threshold,
            for_=r.for_s,
            keep_firing_for=r.keep_firing_for_s,
            clear=r.clear,
            labels=dict(r.labels),
        )
    evaluator = alerting.Evaluator(url, "Bench")
    notifier = Notifier({"email": RecordingSender(), "webhook": RecordingSender()})
    t0 = time.perf_counter()
    first = evaluator.evaluate(now=now, notifier=notifier)
    print(
        f"  first round through SQLite: {first.transitions:,} transitions in {time.perf_counter() - t0:.2f} s"
    )
    t0 = time.perf_counter()
    result = evaluator.evaluate(now=now + 15, notifier=notifier)
    elapsed = time.perf_counter() - t0
    print(
        f"  second round through SQLite: {result.transitions:,} transitions, "
        f"{sum(result.firing.values()):,} firing"
    )
    return elapsed


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    n_rules, n_hosts = (int(args[0]), int(args[1])) if len(args) >= 2 else (500, 1000)
    rounds = 5 if quick else 20
    print(f"{n_rules} rules over {n_hosts} hosts, {rounds} rounds")
    figures = []
    for worst in (False, True):
        times = engine_only(n_rules, n_hosts, rounds, worst=worst)
        label = "worst case, every value redrawn" if worst else "steady state, values drifting"
        print(
            f"engine, {label}: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms per evaluation (target < 1000 ms)"
        )
        figures.append(
            harness.Figure(
                f"supervision rules {'worst' if worst else 'steady'} {n_rules}×{n_hosts}",
                statistics.median(times),
                target="≤ 1 s",
                notes={"max_seconds": max(times), "rounds": rounds},
            )
        )
    if not quick or "--database" in sys.argv:
        seconds = through_database(n_rules, n_hosts)
        print(f"whole evaluation through the database: {seconds:.2f} s")
        figures.append(harness.Figure(f"supervision rules via database {n_rules}×{n_hosts}", seconds))
    harness.emit(*figures)


if __name__ == "__main__":
    main()
