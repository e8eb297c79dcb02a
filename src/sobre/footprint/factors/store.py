"""Store and load factor sets, and apply each organisation's overrides.

The built-in set is written to the database the first time it is needed (idempotent).  Loading returns the
engine's ``FactorSet``; with ``org_id`` the organisation's overrides replace the set's rows (same ref, stage,
criterion) or add new refs, marked ``user override`` in their source.
"""

from __future__ import annotations

import math
import re
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.footprint.factors import models as m
from sobre.footprint.factors.builtin import DEFAULT_SET_ID, parameter_sources, read_builtin
from sobre.footprint.schema import (
    FACTOR_CRITERIA,
    FACTOR_DEFAULTS,
    FACTOR_ELECTRICITY,
    FACTOR_IMPACTS,
    FACTOR_ITEM_TYPES,
    FACTOR_MODEL_MATCHING,
    STAGES,
    FactorSet,
)

USER_OVERRIDE = "user override"

#: (frame attribute, table, schema) for every row table of a set.
_TABLES: tuple[tuple[str, Any, dict], ...] = (
    ("criteria", m.FactorCriterion, FACTOR_CRITERIA),
    ("impacts", m.FactorImpact, FACTOR_IMPACTS),
    ("electricity", m.FactorElectricity, FACTOR_ELECTRICITY),
    ("defaults", m.FactorDefault, FACTOR_DEFAULTS),
    ("model_matching", m.FactorModelMatching, FACTOR_MODEL_MATCHING),
    ("item_types", m.FactorItemType, FACTOR_ITEM_TYPES),
)


def save_factor_set(
    session: Session, factor_set: FactorSet, *, builtin: bool = False, source_format: str = "csv"
) -> int:
    """Store a set and all its rows in one go; refuses an (id, version) that already exists."""
    if not factor_set.id.strip() or not factor_set.version.strip():
        raise SobreError("a factor set needs an id and a version")
    exists = session.scalar(
        sa.select(m.FactorSetRow.id).where(
            m.FactorSetRow.set_id == factor_set.id, m.FactorSetRow.version == factor_set.version
        )
    )
    if exists is not None:
        raise SobreError(
            f"factor set {factor_set.id} version {factor_set.version} already exists; "
            "choose another --version"
        )
    head = m.FactorSetRow(
        set_id=factor_set.id,
        version=factor_set.version,
        publisher=factor_set.publisher,
        year=factor_set.year,
        licence=factor_set.licence,
        description=factor_set.description,
        builtin=builtin,
        source_format=source_format,
    )
    session.add(head)
    session.flush()
    for attr, table, schema in _TABLES:
        frame: pl.DataFrame = getattr(factor_set, attr)
        rows = [
            {**{c: r.get(c) for c in schema}, "factor_set_id": head.id} for r in frame.iter_rows(named=True)
        ]
        if rows:
            session.execute(sa.insert(table), rows)
    sources = parameter_sources() if builtin else {}
    params = [("hypothesis", k, v) for k, v in factor_set.hypotheses.items()]
    params += [("cloud_pue", k, v) for k, v in factor_set.cloud_pue.items()]
    if params:
        session.execute(
            sa.insert(m.FactorParameter),
            [
                {
                    "factor_set_id": head.id,
                    "kind": kind,
                    "key": key,
                    "value": value,
                    "source": sources.get((kind, key), (None, None))[0]
                    or f"{factor_set.publisher} {factor_set.id}",
                    "licence": sources.get((kind, key), (None, None))[1] or factor_set.licence,
                }
                for kind, key, value in params
            ],
        )
    session.flush()
    return head.id


def save_derived(
    session: Session, factor_set: FactorSet, base: FactorSet, suffix: str, description: str
) -> FactorSet:
    """Keep a set made from ``base`` plus rows computed for one run (e.g. BoaviztAPI's), so the run can be
    explained and reproduced later.  Its id is ``<base id>+<suffix>`` and its version ``<base version>.<digest
    of the added rows>``: the same rows are stored once, whichever run asks again."""
    import hashlib

    extra = []
    for attr in ("impacts", "defaults"):
        mine: pl.DataFrame = getattr(factor_set, attr)
        theirs: pl.DataFrame = getattr(base, attr)
        added = (
            mine.join(theirs.select("ref").unique(), on="ref", how="anti") if "ref" in mine.columns else mine
        )
        extra.append(added.sort(added.columns, nulls_last=True).write_csv())
    digest = hashlib.sha256("\x1e".join(extra).encode()).hexdigest()[:12]
    derived = FactorSet(
        **{**factor_set.__dict__, "id": f"{base.id}+{suffix}", "version": f"{base.version}.{digest}"},
    )
    derived.description = description
    exists = session.scalar(
        sa.select(m.FactorSetRow.id).where(
            m.FactorSetRow.set_id == derived.id, m.FactorSetRow.version == derived.version
        )
    )
    if exists is None:
        save_factor_set(session, derived, source_format=suffix)
    return derived


def ensure_builtin(session: Session) -> None:
    """Write Sobre's built-in default set to the database unless this version is already there."""
    factor_set = read_builtin()
    exists = session.scalar(
        sa.select(m.FactorSetRow.id).where(
            m.FactorSetRow.set_id == factor_set.id, m.FactorSetRow.version == factor_set.version
        )
    )
    if exists is None:
        save_factor_set(session, factor_set, builtin=True, source_format="builtin")


def _version_key(version: str) -> tuple:
    # "2026.10" sorts after "2026.9": compare numeric parts as numbers
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-_]", version))


def _find_set(session: Session, set_id: str, version: str | None) -> m.FactorSetRow:
    rows = list(session.scalars(sa.select(m.FactorSetRow).where(m.FactorSetRow.set_id == set_id)))
    if version is not None:
        rows = [r for r in rows if r.version == version]
    if not rows:
        known = sorted({f"{r.set_id} {r.version}" for r in session.scalars(sa.select(m.FactorSetRow))})
        what = f"{set_id} version {version}" if version else set_id
        raise NotFound(f"no factor set {what}; known: {', '.join(known) or 'none'}")
    return max(rows, key=lambda r: (_version_key(r.version), r.id))


def load_factor_set(
    session: Session, set_id: str | None = None, version: str | None = None, *, org_id: int | None = None
) -> FactorSet:
    """Load a set (None → the built-in default, newest version) with the organisation's overrides applied."""
    if set_id is None or set_id == DEFAULT_SET_ID:
        ensure_builtin(session)
    head = _find_set(session, set_id or DEFAULT_SET_ID, version)
    frames: dict[str, pl.DataFrame] = {}
    for attr, table, schema in _TABLES:
        cols = [getattr(table, c) for c in schema]
        rows = session.execute(
            sa.select(*cols).where(table.factor_set_id == head.id).order_by(table.id)
        ).all()
        frames[attr] = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    params = session.execute(
        sa.select(m.FactorParameter.kind, m.FactorParameter.key, m.FactorParameter.value).where(
            m.FactorParameter.factor_set_id == head.id
        )
    ).all()
    factor_set = FactorSet(
        id=head.set_id,
        version=head.version,
        publisher=head.publisher,
        year=head.year,
        licence=head.licence,
        description=head.description,
        **frames,
        hypotheses={k: v for kind, k, v in params if kind == "hypothesis"},
        cloud_pue={k: v for kind, k, v in params if kind == "cloud_pue"},
    )
    if org_id is not None:
        _apply_overrides(session, factor_set, org_id)
    return factor_set


def _apply_overrides(session: Session, factor_set: FactorSet, org_id: int) -> None:
    impacts = list(
        session.scalars(
            sa.select(m.FactorOverride).where(m.FactorOverride.org_id == org_id).order_by(m.FactorOverride.id)
        )
    )
    if impacts:
        keys = pl.DataFrame(
            [(o.ref, o.stage, o.criterion) for o in impacts],
            orient="row",
            schema={"ref": pl.Utf8, "stage": pl.Utf8, "criterion": pl.Utf8},
        )
        kept = factor_set.impacts.join(keys, on=["ref", "stage", "criterion"], how="anti")
        added = pl.DataFrame(
            [
                {
                    "ref": o.ref,
                    "stage": o.stage,
                    "criterion": o.criterion,
                    "value": o.value,
                    "low": o.low,
                    "high": o.high,
                    "source": f"{USER_OVERRIDE}: {o.source}" if o.source else USER_OVERRIDE,
                    "licence": "user data",
                    "row_id": f"override-{o.id}",
                }
                for o in impacts
            ],
            schema=FACTOR_IMPACTS,
            orient="row",
        )
        factor_set.impacts = pl.concat([kept, added])
    defaults = list(
        session.scalars(
            sa.select(m.DefaultOverride)
            .where(m.DefaultOverride.org_id == org_id)
            .order_by(m.DefaultOverride.id)
        )
    )
    if defaults:
        base = {r["ref"]: r for r in factor_set.defaults.iter_rows(named=True)}
        for o in defaults:
            row = dict(base.get(o.ref) or dict.fromkeys(FACTOR_DEFAULTS) | {"ref": o.ref})
            for field in ("lifetime_years", "power_w", "annual_kwh", "hours_per_day", "days_per_year"):
                value = getattr(o, field)
                if value is not None:
                    row[field] = value
            if o.lifetime_years is not None:
                # the user's lifetime is a single figure: it replaces the set's range too
                row["lifetime_low"] = row["lifetime_high"] = o.lifetime_years
            row["source"] = f"{USER_OVERRIDE}: {o.source}" if o.source else USER_OVERRIDE
            base[o.ref] = row
        factor_set.defaults = pl.DataFrame(list(base.values()), schema=FACTOR_DEFAULTS, orient="row")


def _check_number(
    name: str, value: float | None, *, minimum: float = 0.0, maximum: float | None = None
) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InputError(f"{name} must be {bound}", column=name, value=value)


def set_override(
    session: Session,
    org_id: int,
    ref: str,
    stage: str,
    criterion: str,
    value: float,
    *,
    low: float | None = None,
    high: float | None = None,
    source: str | None = None,
    note: str | None = None,
) -> m.FactorOverride:
    """Set the organisation's own factor for (ref, stage, criterion); a second call replaces the first.

    Without low/high the value is taken as exact (low = high = value)."""
    ref, criterion = ref.strip(), criterion.strip()
    if not ref or not criterion:
        raise InputError("ref and criterion are required", column="ref" if not ref else "criterion", value="")
    if stage not in STAGES:
        raise InputError("unknown stage", column="stage", value=stage, expected=", ".join(STAGES))
    for name, number in (("value", value), ("low", low), ("high", high)):
        _check_number(name, number)
    low = value if low is None else low
    high = value if high is None else high
    if not low <= value <= high:
        raise InputError(
            "low ≤ value ≤ high does not hold", column="value", value=f"{low} / {value} / {high}"
        )
    row = session.scalar(
        sa.select(m.FactorOverride).where(
            m.FactorOverride.org_id == org_id,
            m.FactorOverride.ref == ref,
            m.FactorOverride.stage == stage,
            m.FactorOverride.criterion == criterion,
        )
    )
    if row is None:
        row = m.FactorOverride(org_id=org_id, ref=ref, stage=stage, criterion=criterion, value=value)
        session.add(row)
    row.value, row.low, row.high, row.source, row.note = value, low, high, source, note
    session.flush()
    return row


def set_default_override(
    session: Session,
    org_id: int,
    ref: str,
    *,
    lifetime_years: float | None = None,
    power_w: float | None = None,
    annual_kwh: float | None = None,
    hours_per_day: float | None = None,
    days_per_year: float | None = None,
    source: str | None = None,
) -> m.DefaultOverride:
    """Set the organisation's own lifetime or usage profile for a category code or model ref."""
    ref = ref.strip()
    if not ref:
        raise InputError("ref is required", column="ref", value="")
    values = {
        "lifetime_years": lifetime_years,
        "power_w": power_w,
        "annual_kwh": annual_kwh,
        "hours_per_day": hours_per_day,
        "days_per_year": days_per_year,
    }
    if all(v is None for v in values.values()):
        raise InputError("give at least one of lifetime, power, annual kWh, hours per day, days per year")
    _check_number("lifetime_years", lifetime_years, minimum=1.0)
    _check_number("power_w", power_w)
    _check_number("annual_kwh", annual_kwh)
    _check_number("hours_per_day", hours_per_day, maximum=24.0)
    _check_number("days_per_year", days_per_year, maximum=366.0)
    row = session.scalar(
        sa.select(m.DefaultOverride).where(m.DefaultOverride.org_id == org_id, m.DefaultOverride.ref == ref)
    )
    if row is None:
        row = m.DefaultOverride(org_id=org_id, ref=ref)
        session.add(row)
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value)
    row.source = source
    session.flush()
    return row


def list_factor_sets(session: Session) -> list[dict]:
    """Every stored set (the built-in one included) with its metadata and row counts."""
    ensure_builtin(session)
    out = []
    for head in session.scalars(sa.select(m.FactorSetRow).order_by(m.FactorSetRow.set_id, m.FactorSetRow.id)):
        counts = {
            attr: session.scalar(
                sa.select(sa.func.count()).select_from(table).where(table.factor_set_id == head.id)
            )
            or 0
            for attr, table, _ in _TABLES
        }
        out.append(
            {
                "id": head.set_id,
                "version": head.version,
                "publisher": head.publisher,
                "year": head.year,
                "licence": head.licence,
                "description": head.description,
                "builtin": head.builtin,
                "format": head.source_format,
                "created_at": head.created_at,
                "counts": counts,
            }
        )
    return out
