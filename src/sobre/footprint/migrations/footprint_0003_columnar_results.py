"""columnar run results: Parquet datasets, stored aggregates, run owners

Revision ID: footprint_0003
Revises: footprint_0001
Create Date: 2026-12-01 12:00:00

Runs kept their per-item results in two tables (``footprint_item`` and ``footprint_impact``, one row per
item and criterion with a value/low/high triple per stage).  From here on they are a Parquet dataset per
run (``sobre.footprint.runs.dataset``) with the most-read aggregates in ``footprint_aggregate``.  This
migration moves every stored run into the new layout, marks runs left ``running`` as failed, then drops the
two tables.  The old layout is read by code frozen in this file; the new one is written by the dataset
module, whose format 1 later versions keep reading.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "footprint_0003"
down_revision = "footprint_0001"
branch_labels = None
depends_on = None

_STAGES = ("manufacturing", "distribution", "use", "end_of_life")
_OLD_ITEM_COLUMNS = (
    "item_kind",
    "item_id",
    "name",
    "category",
    "site_id",
    "department_id",
    "host_id",
    "quantity",
    "data_quality",
    "status",
    "factor_ref",
    "lifetime_years",
    "lifetime_method",
    "annual_kwh",
    "kwh_method",
    "pue",
    "country",
    "usage_rate",
    "share",
    "share_method",
    "warnings",
)
_STAGE_COLUMNS = tuple(f"{s}_{p}" for s in _STAGES for p in ("value", "low", "high"))


def upgrade() -> None:
    with op.batch_alter_table("footprint_run") as batch:
        batch.add_column(sa.Column("dataset", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("dataset_files", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("owner_host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("owner_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("owner_started", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "footprint_aggregate",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("criterion", sa.String(length=80), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("low", sa.Double(), nullable=True),
        sa.Column("high", sa.Double(), nullable=True),
        sa.Column("unknown", sa.Integer(), nullable=False),
        sa.Column("known", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["footprint_run.id"],
            name=op.f("fk_footprint_aggregate_run_id_footprint_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footprint_aggregate")),
    )
    op.create_index("ix_footprint_aggregate_run", "footprint_aggregate", ["run_id", "dimension", "criterion"])
    op.create_table(
        "footprint_run_file",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["footprint_run.id"],
            name=op.f("fk_footprint_run_file_run_id_footprint_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "name", "part", name=op.f("pk_footprint_run_file")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Parquet is compressed already: storing it out of line, uncompressed, spares TOAST a useless pass.
        op.execute("ALTER TABLE footprint_run_file ALTER COLUMN data SET STORAGE EXTERNAL")
    _move_runs(bind)
    op.drop_table("footprint_impact")
    op.drop_table("footprint_item")


def _move_runs(bind: sa.Connection) -> None:
    from sobre.footprint.runs import dataset, locations, store

    run = sa.table(
        "footprint_run",
        sa.column("id"),
        sa.column("status"),
        sa.column("error"),
        sa.column("reference_date", sa.Date),
        sa.column("methodology_version"),
        sa.column("criteria", sa.JSON),
        sa.column("warnings", sa.JSON),
        sa.column("dataset"),
        sa.column("dataset_files", sa.JSON),
    )
    bind.execute(
        run.update()
        .where(run.c.status == "running")
        .values(status="failed", error="interrupted before this version of Sobre was installed")
    )
    loc = locations.location(bind.engine.url.render_as_string(hide_password=False))
    rows = bind.execute(
        sa.select(
            run.c.id, run.c.reference_date, run.c.methodology_version, run.c.criteria, run.c.warnings
        ).where(run.c.status == "done")
    ).all()
    for run_id, reference_date, methodology, criteria, warnings in rows:
        result = _old_result(bind, run_id, reference_date, methodology, criteria or [], warnings or [])
        prepared = store.prepare(result)
        name = locations.new_name(run_id)
        files = dataset.write(locations.temporary(loc, name), result, prepared.wide, prepared.layout)
        locations.publish(loc, bind, run_id, name, files)
        locations.after_commit(loc, name)
        store.write_aggregates(bind, run_id, prepared.aggregates)
        bind.execute(run.update().where(run.c.id == run_id).values(dataset=name, dataset_files=files))


def _old_result(
    bind: sa.Connection,
    run_id: int,
    reference_date: Any,
    methodology: str,
    criteria: list[dict[str, Any]],
    warnings: list[str],
) -> Any:
    """A run stored in the old tables, as the engine's Result."""
    import polars as pl

    from sobre.footprint import schema

    items = pl.DataFrame(
        bind.execute(
            sa.text(f"SELECT {', '.join(_OLD_ITEM_COLUMNS)} FROM footprint_item WHERE run_id = :r"),
            {"r": run_id},
        ).all(),
        schema={c: schema.RESULT_ITEMS.get(c, pl.Utf8) for c in _OLD_ITEM_COLUMNS},
        orient="row",
    )
    wide_columns = ("item_kind", "item_id", "criterion", "stages", *_STAGE_COLUMNS)
    wide = pl.DataFrame(
        bind.execute(
            sa.text(f"SELECT {', '.join(wide_columns)} FROM footprint_impact WHERE run_id = :r"),
            {"r": run_id},
        ).all(),
        schema={
            "item_kind": pl.Utf8,
            "item_id": pl.Int64,
            "criterion": pl.Utf8,
            "stages": pl.Int64,
            **dict.fromkeys(_STAGE_COLUMNS, pl.Float64),
        },
        orient="row",
    )
    parts = [
        wide.filter((pl.col("stages") & (1 << i)) != 0).select(
            "item_kind",
            "item_id",
            "criterion",
            pl.lit(stage).alias("stage"),
            *[pl.col(f"{stage}_{p}").alias(p) for p in ("value", "low", "high")],
        )
        for i, stage in enumerate(_STAGES)
    ]
    impacts = pl.concat(parts).select(list(schema.RESULT_IMPACTS))
    return schema.Result(
        reference_date=reference_date
        if isinstance(reference_date, date)
        else date.fromisoformat(reference_date),
        methodology=methodology,
        items=items.sort("item_kind", "item_id"),
        impacts=impacts,
        criteria=pl.DataFrame(criteria, schema=schema.FACTOR_CRITERIA),
        warnings=list(warnings),
    )


def downgrade() -> None:
    """Back to the two result tables, refilled from the datasets (then removed)."""
    bind = op.get_bind()
    # Local copies first (on PostgreSQL the files are rows of a table dropped below), and the run table
    # altered before the old tables exist: SQLite recreates it, and dropping the old one would cascade.
    folders = _local_copies(bind)
    op.drop_table("footprint_run_file")
    op.drop_index("ix_footprint_aggregate_run", table_name="footprint_aggregate")
    op.drop_table("footprint_aggregate")
    with op.batch_alter_table("footprint_run") as batch:
        for column in (
            "heartbeat_at",
            "owner_started",
            "owner_pid",
            "owner_host",
            "dataset_files",
            "dataset",
        ):
            batch.drop_column(column)
    op.create_table(
        "footprint_item",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(length=12), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        *[
            sa.Column(c, sa.Double() if c in _FLOATS else sa.BigInteger() if c.endswith("_id") else sa.Text())
            for c in _OLD_ITEM_COLUMNS[2:]
        ],
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["footprint_run.id"],
            name="fk_footprint_item_run_id_footprint_run",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "item_kind", "item_id", name="pk_footprint_item"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "footprint_impact",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=80), nullable=False),
        sa.Column("item_kind", sa.String(length=12), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("stages", sa.SmallInteger(), nullable=False),
        *[sa.Column(c, sa.Double(), nullable=True) for c in _STAGE_COLUMNS],
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["footprint_run.id"],
            name="fk_footprint_impact_run_id_footprint_run",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "criterion", "item_kind", "item_id", name="pk_footprint_impact"),
        sqlite_with_rowid=False,
    )
    _restore_runs(bind, folders)


_FLOATS = {"quantity", "lifetime_years", "annual_kwh", "pue", "usage_rate", "share"}


def _local_copies(bind: sa.Connection) -> dict[int, Any]:
    """Each done run's id → the local folder of its dataset."""
    from sobre.footprint.runs import locations

    loc = locations.location(bind.engine.url.render_as_string(hide_password=False))
    rows = bind.execute(
        sa.text("SELECT id, dataset, dataset_files FROM footprint_run WHERE status = 'done'")
    ).all()
    out = {}
    for run_id, name, files in rows:
        files = json.loads(files) if isinstance(files, str) else files
        out[run_id] = locations.local_folder(loc, bind, run_id, name, files)
    return out


def _restore_runs(bind: sa.Connection, folders: dict[int, Any]) -> None:
    import shutil

    import polars as pl

    from sobre.footprint.runs import dataset, store

    for run_id, folder in folders.items():
        result = dataset.read_result(folder)
        items = result.items.select(
            pl.lit(run_id).alias("run_id"),
            *[pl.col(c) if c in result.items.columns else pl.lit(None).alias(c) for c in _OLD_ITEM_COLUMNS],
        )
        store.bulk_insert(bind, "footprint_item", items)
        bits = {s: 1 << i for i, s in enumerate(_STAGES)}
        long = result.impacts.filter(pl.col("stage").is_in(_STAGES))
        wide = long.group_by("item_kind", "item_id", "criterion").agg(
            pl.col("stage").replace_strict(bits, return_dtype=pl.Int64).sum().alias("stages"),
            *[
                pl.col(p).filter(pl.col("stage") == s).first().alias(f"{s}_{p}")
                for s in _STAGES
                for p in ("value", "low", "high")
            ],
        )
        store.bulk_insert(bind, "footprint_impact", wide.select(pl.lit(run_id).alias("run_id"), pl.all()))
        shutil.rmtree(folder, ignore_errors=True)
