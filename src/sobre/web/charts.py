"""Chart geometry for the pages: the pure module lives in :mod:`sobre.core.charts`, shared with the report."""

from sobre.core.charts import (
    MAX_LABEL,
    PALETTE,
    BarRow,
    Layout,
    Segment,
    StackRow,
    Tick,
    bar,
    clip,
    line,
    nice_ticks,
    radar,
    stacked,
)

__all__ = [
    "MAX_LABEL",
    "PALETTE",
    "BarRow",
    "Layout",
    "Segment",
    "StackRow",
    "Tick",
    "bar",
    "clip",
    "line",
    "nice_ticks",
    "radar",
    "stacked",
]
