"""EcoIndex of a page, from its DOM node count, request count and transferred size (test helper).

The published formula of the EcoIndex (collectif Conception Numérique Responsable, ecoindex.fr; reference
implementation cnumr/ecoindex_reference, as in GreenIT-Analysis ``script/ecoIndex.js``): each metric is placed
by linear interpolation between quantiles computed from the HTTP Archive, then
``score = 100 - 5 × (3·q_dom + 2·q_req + q_size) / 6``; grades A > 80, B > 70, C > 55, D > 40, E > 25, F > 10.
Size is in kilobytes (1,024 bytes); at Sobre's page sizes the choice of kB or KiB moves the score by < 0.1.

The product's own EcoIndex is being written in ``sobre.ecodesign``; this helper will then point at it.
"""

from __future__ import annotations

from bisect import bisect_right

QUANTILES_DOM = (
    0,
    47,
    75,
    159,
    233,
    298,
    358,
    417,
    476,
    537,
    603,
    674,
    753,
    843,
    949,
    1076,
    1237,
    1459,
    1801,
    2479,
    594601,
)
QUANTILES_REQ = (0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170, 205, 281, 3920)
QUANTILES_SIZE = (
    0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47, 1448.32, 1648.27, 1876.08,
    2142.06, 2465.37, 2866.31, 3401.59, 4155.73, 5400.08, 8037.54, 223212.26,
)  # fmt: skip
GRADES = ((80, "A"), (70, "B"), (55, "C"), (40, "D"), (25, "E"), (10, "F"))


def quantile(quantiles: tuple[float, ...], value: float) -> float:
    """Position of ``value`` among the quantiles, 0–20, interpolated linearly."""
    i = bisect_right(quantiles, value)
    if i >= len(quantiles):
        return float(len(quantiles) - 1)
    low, high = quantiles[i - 1], quantiles[i]
    return i - 1 + (value - low) / (high - low)


def ecoindex(dom: int, requests: int, size_kb: float) -> float:
    q = (
        3 * quantile(QUANTILES_DOM, dom)
        + 2 * quantile(QUANTILES_REQ, requests)
        + quantile(QUANTILES_SIZE, size_kb)
    )
    return 100 - 5 * q / 6


def grade(score: float) -> str:
    return next((g for threshold, g in GRADES if score > threshold), "G")
