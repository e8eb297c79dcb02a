"""The Spark path of the ROT scan over a large object-store listing, in local mode: time and memory.

    python -m benchmarks.spark_listing             # 10,000,000 rows (the lead's measure)
    python -m benchmarks.spark_listing --quick     # 1,000,000 rows, for development
    python -m benchmarks.spark_listing --rows N --memory 4g --polars

The listing (Parquet: path, size, mtime, owner, checksum) is generated with a tenth of its objects copies
of others and some debris; Spark finds the four categories and writes them as Parquet, returning totals
only.  Memory is the peak resident size of the Spark JVM (sampled from /proc) and of this process.
``--polars`` also runs the one-machine Polars path on the same listing, for comparison.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from sobre.datasobriety import listing, rot, spark

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)


def generate(path: Path, rows: int, seed: int = 21) -> None:
    rng = np.random.default_rng(seed)
    ids = np.arange(rows, dtype=np.int64)
    unique = rng.random(rows) >= 0.10  # one object in ten is a copy of an earlier one
    source = np.where(unique, ids, (rng.random(rows) * np.maximum(ids, 1)).astype(np.int64))
    sizes = np.clip(rng.lognormal(11, 2, rows), 0, 5e10).astype(np.int64)
    sizes[rng.random(rows) < 0.01] = 0
    frame = pl.DataFrame({"id": ids, "source": source, "size0": sizes}).with_columns(
        pl.col("size0").gather(pl.col("source")).alias("size"),
        (
            pl.lit("d")
            + (pl.col("id") // 1000).cast(pl.Utf8)
            + "/f"
            + pl.col("id").cast(pl.Utf8)
            + pl.when(pl.col("id") % 97 == 0).then(pl.lit(".tmp")).otherwise(pl.lit(".dat"))
        ).alias("path"),
        pl.lit(AS_OF.timestamp() - 86400 * 3650)
        .add(pl.Series(rng.random(rows) * 86400 * 3650))
        .alias("mtime"),
        pl.format("user{}", pl.col("id") % 50).alias("owner"),
        pl.col("source").hash(seed).cast(pl.Utf8).alias("checksum"),
    )
    frame.select("path", "size", "mtime", "owner", "checksum").write_parquet(path, row_group_size=500_000)


class PeakMemory:
    """Peak RSS of the Java processes started by this one (the Spark driver JVM)."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _children(self) -> list[int]:
        me, out = os.getpid(), []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text().split()
                    if int(stat[3]) == me:
                        out.append(int(entry))
                except OSError:
                    continue
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self._children():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
                except OSError:
                    pass
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(0.5)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="1,000,000 rows")
    parser.add_argument("--memory", default="4g", help="Spark driver memory")
    parser.add_argument("--polars", action="store_true", help="also time the Polars path")
    parser.add_argument("--keep", type=Path, help="generate (or reuse) the listing here")
    args = parser.parse_args(argv)
    rows = 1_000_000 if args.quick else args.rows
    work = Path(tempfile.mkdtemp(prefix="sobre-spark-"))
    path = args.keep or work / "listing.parquet"
    try:
        if not path.exists():
            start = time.perf_counter()
            generate(path, rows)
            print(
                f"listing: {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB Parquet, "
                f"written in {time.perf_counter() - start:.1f} s"
            )
        with PeakMemory() as jvm:
            start = time.perf_counter()
            session = spark.session(memory=args.memory, partitions=16)
            started = time.perf_counter() - start
            frame, root, _ = spark.read(session, path)
            findings = rot.Findings(root=root, as_of=AS_OF, obsolete_after="3y", source="spark")
            result = spark.detect(
                frame,
                findings,
                known_users=frozenset(f"user{i}" for i in range(40)),
                collect=False,
                out=work / "out",
            )
            total = time.perf_counter() - start
            session.stop()
        t = result.totals
        print(
            f"spark local[*]: {total:.1f} s (start-up {started:.1f} s), "
            f"JVM peak RSS {jvm.peak_kb / 1024:.0f} MB, driver memory {args.memory}"
        )
        print(
            f"  {result.findings.files:,} objects, {result.findings.bytes / 1e12:.1f} TB; duplicates "
            f"{t['duplicates']['count']:,} ({t['duplicates']['bytes'] / 1e12:.2f} TB reclaimable), obsolete "
            f"{t['obsolete']['count']:,}, trivial {t['trivial']['count']:,}, "
            f"orphans {t['orphans']['count']:,}"
        )
        if args.polars:
            start = time.perf_counter()
            lframe, lroot, _ = listing.read_listing(path)
            f = listing.detect(
                lframe,
                rot.Findings(root=lroot, as_of=AS_OF, obsolete_after="3y", source="listing"),
                known_users=frozenset(f"user{i}" for i in range(40)),
            )
            print(
                f"polars: {time.perf_counter() - start:.1f} s, peak RSS of this process "
                f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; same duplicates: "
                f"{f.reclaimable_bytes == t['duplicates']['bytes']}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
