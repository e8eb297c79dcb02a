"""What the benchmarks share: a ``--quick`` flag, time and peak memory of a block, and the figure lines that
``benchmarks/run_all.py`` collects into one table.

On a shared machine absolute times move with the load, so each figure can carry an *anchor*: the same kind
of work done by a reference tool in the same run (pandas' CSV parser, BoaviztAPI on loopback…).  The
ratio to the anchor is what compares across machines and runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

MARK = "SOBRE-BENCH "


@dataclass
class Figure:
    """One measured figure: seconds and peak memory, its anchor (if any) and its target."""

    name: str
    seconds: float
    peak_mb: float | None = None
    #: CPU seconds of the process and its children in the block: steadier than wall time on a shared machine.
    cpu_seconds: float | None = None
    #: Memory the measured block added on top of what the process held before it.
    added_mb: float | None = None
    anchor: str | None = None
    anchor_seconds: float | None = None
    #: "≤ 15 s", "≤ 3× anchor", "≥ 2000× anchor" (checked by run_all.py), or None.
    target: str | None = None
    #: Anchor ÷ figure instead of figure ÷ anchor (throughputs: higher is better).
    speedup: bool = False
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if not self.anchor_seconds or not self.seconds:
            return None
        return self.anchor_seconds / self.seconds if self.speedup else self.seconds / self.anchor_seconds


def emit(*figures: Figure) -> None:
    """Print the figures as one line for run_all.py (and keep them readable on their own)."""
    print(MARK + json.dumps([asdict(f) for f in figures], ensure_ascii=False), flush=True)


def parser(description: str) -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(description=description)
    out.add_argument(
        "--quick", action="store_true", help="small sizes, for a development loop (< 1 min in all)"
    )
    return out


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@dataclass
class Measure:
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_mb: float = 0.0
    added_mb: float = 0.0


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def measured(every: float = 0.01) -> Iterator[Measure]:
    """Wall and CPU time and resident memory of the block: its peak (sampled every ``every`` s) and how
    much it added to what the process held before."""
    out = Measure()
    before = peak = _rss_mb()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(every):
            peak = max(peak, _rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    start, cpu = time.perf_counter(), _cpu()
    try:
        yield out
    finally:
        out.seconds = time.perf_counter() - start
        out.cpu_seconds = _cpu() - cpu
        done.set()
        thread.join()
        out.peak_mb = max(peak, _rss_mb())
        out.added_mb = out.peak_mb - before
