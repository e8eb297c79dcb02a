"""The report's departments: the total allocated to them (``footprint.engine.departments``), per key."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from sobre.reporting.inputs import Names
from sobre.reporting.model import DepartmentRow, Figure


def departments(
    allocation: pl.DataFrame,
    primary: str,
    unit: str,
    names: Names,
    share: Callable[[float | None, str], float | None],
) -> list[DepartmentRow]:
    """Departments of the primary criterion with the part each allocation key gave them."""
    prim = allocation.filter(pl.col("criterion") == primary)
    out = []
    for (dept,), group in prim.group_by(["department_id"]):
        known = group.filter(pl.col("value").is_not_null())
        value = float(known["value"].sum()) if known.height else None
        fig = Figure(
            value,
            float(known["low"].sum()) if known.height else None,
            float(known["high"].sum()) if known.height else None,
            unit,
            int(group["unknown"].sum() or 0),
        )
        keys = {
            r["key"]: float(r["value"])
            for r in known.group_by("key").agg(pl.col("value").sum()).iter_rows(named=True)
        }
        name = names.departments.get(dept, str(dept)) if dept is not None else ""
        out.append(DepartmentRow(dept, name, fig, share(value, primary), keys))
    out.sort(key=lambda d: (d.department_id is None, d.figure.value is None, -(d.figure.value or 0.0)))
    return out
