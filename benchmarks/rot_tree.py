"""ROT scanner beside rmlint and fdupes on one generated tree, in the same run.

    python -m benchmarks.rot_tree            # 200,000 files (the lead's measure, on a quiet machine)
    python -m benchmarks.rot_tree --quick    # 20,000 files, for development
    python -m benchmarks.rot_tree --files N --keep DIR

It writes a tree of small office-like files (a tenth of them copies, some decoys of equal size and equal
first and last 4 KiB), drops the page cache when it can (root) so that every tool reads from the same
state, then times each tool twice (cold, then warm cache) and checks that all find the same duplicate
groups.  Target: Sobre within 1.5 × rmlint's time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sobre.datasobriety.scanner import ScanOptions, scan_tree


def build(root: Path, files: int, seed: int = 21) -> int:
    """``files`` files in folders of 100; returns the number of duplicate groups written."""
    rng = random.Random(seed)
    originals: list[bytes] = []
    groups = 0
    for i in range(files):
        folder = root / f"d{i // 10000:02d}" / f"s{(i // 100) % 100:02d}"
        if i % 100 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        roll = rng.random()
        if originals and roll < 0.10:
            data = rng.choice(originals)  # a copy
        elif originals and roll < 0.12:
            base = bytearray(rng.choice(originals))  # a decoy: one byte changed in the middle
            if len(base) > 8192:
                base[len(base) // 2] ^= 0x5A
            data = bytes(base)
        else:
            size = int(min(200_000, max(64, rng.lognormvariate(7.5, 1.2))))
            data = rng.randbytes(size)
            if len(originals) < 5000 and rng.random() < 0.3:
                originals.append(data)
                groups += 1
        (folder / f"f{i:06d}.dat").write_bytes(data)
    return groups


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def _timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def run_rmlint(root: Path, out: Path) -> tuple[float, set[frozenset[str]]]:
    # Duplicates only, hard links not counted as duplicates, JSON output, no script written.  Every output
    # goes to our own folder: rmlint moves an existing output file aside, and run as root on /dev/null it
    # would rename the device.
    summary = out.with_name("rmlint-summary.txt")
    seconds, _ = _timed(
        ["rmlint", "-T", "df", "--no-hardlinked", "-o", f"json:{out}", "-o", f"summary:{summary}", str(root)]
    )
    groups: dict[str, set[str]] = {}
    for row in json.loads(out.read_text()):
        if row.get("type") == "duplicate_file":
            groups.setdefault(row["checksum"], set()).add(os.path.relpath(row["path"], root))
    return seconds, {frozenset(g) for g in groups.values() if len(g) > 1}


def run_fdupes(root: Path) -> tuple[float, set[frozenset[str]]]:
    seconds, done = _timed(["fdupes", "-r", "-q", str(root)])
    groups, current = set(), []
    for line in done.stdout.splitlines() + [""]:
        if line:
            current.append(os.path.relpath(line, root))
        elif current:
            groups.add(frozenset(current))
            current = []
    return seconds, groups


def run_sobre(root: Path, threads: int) -> tuple[float, set[frozenset[str]], int]:
    start = time.perf_counter()
    findings = scan_tree(root, ScanOptions(as_of=datetime.now(UTC), threads=threads))
    seconds = time.perf_counter() - start
    return seconds, {frozenset(g.paths) for g in findings.duplicate_groups}, findings.files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="20,000 files")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the tree here and keep it")
    args = parser.parse_args(argv)
    files = 20_000 if args.quick else args.files
    for tool in ("rmlint", "fdupes"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (apt-get install {tool})", file=sys.stderr)
            return 2
    work = Path(tempfile.mkdtemp(prefix="sobre-rot-"))
    root = args.keep or work / "tree"
    try:
        if not (root.is_dir() and any(root.iterdir())):
            start = time.perf_counter()
            root.mkdir(parents=True, exist_ok=True)
            build(root, files)
            print(f"tree: {files:,} files written in {time.perf_counter() - start:.1f} s")
        for label in ("cold cache", "warm cache"):
            cold = label == "cold cache" and drop_caches()
            t_rm, g_rm = run_rmlint(root, work / "rmlint.json")
            if cold:
                drop_caches()
            t_fd, g_fd = run_fdupes(root)
            if cold:
                drop_caches()
            t_so, g_so, n = run_sobre(root, args.threads)
            print(
                f"{label:>10}: {n:,} files · rmlint {t_rm:.2f} s · fdupes {t_fd:.2f} s · "
                f"sobre {t_so:.2f} s ({t_so / t_rm:.2f} × rmlint) · groups {len(g_so):,}"
            )
            same = g_so == g_rm == g_fd
            print(f"{'':>10}  same duplicate groups as rmlint and fdupes: {same}")
            if not same:
                print(
                    f"  only sobre: {len(g_so - g_rm)}, only rmlint: {len(g_rm - g_so)}, "
                    f"only fdupes: {len(g_fd - g_so)}"
                )
                return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
