"""Exports of a report's results: one long CSV, an XLSX workbook with one sheet per breakdown, and JSON.

Text cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) are neutralised with
a leading apostrophe in CSV and XLSX; numbers stay numbers.  JSON is plain data (the full ReportData).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sobre.core.errors import InputError
from sobre.reporting.model import ReportData

if TYPE_CHECKING:
    from sobre.reporting.data import ReportInputs

FORMATS = ("csv", "xlsx", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = ["section", "criterion", "key", "label", "value", "low", "high", "unit", "unknown", "share"]


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would evaluate; leave numbers and None alone."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def long_rows(data: ReportData) -> Iterator[dict[str, Any]]:
    """Every figure of the report as one long table: totals, breakdowns, hotspots, idle, recommendations."""
    for tot in data.totals:
        f = tot.total
        yield dict(
            section="total",
            criterion=tot.criterion,
            key="total",
            label=data.organisation.name,
            value=f.value,
            low=f.low,
            high=f.high,
            unit=f.unit,
            unknown=f.unknown,
            share=1.0 if f.value else None,
        )
        for name, per in (("per_employee", tot.per_employee), ("per_user", tot.per_user)):
            if per is not None:
                yield dict(
                    section=name,
                    criterion=tot.criterion,
                    key=name,
                    label=name,
                    value=per.value,
                    low=per.low,
                    high=per.high,
                    unit=f"{per.unit}/{name.removeprefix('per_')}",
                    unknown=per.unknown,
                    share=None,
                )
    for by, bd in data.breakdowns.items():
        for r in bd.rows:
            yield dict(
                section=by,
                criterion=r.criterion,
                key=r.key,
                label=r.label,
                value=r.value,
                low=r.low,
                high=r.high,
                unit=r.unit,
                unknown=r.unknown,
                share=r.share,
            )
    for h in data.hotspots:
        yield dict(
            section="hotspot",
            criterion=data.primary,
            key=f"{h.item_kind}:{h.item_id}",
            label=h.name,
            value=h.figure.value,
            low=h.figure.low,
            high=h.figure.high,
            unit=h.figure.unit,
            unknown=h.figure.unknown,
            share=h.share,
        )
    for i in data.idle.hosts:
        yield dict(
            section="idle",
            criterion=data.primary,
            key=f"idle:{i.host_id}",
            label=i.host,
            value=i.idle.value,
            low=i.idle.low,
            high=i.idle.high,
            unit=i.idle.unit,
            unknown=i.idle.unknown,
            share=i.idle_share,
        )
    for rec in data.recommendations:
        for code, f in rec.avoided.items():
            yield dict(
                section="recommendation",
                criterion=code,
                key=rec.key,
                label=rec.key,
                value=f.value,
                low=f.low,
                high=f.high,
                unit=f.unit,
                unknown=f.unknown,
                share=rec.share if code == data.primary else None,
            )


def write_csv(data: ReportData, path: Path) -> Path:
    # UTF-8 with BOM so that spreadsheet programs detect the encoding of accented names.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in long_rows(data):
            writer.writerow({k: neutralise(v) for k, v in row.items()})
    return path


def _sheets(data: ReportData) -> dict[str, tuple[list[str], list[list[Any]]]]:
    crit_cols = ["criterion", "value", "low", "high", "unit", "unknown", "share"]
    sheets: dict[str, tuple[list[str], list[list[Any]]]] = {}
    sheets["summary"] = (
        [
            "criterion",
            "label_en",
            "label_fr",
            "unit",
            "value",
            "low",
            "high",
            "unknown",
            "per_employee",
            "per_user",
        ],
        [
            [
                t.criterion,
                data.criterion(t.criterion).label_en,
                data.criterion(t.criterion).label_fr,
                t.total.unit,
                t.total.value,
                t.total.low,
                t.total.high,
                t.total.unknown,
                t.per_employee.value if t.per_employee else None,
                t.per_user.value if t.per_user else None,
            ]
            for t in data.totals
        ],
    )
    for by, bd in data.breakdowns.items():
        sheets[by] = (
            ["key", "label", *crit_cols],
            [
                [r.key, r.label, r.criterion, r.value, r.low, r.high, r.unit, r.unknown, r.share]
                for r in bd.rows
            ],
        )
    sheets["hotspots"] = (
        [
            "kind",
            "id",
            "name",
            "category",
            "site",
            "quantity",
            "status",
            "lifetime_years",
            "value",
            "low",
            "high",
            "unit",
            "share",
        ],
        [
            [
                h.item_kind,
                h.item_id,
                h.name,
                h.category,
                h.site,
                h.quantity,
                h.status,
                h.lifetime_years,
                h.figure.value,
                h.figure.low,
                h.figure.high,
                h.figure.unit,
                h.share,
            ]
            for h in data.hotspots
        ],
    )
    sheets["idle"] = (
        [
            "host_id",
            "host",
            "site",
            "idle_share",
            "idle_value",
            "idle_low",
            "idle_high",
            "host_value",
            "unit",
        ],
        [
            [
                i.host_id,
                i.host,
                i.site,
                i.idle_share,
                i.idle.value,
                i.idle.low,
                i.idle.high,
                i.host_total.value,
                i.idle.unit,
            ]
            for i in data.idle.hosts
        ],
    )
    sheets["recommendations"] = (
        ["key", "items", "hotspot", *crit_cols],
        [
            [
                r.key,
                r.items,
                r.hotspot,
                code,
                f.value,
                f.low,
                f.high,
                f.unit,
                f.unknown,
                r.share if code == data.primary else None,
            ]
            for r in data.recommendations
            for code, f in r.avoided.items()
        ],
    )
    q = data.quality
    sheets["data_quality"] = (
        ["dimension", "key", "items", "quantity", "value", "share"],
        [["status", r.key, r.items, r.quantity, r.value, r.share] for r in q.by_status]
        + [["level", r.key, r.items, r.quantity, r.value, r.share] for r in q.by_level]
        + [["unknown", c, n, None, None, None] for c, n in q.unknown_by_criterion.items()],
    )
    sheets["imports"] = (
        ["file", "kind", "rows_read", "inserted", "updated", "rejected", "rejects_path"],
        [
            [i.file_name, i.kind, i.rows_read, i.inserted, i.updated, i.rejected, i.rejects_path]
            for i in q.imports
        ],
    )
    sheets["sources"] = (
        ["source", "licence", "rows", "kind"],
        [[s.source, s.licence, s.rows, s.kind] for s in data.sources],
    )
    return sheets


def write_xlsx(data: ReportData, path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, (head, rows) in _sheets(data).items():
        ws = wb.create_sheet(title=name[:31])
        ws.append(head)
        for row in rows:
            ws.append([neutralise(v) for v in row])
    wb.save(path)
    return path


def write_json(data: ReportData, path: Path) -> Path:
    path.write_text(json.dumps(data.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return path


#: Columns of the item-level export, in order (one row per item, criterion and stage).
ITEM_COLUMNS = [
    "item_kind",
    "item_id",
    "name",
    "category",
    "site",
    "department",
    "host_id",
    "quantity",
    "criterion",
    "stage",
    "value",
    "low",
    "high",
    "unit",
    "status",
    "data_quality",
    "factor_ref",
    "ref_method",
    "source",
    "licence",
    "lifetime_years",
    "lifetime_method",
    "age_years",
    "annual_kwh",
    "kwh_method",
    "pue",
    "pue_method",
    "country",
    "country_method",
    "usage_rate",
    "usage_method",
    "share",
    "share_method",
    "warnings",
]


def item_rows(inputs: ReportInputs) -> Any:
    """Every item's figures per stage and criterion, with its status, trace and the source of the factor row
    behind the figure (the impact row for non-use stages, the electricity row for use), as a Polars frame."""
    import polars as pl

    result, factors, names = inputs.result, inputs.factors, inputs.names
    items = result.items.with_columns(
        pl.col("site_id").replace_strict(names.sites, default=None, return_dtype=pl.Utf8).alias("site"),
        pl.col("department_id")
        .replace_strict(names.departments, default=None, return_dtype=pl.Utf8)
        .alias("department"),
    )
    units = dict(zip(result.criteria["code"].to_list(), result.criteria["unit"].to_list(), strict=True))
    out = result.impacts.join(items, on=["item_kind", "item_id"], how="left").with_columns(
        pl.col("criterion").replace_strict(units, default=None, return_dtype=pl.Utf8).alias("unit")
    )
    if factors is not None:
        imp = factors.impacts.select(
            pl.col("ref").alias("factor_ref"),
            "stage",
            "criterion",
            pl.col("source").alias("_is"),
            pl.col("licence").alias("_il"),
        ).unique(["factor_ref", "stage", "criterion"], keep="first")
        el = (
            factors.electricity.sort("year", descending=True, nulls_last=True)
            .unique(["country", "criterion"], keep="first")
            .select("country", "criterion", pl.col("source").alias("_es"), pl.col("licence").alias("_el"))
        )
        out = out.join(imp, on=["factor_ref", "stage", "criterion"], how="left").join(
            el, on=["country", "criterion"], how="left"
        )
        use = pl.col("stage") == "use"
        out = out.with_columns(
            pl.when(use).then(pl.col("_es")).otherwise(pl.col("_is")).alias("source"),
            pl.when(use).then(pl.col("_el")).otherwise(pl.col("_il")).alias("licence"),
        )
    else:
        out = out.with_columns(pl.lit(None, pl.Utf8).alias("source"), pl.lit(None, pl.Utf8).alias("licence"))
    return out.select(ITEM_COLUMNS).sort("item_kind", "item_id", "criterion", "stage")


def write_items(inputs: ReportInputs, path: Path) -> Path:
    """The item-level export as CSV (UTF-8 with BOM; text cells neutralised against formula injection), so a
    hotspot can be audited row by row."""
    import polars as pl

    frame = item_rows(inputs)
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    frame = frame.with_columns(
        pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write("\ufeff".encode())
        frame.write_csv(fh)
    return path


def export(data: ReportData, fmt: str, path: Path) -> Path:
    """Write the report's results as ``fmt`` (csv, xlsx, json) at ``path`` (a file, or a folder)."""
    if fmt not in FORMATS:
        raise InputError("unknown export format", column="--format", value=fmt, expected=", ".join(FORMATS))
    if path.is_dir():
        path = path / f"diagnostic-results.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = {"csv": write_csv, "xlsx": write_xlsx, "json": write_json}[fmt]
    return writer(data, path)
