"""Benchmark of the diagnosis report for an organisation of 100,000 items (target: HTML + PDF ≤ 5 s).

The estate (100,000 physical items, 20,000 VMs, 2,000 applications by default) comes from
``benchmarks/estate.py`` and is inserted into a fresh SQLite database untimed (with
``benchmarks/footprint_end_to_end.insert_inventory``); its footprint is computed untimed with Sobre's
default factor set.  Then the report is timed as ``sobre report diagnosis`` builds it: read the run, names
and inventory from the database, aggregate and compute the recommendations (each recommendation that
applies re-computed on the rows it changes, and their combination, batched into one engine call per
distinct factor set, in a worker thread beside the breakdowns), render HTML with its SVG charts, and make
the PDF (tagged PDF/UA) from the same HTML (long tables keep their first rows in print), WeasyPrint
having been imported and warmed in a background thread from the start, as the CLI does for a PDF.

    .venv/bin/python benchmarks/report_100k.py [--quick] [n_equipment n_vms n_apps]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import harness  # noqa: E402
from benchmarks.estate import generate_inventory  # noqa: E402
from benchmarks.footprint_end_to_end import insert_inventory  # noqa: E402
from sobre.core.db import session_scope  # noqa: E402
from sobre.footprint.runs.service import run_footprint  # noqa: E402
from sobre.orgs import service as orgs  # noqa: E402
from sobre.reporting import render  # noqa: E402
from sobre.reporting.data import build_report_data  # noqa: E402
from sobre.reporting.service import report_inputs  # noqa: E402

ORG = "Benchmark 100k"


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", help="n_equipment n_vms n_apps")
    args = parser.parse_args()
    default = (5_000, 1_000, 100) if args.quick else (100_000, 20_000, 2_000)
    n_eq, n_vm, n_app = args.sizes if len(args.sizes) == 3 else default
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        mark = time.perf_counter()
        inventory = generate_inventory(n_eq, n_vm, n_app, seed=1)
        with session_scope(url) as session:
            org_id = orgs.create(session, ORG, employees=5_000, country="FR").id
        insert_inventory(url, org_id, inventory)
        run = run_footprint(url, ORG, reference_date=date(2025, 12, 31))
        print(
            f"setup (untimed): {n_eq:,} items, {n_vm:,} VMs, {n_app:,} apps inserted and computed "
            f"in {time.perf_counter() - mark:.1f} s (run {run.id}, {run.item_count:,} result rows)"
        )

        # Wall and CPU time per step: on a loaded machine the CPU time (all threads) is the steadier figure.
        timings: dict[str, float] = {}
        cpu: dict[str, float] = {}
        start, start_cpu = time.perf_counter(), time.process_time()
        mark, mark_cpu = start, start_cpu

        def step(name: str) -> None:
            nonlocal mark, mark_cpu
            now, now_cpu = time.perf_counter(), time.process_time()
            timings[name], cpu[name] = now - mark, now_cpu - mark_cpu
            mark, mark_cpu = now, now_cpu

        render.warm_pdf(["fr"])  # as 'sobre report diagnosis --format pdf' does before reading
        inputs = report_inputs(url, ORG, run.id)
        step("read run + names + inventory")
        data = build_report_data(inputs)
        step("aggregate + recommendations")
        html = render.render_html(data, "fr")
        html_path = Path(tmp) / "diagnostic-fr.html"
        html_path.write_text(html, encoding="utf-8")
        step("HTML (charts included)")
        pdf_path = render.write_pdf(data, "fr", Path(tmp) / "diagnostic-fr.pdf", html=html)
        step("PDF (WeasyPrint)")
        total, total_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        for name, seconds in timings.items():
            print(f"  {name:<32} {seconds:6.2f} s  (CPU {cpu[name]:6.2f} s)")
        print(
            f"report HTML + PDF, end to end: {total:.2f} s, CPU {total_cpu:.2f} s (target ≤ 5 s); "
            f"HTML {html_path.stat().st_size / 1024:.0f} KiB, PDF {pdf_path.stat().st_size / 1024:.0f} KiB, "
            f"{len(data.recommendations)} recommendations"
        )
        print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        harness.emit(
            harness.Figure(
                f"report HTML + PDF {n_eq:,} items",
                total,
                peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                cpu_seconds=total_cpu,
                target="≤ 5 s",
                notes={k: round(v, 2) for k, v in timings.items()},
            )
        )


if __name__ == "__main__":
    main()
