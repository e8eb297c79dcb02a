"""The benchmark table's figures from several rounds: medians, the range, the largest memory, and the
verdict taken on the median."""

from __future__ import annotations

import pytest
from benchmarks.run_all import _ratio, _verdict, combined


def _sample(seconds: float, added_mb: float, anchor: float | None = None, **extra: object) -> dict:
    fig = {
        "name": "engine compute 1,000,000 items",
        "seconds": seconds,
        "cpu_seconds": seconds * 1.5,
        "peak_mb": 1_700.0,
        "added_mb": added_mb,
        "anchor": "pandas.read_csv" if anchor else None,
        "anchor_seconds": anchor,
        "target": "≤ 2 s",
        "speedup": False,
        **extra,
    }
    fig["ratio"] = _ratio(fig)
    fig["process_peak_mb"] = 1_750.0
    return fig


def test_the_median_decides_and_the_range_shows_the_spread() -> None:
    # One noisy round (2.40 s) among three: the median is met, the range tells the reader.
    fig = combined([_sample(1.70, 1_400.0), _sample(2.40, 1_450.0), _sample(1.80, 1_420.0)])
    assert fig["seconds"] == pytest.approx(1.80)
    assert fig["cpu_seconds"] == pytest.approx(2.70)
    assert fig["range"] == (1.70, 2.40)
    assert fig["samples"] == 3
    assert _verdict(fig) == "met"
    # Two rounds in three over the target: missed, whatever the best round.
    fig = combined([_sample(1.70, 1_400.0), _sample(2.40, 1_450.0), _sample(2.10, 1_420.0)])
    assert _verdict(fig) == "MISSED"


def test_memory_is_the_largest_of_the_rounds() -> None:
    samples = [_sample(1.7, 1_400.0), _sample(1.7, 2_100.0), _sample(1.7, 1_500.0)]
    for s in samples:
        s["target"] = "≤ 2 GB"
    fig = combined(samples)
    assert fig["added_mb"] == 2_100.0
    assert _verdict(fig) == "MISSED"  # 2,100 MB > 2 GB in one round is over the target


def test_ratios_are_the_median_of_each_round_s_own_ratio() -> None:
    # Each round's ratio is against its own anchor (same minutes): 10×, 60×, 12× → 12×.
    samples = [
        _sample(2.0, 0.0, anchor=0.2, target="≤ 3× anchor"),
        _sample(12.0, 0.0, anchor=0.2, target="≤ 3× anchor"),
        _sample(3.0, 0.0, anchor=0.25, target="≤ 3× anchor"),
    ]
    fig = combined(samples)
    assert fig["ratio"] == pytest.approx(12.0)
    assert fig["anchor_seconds"] == pytest.approx(0.2)
    assert _verdict(fig) == "MISSED"


def test_one_round_is_the_figure_itself() -> None:
    only = _sample(1.9, 1_000.0)
    fig = combined([only])
    assert {k: fig[k] for k in only} == only
    assert fig["range"] == (1.9, 1.9)


def test_each_figure_keeps_the_machine_speed_of_its_rounds() -> None:
    # The probe before each round (0.3 s fast, 0.6 s in a slow minute): the figure shows the median.
    samples = [_sample(t, 1_400.0, probe_s=p) for t, p in ((1.7, 0.30), (2.4, 0.60), (1.8, 0.32))]
    assert combined(samples)["probe_s"] == pytest.approx(0.32)
