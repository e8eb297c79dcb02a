"""Build the report's data (:class:`ReportData`) from an engine ``Result``: pure, no database, no I/O.

The organisation's total is the sum over the rows that are not allocations (``schema.Result``): equipment,
cloud instances and storage volumes not carried by an equipment.  VM, application and idle rows are shares of
equipment rows: the application breakdown and the idle capacity read them, the totals never add them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from sobre.footprint.engine.frames import with_item_columns
from sobre.footprint.schema import STAGES, FactorSet, Inventory, Result
from sobre.reporting import facts
from sobre.reporting.model import (
    Assumption,
    Breakdown,
    BreakdownRow,
    CategoryDefault,
    Criterion,
    CriterionTotal,
    DataQuality,
    DefaultShare,
    DepartmentRow,
    Figure,
    Hotspot,
    IdleCapacity,
    IdleHost,
    ImportStat,
    Organisation,
    QualityRow,
    ReportData,
    RunInfo,
    Source,
)

PRIMARY_CRITERION = "climate_change"
TOTAL_KINDS = ("equipment", "cloud")
STATUS_ORDER = ("measured", "input", "modelled", "archetype", "default", "unknown")
LEVEL_ORDER = ("high", "medium", "low")
TOP_HOTSPOTS = 10
TOP_IDLE_HOSTS = 15


@dataclass
class Names:
    """Names of the things results point to by id."""

    sites: dict[int, str] = field(default_factory=dict)
    departments: dict[int, str] = field(default_factory=dict)
    applications: dict[int, str] = field(default_factory=dict)
    #: Users per application, for the per-user figure of each application.
    application_users: dict[int, int] = field(default_factory=dict)
    #: Site kind (office, server_room, data_centre, colocation, cloud_region) per site id.
    site_kinds: dict[int, str] = field(default_factory=dict)


@dataclass
class ReportInputs:
    """What the report is made from; the service builds it from the database, tests build it by hand."""

    organisation: str
    run: RunInfo
    result: Result
    names: Names = field(default_factory=Names)
    employees: int | None = None
    inhabitants: int | None = None
    users: int | None = None
    country: str | None = None
    factors: FactorSet | None = None
    imports: list[ImportStat] = field(default_factory=list)
    #: The engine's inputs: the recommendations re-run the engine on them, the departmental allocation
    #: reads the applications and their links.
    inventory: Inventory | None = None
    #: False when the inventory changed since the run: recommendations are then left out.
    inventory_matches_run: bool = True
    #: Equipment ids a person holds beyond one computer, one phone and two monitors (from the
    #: inventory's assignments; the report keeps no name).
    surplus_devices: list[int] = field(default_factory=list)
    author: str = ""
    report_version: str = "1"
    issued: str = ""
    #: Report-level notes (codes with parameters), e.g. the inventory changed since the run.
    notes: list[str] = field(default_factory=list)


def total_rows() -> pl.Expr:
    """The rows that make up the organisation's total (the others are allocations of these)."""
    return pl.col("item_kind").is_in(TOTAL_KINDS) | (
        (pl.col("item_kind") == "storage") & pl.col("host_id").is_null()
    )


def _impacts_with_items(result: Result) -> pl.DataFrame:
    # Only the item columns the breakdowns group or filter by: every column joined is copied to each of
    # the millions of impact rows (names and statuses are read from ``result.items`` where shown).
    return with_item_columns(result.impacts, result.items, ["category", "site_id", "host_id"])


def _aggregate(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Sum value/low/high per keys and criterion; count unknown items; all-unknown groups stay unknown."""
    by = [*keys, "criterion"]
    sums = frame.group_by(by).agg(
        pl.col("value").sum().alias("value"),
        pl.col("low").sum().alias("low"),
        pl.col("high").sum().alias("high"),
        pl.col("value").is_not_null().sum().alias("known"),
    )
    # Unknown rows are few: count their distinct items apart, which is much cheaper than in the main pass.
    unknown = (
        frame.filter(pl.col("value").is_null())
        .group_by(by)
        .agg(pl.struct("item_kind", "item_id").n_unique().cast(pl.Int64).alias("unknown"))
    )
    return sums.join(unknown, on=by, how="left", nulls_equal=True).with_columns(
        pl.col("unknown").fill_null(0),
        *(
            pl.when(pl.col("known") > 0).then(pl.col(c)).otherwise(None).alias(c)
            for c in ("value", "low", "high")
        ),
    )


def _criteria(result: Result) -> list[Criterion]:
    rows = result.criteria.to_dicts()
    used = set(result.impacts.get_column("criterion").unique().to_list()) if result.impacts.height else set()
    criteria = [
        Criterion(r["code"], r["label_en"] or r["code"], r["label_fr"] or r["code"], r["unit"]) for r in rows
    ]
    # A criterion present in the impacts but absent from the criteria frame is still shown, with its code.
    known = {c.code for c in criteria}
    criteria += [Criterion(code, code, code, "") for code in sorted(used - known)]
    return criteria


def _figure(row: dict | None, unit: str) -> Figure:
    if row is None:
        return Figure(None, None, None, unit, 0)
    return Figure(row["value"], row["low"], row["high"], unit, int(row["unknown"]))


def build_report_data(
    inputs: ReportInputs,
    *,
    recommend: Callable[..., Any] | None = None,
) -> ReportData:
    """Turn one run's results into the report's data.

    ``recommend`` computes the recommendations (it re-runs the engine on modified inputs); the default is
    :func:`sobre.reporting.recommendations.recommend` when the inputs carry an inventory and factor set,
    its engine runs made in a worker thread while the breakdowns are built.
    """
    result = inputs.result
    criteria = _criteria(result)
    units = {c.code: c.unit for c in criteria}
    codes = [c.code for c in criteria]
    usable = inputs.inventory is not None and inputs.inventory_matches_run
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sobre-recommendations") as pool:
        # The default recommendations' engine re-runs read only the inputs: they run beside the
        # breakdowns (Polars releases the interpreter lock, so both use the cores) and are presented last.
        measuring = None
        if recommend is None and usable and inputs.factors is not None:
            from sobre.reporting import recommendations

            measuring = pool.submit(recommendations.measure, inputs, codes)
        data = _build(inputs, criteria, units, codes)
        if measuring is not None:
            data.recommendations, data.combined = recommendations.present(measuring.result(), data)
        elif recommend is not None and usable:
            found = recommend(inputs, data)
            if isinstance(found, tuple):
                data.recommendations, data.combined = found
            else:
                data.recommendations = found
    return data


def _build(
    inputs: ReportInputs, criteria: list[Criterion], units: dict[str, str], codes: list[str]
) -> ReportData:
    """Everything of the report's data but the recommendations."""
    result = inputs.result
    primary = PRIMARY_CRITERION if PRIMARY_CRITERION in codes else (codes[0] if codes else PRIMARY_CRITERION)

    joined = _impacts_with_items(result)
    counted = joined.filter(total_rows())
    totals_frame = _aggregate(counted.with_columns(pl.lit("all").alias("_all")), ["_all"])
    total_by_crit = {r["criterion"]: r for r in totals_frame.to_dicts()}

    unknown_stages = (
        counted.filter(pl.col("value").is_null())
        .group_by("criterion", "stage")
        .agg(pl.struct("item_kind", "item_id").n_unique().alias("n"))
    )
    by_stage: dict[str, dict[str, int]] = {}
    for r in unknown_stages.iter_rows(named=True):
        by_stage.setdefault(r["criterion"], {})[r["stage"]] = int(r["n"])
    totals: list[CriterionTotal] = []
    for code in codes:
        fig = _figure(total_by_crit.get(code), units[code])
        per_emp = fig.scaled(1 / inputs.employees) if inputs.employees else None
        per_user = fig.scaled(1 / inputs.users) if inputs.users else None
        per_inh = fig.scaled(1 / inputs.inhabitants) if inputs.inhabitants else None
        stages = {st: by_stage.get(code, {}).get(st, 0) for st in STAGES if by_stage.get(code, {}).get(st)}
        totals.append(CriterionTotal(code, fig, per_emp, per_user, per_inh, stages))

    def share(value: float | None, criterion: str) -> float | None:
        tot = total_by_crit.get(criterion)
        if value is None or tot is None or not tot["value"]:
            return None
        return value / tot["value"]

    def rows_from(agg: pl.DataFrame, key: str, label: Callable[[Any], str]) -> list[BreakdownRow]:
        out = [
            BreakdownRow(
                key="" if r[key] is None else str(r[key]),
                label=label(r[key]),
                criterion=r["criterion"],
                value=r["value"],
                low=r["low"],
                high=r["high"],
                unit=units.get(r["criterion"], ""),
                unknown=int(r["unknown"]),
                share=share(r["value"], r["criterion"]),
            )
            for r in agg.to_dicts()
        ]
        # Largest first within each criterion; unknown values last; ties by label for a stable order.
        out.sort(
            key=lambda b: (
                codes.index(b.criterion) if b.criterion in codes else 99,
                b.value is None,
                -(b.value or 0.0),
                b.label,
            )
        )
        return out

    names = inputs.names
    breakdowns: dict[str, Breakdown] = {}
    stage_rows = rows_from(_aggregate(counted, ["stage"]), "stage", lambda k: str(k))
    stage_order = ("manufacturing", "distribution", "use", "end_of_life")
    stage_rows.sort(
        key=lambda b: (
            codes.index(b.criterion) if b.criterion in codes else 99,
            stage_order.index(b.key) if b.key in stage_order else 9,
        )
    )
    breakdowns["stage"] = Breakdown("stage", stage_rows, translated=True)
    breakdowns["category"] = Breakdown(
        "category",
        rows_from(
            _aggregate(counted.with_columns(pl.col("category").fill_null("other")), ["category"]),
            "category",
            lambda k: str(k),
        ),
        translated=True,
    )
    breakdowns["site"] = Breakdown(
        "site",
        rows_from(_aggregate(counted, ["site_id"]), "site_id", lambda k: names.sites.get(k, "") if k else ""),
    )
    from sobre.footprint.engine.departments import allocate_departments

    allocation = allocate_departments(result, inputs.inventory)
    breakdowns["department"] = Breakdown(
        "department",
        rows_from(
            _aggregate_parts(allocation, ["department_id"]),
            "department_id",
            lambda k: names.departments.get(k, "") if k else "",
        ),
    )
    apps = joined.filter(pl.col("item_kind") == "application")
    breakdowns["application"] = Breakdown(
        "application",
        rows_from(_aggregate(apps, ["item_id"]), "item_id", lambda k: names.applications.get(k) or str(k)),
    )

    # The primary criterion's sums per item of the total: the hotspots, the hosts of the idle capacity and
    # the data quality read them (summed once: the same rows in the same order as apart).
    item_sums = _item_sums(counted, primary)
    hotspots = _hotspots(result, item_sums, primary, units.get(primary, ""), names, share)
    idle = _idle(result, joined, item_sums, primary, units.get(primary, ""), names, share)
    quality = _quality(result, counted, item_sums, primary, codes, inputs.imports, share)
    quality.notes = list(inputs.notes)
    sources, assumptions, defaults = _sources_and_assumptions(inputs)
    primary_total = next((t for t in totals if t.criterion == primary), None)

    data = ReportData(
        organisation=Organisation(
            name=inputs.organisation,
            employees=inputs.employees,
            inhabitants=inputs.inhabitants,
            users=inputs.users,
            country=inputs.country,
            items=result.items.filter(pl.col("item_kind") == "equipment").height,
            quantity=float(
                result.items.filter(pl.col("item_kind") == "equipment")
                .get_column("quantity")
                .fill_null(0)
                .sum()
                or 0.0
            ),
            author=inputs.author,
            report_version=inputs.report_version,
            issued=inputs.issued,
        ),
        run=inputs.run,
        criteria=criteria,
        primary=primary,
        totals=totals,
        breakdowns=breakdowns,
        hotspots=hotspots,
        idle=idle,
        quality=quality,
        sources=sources,
        assumptions=assumptions,
        category_defaults=defaults,
    )
    data.departments = _departments(allocation, primary, units.get(primary, ""), names, share)
    if primary_total is not None:
        unit = units.get(primary, "")
        data.scope = facts.scope_split(result, primary, unit, names.site_kinds, facts.in_scope_keys(result))
        data.benchmarks = facts.benchmarks(primary_total.per_employee, primary_total.per_inhabitant)
        data.equivalences = facts.equivalences(primary_total.total) if unit == "kgCO2e" else []
    data.fleet = facts.fleet_facts(result, inputs.factors, inputs.employees)
    return data


def _aggregate_parts(allocation: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Sum the departmental allocation's parts per keys and criterion (value/low/high, unknown counts)."""
    agg = allocation.group_by([*keys, "criterion"]).agg(
        pl.col("value").sum(),
        pl.col("low").sum(),
        pl.col("high").sum(),
        pl.col("value").is_not_null().sum().alias("known"),
        pl.col("unknown").sum(),
    )
    return agg.with_columns(
        *(pl.when(pl.col("known") > 0).then(pl.col(c)).alias(c) for c in ("value", "low", "high"))
    )


def _departments(
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


def _item_sums(joined: pl.DataFrame, primary: str) -> pl.DataFrame:
    return _aggregate(joined.filter(pl.col("criterion") == primary), ["item_kind", "item_id"])


def _hotspots(
    result: Result,
    item_sums: pl.DataFrame,
    primary: str,
    unit: str,
    names: Names,
    share: Callable[[float | None, str], float | None],
) -> list[Hotspot]:
    """Largest items of the total, each named once; a host's idle share is shown on its own row."""
    sums = item_sums.filter(pl.col("value").is_not_null())
    top = sums.sort(["value", "item_kind", "item_id"], descending=[True, False, False]).head(TOP_HOTSPOTS)
    info = result.items.join(top.select("item_kind", "item_id"), on=["item_kind", "item_id"], how="inner")
    by_key = {(r["item_kind"], r["item_id"]): r for r in info.to_dicts()}
    idle = result.items.filter(pl.col("item_kind") == "idle")
    idle_share = dict(zip(idle["item_id"].to_list(), idle["share"].to_list(), strict=True))
    out = []
    for r in top.to_dicts():
        item = by_key.get((r["item_kind"], r["item_id"]), {})
        out.append(
            Hotspot(
                item_kind=r["item_kind"],
                item_id=int(r["item_id"]),
                name=item.get("name") or "",
                category=item.get("category"),
                site=names.sites.get(item["site_id"]) if item.get("site_id") else None,
                quantity=item.get("quantity"),
                status=item.get("status"),
                lifetime_years=item.get("lifetime_years"),
                figure=Figure(r["value"], r["low"], r["high"], unit, int(r["unknown"])),
                share=share(r["value"], primary),
                idle_share=idle_share.get(int(r["item_id"])) if r["item_kind"] == "equipment" else None,
            )
        )
    return out


def _host_names(items: pl.DataFrame) -> dict[int, str]:
    eq = items.filter(pl.col("item_kind") == "equipment").select("item_id", "name")
    return dict(zip(eq.get_column("item_id").to_list(), eq.get_column("name").to_list(), strict=True))


def _idle(
    result: Result,
    joined: pl.DataFrame,
    item_sums: pl.DataFrame,
    primary: str,
    unit: str,
    names: Names,
    share: Callable[[float | None, str], float | None],
) -> IdleCapacity:
    idle_items = result.items.filter(pl.col("item_kind") == "idle")
    if idle_items.height == 0:
        return IdleCapacity(0, 0, Figure(None, None, None, unit, 0), None, [])
    idle_sums = _item_sums(joined.filter(pl.col("item_kind") == "idle"), primary)
    # The hosts' own rows only (a few hundred items, not the whole estate).
    host_ids = idle_items.select(pl.coalesce("host_id", "item_id")).to_series().implode()
    is_host = (pl.col("item_kind") == "equipment") & pl.col("item_id").is_in(host_ids)
    host_sums = item_sums.filter(is_host)  # hosts are equipment: items of the total
    host_by_id = {r["item_id"]: r for r in host_sums.to_dicts()}
    sums_by_id = {r["item_id"]: r for r in idle_sums.to_dicts()}
    host_names = _host_names(result.items.filter(is_host))
    hosts: list[IdleHost] = []
    for item in idle_items.to_dicts():
        host_id = item["host_id"] if item["host_id"] is not None else item["item_id"]
        fig = _figure(sums_by_id.get(item["item_id"]), unit)
        hosts.append(
            IdleHost(
                host_id=int(host_id),
                host=host_names.get(host_id, item.get("name") or str(host_id)),
                site=names.sites.get(item["site_id"]) if item.get("site_id") else None,
                idle_share=item.get("share"),
                idle=fig,
                host_total=_figure(host_by_id.get(host_id), unit),
            )
        )
    hosts.sort(key=lambda h: (h.idle.value is None, -(h.idle.value or 0.0), h.host))
    known = [h.idle for h in hosts if h.idle.value is not None]
    unknown = sum(1 for h in hosts if h.idle.value is None)
    total = (
        Figure(
            sum(f.value or 0.0 for f in known),
            sum(f.low or 0.0 for f in known),
            sum(f.high or 0.0 for f in known),
            unit,
            unknown,
        )
        if known
        else Figure(None, None, None, unit, unknown)
    )
    over_half = sum(1 for h in hosts if h.idle_share is not None and h.idle_share > 0.5)
    return IdleCapacity(len(hosts), over_half, total, share(total.value, primary), hosts[:TOP_IDLE_HOSTS])


def _quality(
    result: Result,
    counted: pl.DataFrame,
    item_sums: pl.DataFrame,
    primary: str,
    codes: list[str],
    imports: list[ImportStat],
    share: Callable[[float | None, str], float | None],
) -> DataQuality:
    items = result.items.filter(total_rows())
    prim = item_sums.select("item_kind", "item_id", pl.col("value").alias("v"), pl.col("known").alias("k"))
    items = items.join(prim, on=["item_kind", "item_id"], how="left").with_columns(
        pl.when(pl.col("k") > 0).then(pl.col("v")).otherwise(None).alias("v")
    )

    def rows(col: str, order: Sequence[str]) -> list[QualityRow]:
        agg = (
            items.with_columns(pl.col(col).fill_null("unknown"))
            .group_by(col)
            .agg(
                pl.len().alias("n"),
                pl.col("quantity").fill_null(0).sum().alias("q"),
                pl.col("v").sum().alias("v"),
                pl.col("v").is_not_null().sum().alias("k"),
            )
        )
        out = [
            QualityRow(
                r[col],
                int(r["n"]),
                float(r["q"]),
                r["v"] if r["k"] else None,
                share(r["v"] if r["k"] else None, primary),
            )
            for r in agg.to_dicts()
        ]
        out.sort(key=lambda q: (order.index(q.key) if q.key in order else len(order), q.key))
        return out

    def counts(col: str) -> dict[str, int]:
        agg = items.with_columns(pl.col(col).fill_null("none")).group_by(col).len().sort(col)
        return {r[col]: int(r["len"]) for r in agg.to_dicts()}

    unknown_items = (
        counted.filter(pl.col("value").is_null())
        .group_by("criterion")
        .agg(pl.struct("item_kind", "item_id").n_unique().alias("n"))
    )
    unknown_by = {c: 0 for c in codes}
    unknown_by.update({r["criterion"]: int(r["n"]) for r in unknown_items.to_dicts()})
    from sobre.footprint.engine.quality import default_shares, method_counts

    by_status = rows("status", STATUS_ORDER)
    shares = [
        DefaultShare(s.criterion, s.parameter, s.share, s.items_default, s.items)
        for s in default_shares(result)
    ]
    overall = next((s.share for s in shares if s.criterion == primary and s.parameter == "any"), None)
    energy = items.select(
        (pl.col("quantity").fill_null(0) * pl.col("annual_kwh").fill_null(0)).alias("kwh"), "kwh_method"
    )
    kwh_total = float(energy["kwh"].sum() or 0.0)
    kwh_measured = float(energy.filter(pl.col("kwh_method") == "measured")["kwh"].sum() or 0.0)
    return DataQuality(
        by_status=by_status,
        by_level=rows("data_quality", LEVEL_ORDER),
        lifetime_methods=counts("lifetime_method"),
        kwh_methods=counts("kwh_method"),
        kwh_total=kwh_total,
        kwh_measured=kwh_measured,
        unknown_by_criterion=unknown_by,
        default_share=overall,
        rows_read=sum(i.rows_read for i in imports),
        rows_rejected=sum(i.rejected for i in imports),
        imports=imports,
        warnings=list(result.warnings),
        default_shares=shares,
        methods=method_counts(result),
    )


def _sources_and_assumptions(
    inputs: ReportInputs,
) -> tuple[list[Source], list[Assumption], list[CategoryDefault]]:
    run, result, factors = inputs.run, inputs.result, inputs.factors
    assumptions = [
        Assumption("reference_date", run.reference_date.isoformat()),
        Assumption("profile", run.profile),
        Assumption("methodology", run.methodology),
    ]
    if factors is None:
        src = [
            Source(f"{run.factor_set_id} {run.factor_set_version}", run.factor_set_licence, 0, "factor_set")
        ]
        return src, assumptions, []
    sources = [
        Source(
            f"{factors.id} {factors.version} — {factors.publisher} ({factors.year})",
            factors.licence,
            factors.impacts.height + factors.electricity.height,
            "factor_set",
        )
    ]
    refs = result.items.get_column("factor_ref").drop_nulls().unique()
    used_impacts = factors.impacts.filter(pl.col("ref").is_in(refs.implode()))
    countries = result.items.get_column("country").drop_nulls().unique()
    used_elec = factors.electricity.filter(pl.col("country").is_in(countries.implode()))
    for kind, frame in (("impacts", used_impacts), ("electricity", used_elec)):
        agg = (
            frame.with_columns(pl.col("source").fill_null(""), pl.col("licence").fill_null(""))
            .group_by("source", "licence")
            .len()
            .sort(["len", "source"], descending=[True, False])
        )
        sources += [Source(r["source"], r["licence"], int(r["len"]), kind) for r in agg.to_dicts()]
    for key in sorted(factors.hypotheses):
        assumptions.append(Assumption(f"hypothesis:{key}", f"{factors.hypotheses[key]:g}"))
    for provider in sorted(factors.cloud_pue):
        assumptions.append(Assumption(f"cloud_pue:{provider}", f"{factors.cloud_pue[provider]:g}"))

    categories = result.items.filter(pl.col("item_kind") == "equipment").get_column("category").drop_nulls()
    defaults = factors.defaults.filter(pl.col("ref").is_in(categories.unique().implode())).sort("ref")
    category_defaults = [
        CategoryDefault(
            r["ref"],
            r["lifetime_years"],
            r["lifetime_low"],
            r["lifetime_high"],
            r["annual_kwh"],
            r["power_w"],
            r["hours_per_day"],
            r["days_per_year"],
            r["source"] or "",
        )
        for r in defaults.to_dicts()
    ]
    return sources, assumptions, category_defaults
