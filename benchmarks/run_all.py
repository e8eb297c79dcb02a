"""Run every benchmark, each in its own process, and print one table of figures, anchors, ratios and targets.

    bash benchmarks/run_all.sh [--quick] [--only NAME …] [--repeat N]

``--quick`` runs small sizes (a development loop, under a minute once BoaviztAPI's virtual environment
exists); targets are checked only at full size.  Each benchmark's peak memory is its own process's
(``os.wait4``).  ``--repeat N`` runs the whole list N times, in rounds (every benchmark once, then again), so
that a noisy minute of a shared machine spoils one sample of each figure rather than every sample of one;
the table then gives each figure's median, its range and the verdict on the median.  Before each benchmark a
fixed pure-Python loop is timed (:func:`probe`): the table's ``probe`` column gives its median over the
figure's rounds, so a figure measured in a slow minute shows it (this machine's speed varies by up to twice
within an hour).  Exit status 1 when a benchmark fails; missed targets are reported, not failures (the lead
measures final figures on a quiet machine).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.harness import MARK  # noqa: E402

BENCHMARKS: list[tuple[str, str, list[str]]] = [
    ("import", "import_1m.py", []),
    ("engine", "footprint_engine.py", []),
    ("boavizta", "boavizta_throughput.py", []),
    ("end-to-end sqlite", "footprint_end_to_end.py", []),
    ("end-to-end postgresql", "footprint_end_to_end.py", ["--postgres"]),
    ("report", "report_100k.py", []),
    ("scenario", "scenario_three_changes.py", []),
    ("supervision hosts", "supervision_hosts.py", []),
    ("supervision rules", "supervision_rules.py", []),
    ("supervision ingest", "supervision_ingest.py", []),
]


#: Additions of the speed probe: 0.12–0.25 s of one core on the 2-core development machine.
PROBE_ADDITIONS = 5_000_000


def probe() -> float:
    """Seconds one core takes for :data:`PROBE_ADDITIONS` additions in plain Python: the machine's speed at
    that minute (a shared virtual machine's varies with its neighbours)."""
    start = time.perf_counter()
    total = 0
    for i in range(PROBE_ADDITIONS):
        total += i
    return time.perf_counter() - start


def _run(script: str, args: list[str]) -> tuple[int, list[dict], float, float]:
    """(exit status, figures, wall seconds, peak RSS in MB of the child) of one benchmark."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE, text=True, env=env
    )
    figures: list[dict] = []
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(MARK):
            figures += json.loads(line[len(MARK) :])
        else:
            print("   ", line, end="", flush=True)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, figures, time.perf_counter() - start, usage.ru_maxrss / 1024


def _verdict(fig: dict) -> str:
    target = fig.get("target")
    if not target:
        return ""
    number = float(re.sub(r"[^0-9.]", "", target.split()[1]))
    if "anchor" in target:
        value = fig.get("ratio")
        if value is None:
            return "no anchor"
    elif target.strip().endswith("GB"):
        value = (fig.get("added_mb") or fig.get("peak_mb") or 0) / 1024
    else:
        value = fig["seconds"]
    ok = value <= number if target.startswith("≤") else value >= number
    return "met" if ok else "MISSED"


def _ratio(fig: dict) -> float | None:
    a, s = fig.get("anchor_seconds"), fig.get("seconds")
    if not a or not s:
        return None
    return a / s if fig.get("speedup") else s / a


def combined(samples: list[dict]) -> dict:
    """One figure from its samples (one per round): the median of each time, CPU time, anchor and ratio, the
    range of the times, the largest memory.  The verdict is then taken on the median."""
    fig = dict(samples[-1])
    for keys, pick in (
        (("seconds", "cpu_seconds", "anchor_seconds", "ratio", "probe_s"), statistics.median),
        (("peak_mb", "added_mb", "process_peak_mb"), max),
    ):
        for key in keys:
            values = [s[key] for s in samples if s.get(key) is not None]
            fig[key] = pick(values) if values else None
    times = [s["seconds"] for s in samples]
    fig["range"] = (min(times), max(times))
    fig["samples"] = len(samples)
    return fig


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="small sizes (development loop)")
    options.add_argument("--only", nargs="*", help="benchmark names to run (default: all)")
    options.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="run the list N times; the table gives medians"
    )
    args = options.parse_args()
    if args.repeat < 1:
        options.error(f"--repeat must be at least 1, not {args.repeat}")
    failed = []
    samples: dict[str, list[dict]] = {}
    for round_ in range(1, args.repeat + 1):
        for name, script, extra in BENCHMARKS:
            if args.only and not any(o in name for o in args.only):
                continue
            of = f" (round {round_} of {args.repeat})" if args.repeat > 1 else ""
            speed = probe()
            print(f"== {name}{of}  (probe {speed:.2f} s)", flush=True)
            code, figures, wall, peak = _run(script, [*extra, *(["--quick"] if args.quick else [])])
            if code:
                failed.append(name)
                print(f"   {name} failed (exit {code})")
            for fig in figures:
                fig["ratio"] = _ratio(fig)
                fig["process_peak_mb"] = peak
                fig["probe_s"] = speed
                samples.setdefault(fig["name"], []).append(fig)
            print(f"   ({wall:.1f} s in all, peak RSS {peak:,.0f} MB)", flush=True)
    table = [combined(figs) for figs in samples.values()]
    for fig in table:
        fig["verdict"] = "n/a (quick sizes)" if args.quick else _verdict(fig)
    print()
    spread = args.repeat > 1
    head = f"{'figure':<42} {'time':>8} " + (f"{'range':>13} " if spread else "")
    head += f"{'cpu':>8} {'peak MB':>8} {'probe':>6} {'anchor':<28} {'ratio':>8}  {'target':<15} result"
    print(head)
    print("-" * len(head))
    for fig in table:
        anchor = "" if not fig.get("anchor") else f"{fig['anchor']} {fig['anchor_seconds']:.2f} s"
        ratio = "" if fig["ratio"] is None else f"{fig['ratio']:,.1f}×"
        peak = fig.get("peak_mb") or fig["process_peak_mb"]
        cpu = "" if fig.get("cpu_seconds") is None else f"{fig['cpu_seconds']:.1f}s"
        low, high = fig["range"]
        between = f"{low:.2f}–{high:.2f}s" if spread else ""
        print(
            f"{fig['name'][:42]:<42} {fig['seconds']:>7.2f}s "
            + (f"{between:>13} " if spread else "")
            + f"{cpu:>8} {peak:>8,.0f} {fig['probe_s']:>5.2f}s {anchor[:28]:<28} {ratio:>8}  "
            f"{fig.get('target') or '':<15} "
            f"{fig['verdict']}"
        )
    if spread:
        print(f"\n(medians of {args.repeat} rounds; memory: the largest of the rounds)")
    speeds = [sample["probe_s"] for figs in samples.values() for sample in figs]
    if speeds:
        print(
            f"probe: {PROBE_ADDITIONS:,} additions in {statistics.median(speeds):.2f} s "
            f"({min(speeds):.2f}–{max(speeds):.2f} s): lower is a faster machine"
        )
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
