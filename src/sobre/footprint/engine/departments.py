"""Allocation of the organisation's footprint to its departments (pure: a Result and the Inventory's links).

Keys, in order (``key`` column of the output):

- ``vm``: a host's share used by a VM (its vCPU share, from the engine) goes to the VM's department;
- ``volume``: a volume's share of its array goes to the volume's department, else its application's;
- ``application_users``: what has no department of its own (a VM, a cloud instance, a server linked to
  applications) is split among the departments of the applications it runs, in proportion to their users
  (equally when users are unknown);
- ``own``: end-user devices, cloud instances and volumes belong to their own department;
- ``unallocated``: idle capacity, the remainder of a host or array not used by VMs or volumes, and
  infrastructure used by nothing identified.  It is shown as "shared / unallocated", never as the
  department that manages the infrastructure (the IT department's servers serve every department).

Every row of the organisation's total is split with weights that sum to 1, so the departments and the
unallocated row add up to the total (unknown figures stay unknown).
"""

from __future__ import annotations

import polars as pl

from sobre.footprint.engine.department_sums import sum_blocks
from sobre.footprint.engine.frames import ENGINE, conform, with_item_columns
from sobre.footprint.engine.sums import criterion_blocks
from sobre.footprint.schema import APP_LINKS, APPLICATIONS, DEPARTMENT_ALLOCATION, STORAGE, Inventory, Result
from sobre.inventory.taxonomy import END_USER_CATEGORIES

KEYS = ("vm", "volume", "application_users", "own", "unallocated")
_W = {
    "item_kind": pl.Utf8,
    "item_id": pl.Int64,
    "department_id": pl.Int64,
    "weight": pl.Float64,
    "key": pl.Utf8,
}


def _app_departments(inventory: Inventory, column: str) -> pl.DataFrame:
    """target id → (department_id, weight) over the applications linked to it, weighted by users."""
    links = conform(inventory.app_links, APP_LINKS).filter(pl.col(column).is_not_null())
    apps = conform(inventory.applications, APPLICATIONS).select(
        pl.col("id").alias("application_id"), "department_id", pl.col("users").cast(pl.Float64)
    )
    joined = (
        links.select(pl.col(column).alias("target_id"), "application_id")
        .unique()
        .join(apps, on="application_id", how="inner")
    )
    # Users weigh the split when every application on the target gives them; otherwise an equal split.
    all_users = (pl.col("users").is_not_null() & (pl.col("users") > 0)).all().over("target_id")
    weight = pl.when(all_users).then(pl.col("users")).otherwise(1.0)
    joined = joined.with_columns(weight.alias("_w"))
    shares = joined.with_columns((pl.col("_w") / pl.col("_w").sum().over("target_id")).alias("weight"))
    # One part per department: two applications of one department on a target make one share of it.
    return shares.group_by("target_id", "department_id", maintain_order=True).agg(pl.col("weight").sum())


def _weights(kind: str, frame: pl.DataFrame, own_department: pl.Expr, by_apps: pl.DataFrame) -> pl.DataFrame:
    """Own department when set; else the applications' departments; else unallocated."""
    own = frame.filter(own_department.is_not_null()).select(
        pl.lit(kind).alias("item_kind"),
        pl.col("item_id"),
        own_department.alias("department_id"),
        pl.lit(1.0).alias("weight"),
        pl.lit("own" if kind != "vm" else "vm").alias("key"),
    )
    rest = frame.filter(own_department.is_null()).select("item_id")
    apps = rest.join(by_apps, left_on="item_id", right_on="target_id", how="inner").select(
        pl.lit(kind).alias("item_kind"),
        "item_id",
        "department_id",
        "weight",
        pl.lit("application_users").alias("key"),
    )
    left = rest.join(apps.select("item_id").unique(), on="item_id", how="anti").select(
        pl.lit(kind).alias("item_kind"),
        "item_id",
        pl.lit(None, dtype=pl.Int64).alias("department_id"),
        pl.lit(1.0).alias("weight"),
        pl.lit("unallocated").alias("key"),
    )
    return pl.concat([conform(f, _W) for f in (own, apps, left)])


def _is_total() -> pl.Expr:
    return pl.col("item_kind").is_in(["equipment", "cloud"]) | (
        (pl.col("item_kind") == "storage") & pl.col("host_id").is_null()
    )


def _is_child() -> pl.Expr:
    return pl.col("item_kind").is_in(["vm", "idle"]) | (
        (pl.col("item_kind") == "storage") & pl.col("host_id").is_not_null()
    )


def _remainders(attached: pl.DataFrame, is_host: pl.Expr) -> pl.DataFrame:
    """Per host carrying VMs or volumes: host impact − Σ its known allocation rows (what no row took).
    ``attached``: the impacts with their item's ``host_id``; ``is_host``: true on such a host's rows."""
    host_imp = attached.filter(is_host).drop("host_id", "_host")
    children = (
        attached.filter(pl.col("item_kind").is_in(["vm", "storage", "idle"]))
        .filter(pl.col("host_id").is_not_null())
        .group_by("host_id", "criterion", "stage")
        # The known children: an unknown one leaves its part in the remainder, so the parts still add up
        # to the host (the child counts as unknown in its department).
        .agg(*[pl.col(c).sum() for c in ("value", "low", "high")])
    )
    out = host_imp.join(
        children.rename({"host_id": "item_id", "value": "cv", "low": "cl", "high": "ch"}),
        on=["item_id", "criterion", "stage"],
        how="left",
    )
    rem = [
        (pl.col(a) - pl.col(b).fill_null(0.0)).alias(a)
        for a, b in (("value", "cv"), ("low", "cl"), ("high", "ch"))
    ]
    out = out.with_columns(rem)
    # Rounding noise of a fully allocated host is no remainder.
    tiny = pl.col("value").abs() <= 1e-9 * (pl.col("value").abs() + pl.col("cv").abs().fill_null(0.0))
    out = out.with_columns(
        *[pl.when(tiny).then(0.0).otherwise(pl.col(c)).alias(c) for c in ("value", "low", "high")]
    )
    return out.select(
        pl.lit("remainder").alias("item_kind"), "item_id", "criterion", "stage", "value", "low", "high"
    )


#: Kinds of the rows the weights apply to, each with a number for :func:`_join_weights`.
_KIND_CODES = {k: i for i, k in enumerate(("equipment", "cloud", "storage", "vm", "idle", "remainder"))}
_ID_BITS = 40


def _join_weights(impacts: pl.DataFrame, w: pl.DataFrame) -> pl.DataFrame:
    """``impacts`` joined with their weights on (item_kind, item_id), through one integer per key when the
    ids allow it: a join on the text and the integer costs about 0.7 s of CPU over the two million rows
    of a 100,000-item estate, on one integer a fraction of that (the same rows in the same order)."""
    ids = pl.concat([impacts.get_column("item_id"), w.get_column("item_id")])
    low, high = ids.min(), ids.max()
    if ids.null_count() or low is None or int(low) < 0 or int(high) >= 2**_ID_BITS:  # type: ignore[arg-type]
        return impacts.join(w, on=["item_kind", "item_id"], how="inner")
    code = pl.col("item_kind").replace_strict(_KIND_CODES, default=None, return_dtype=pl.Int64)
    key = (code * 2**_ID_BITS + pl.col("item_id")).alias("_key")
    return (
        impacts.with_columns(key)
        .join(w.with_columns(key).drop("item_kind", "item_id"), on="_key", how="inner")
        .drop("_key")
    )


def allocate_departments(
    result: Result, inventory: Inventory | None = None, *, all_stages: bool = False
) -> pl.DataFrame:
    """The total's impacts by department: department_id (null = shared / unallocated), key, criterion,
    stage, value, low, high, items (parts: an item's share in one group), known and unknown (of them, with
    a known / an unknown value).  ``all_stages`` adds each criterion's rows over all its stages (stage
    null): the sums of the stage rows, a part counted once, as unknown when any of its stages is.

    Impacts in the engine's layout (one block per criterion and stage, each in the items' order) are summed
    block by block over the items (:mod:`footprint.engine.department_sums`); others row by row."""
    inventory = inventory if inventory is not None else Inventory()
    w, hosts = _weight_rows(result.items, inventory)
    blocks = criterion_blocks(result)
    if blocks is not None:
        return sum_blocks(result.items, blocks, w, hosts.get_column("host_id"), all_stages=all_stages)
    return _sum_rows(result, w, hosts, all_stages=all_stages)


def allocation_inputs(inventory: Inventory) -> Inventory:
    """The part of an inventory the allocation reads beside a Result (applications, their links and
    volumes): what a run keeps of its inputs to allocate its result once the engine is done."""
    return Inventory(
        applications=inventory.applications, app_links=inventory.app_links, storage=inventory.storage
    )


def _weight_rows(items: pl.DataFrame, inventory: Inventory) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every item's weights (``_W``: item_kind, item_id, department_id, weight, key; a host's remainder as
    kind ``remainder``), and the hosts (``host_id``: the equipment carrying VMs, volumes or idle rows)."""
    total_kinds = items.filter(_is_total())
    children = items.filter(_is_child())
    hosts = children.select("host_id").drop_nulls().unique()
    # Departments as the run recorded them (items carry the department of their VM, volume or device);
    # the inventory gives only what the run does not keep: applications, their users and links.
    recorded = items.select("item_kind", "item_id", "category", "department_id")
    eq = recorded.filter(pl.col("item_kind") == "equipment").drop("item_kind")
    vms = recorded.filter(pl.col("item_kind") == "vm").select("item_id", "department_id")
    vols = (
        recorded.filter(pl.col("item_kind") == "storage")
        .select("item_id", "department_id")
        .join(
            conform(inventory.storage, STORAGE).select(pl.col("id").alias("item_id"), "application_id"),
            on="item_id",
            how="left",
        )
    )
    apps = conform(inventory.applications, APPLICATIONS).select(
        pl.col("id").alias("application_id"), pl.col("department_id").alias("_app_dept")
    )
    vols = vols.join(apps, on="application_id", how="left").with_columns(
        pl.coalesce("department_id", "_app_dept").alias("department_id")
    )

    weights = []
    # Children of hosts: VMs, volumes on arrays, idle capacity.
    vm_rows = (
        children.filter(pl.col("item_kind") == "vm").select("item_id").join(vms, on="item_id", how="left")
    )
    weights.append(_weights("vm", vm_rows, pl.col("department_id"), _app_departments(inventory, "vm_id")))
    vol_rows = (
        children.filter(pl.col("item_kind") == "storage")
        .select("item_id")
        .join(vols, on="item_id", how="left")
    )
    vol_w = _weights(
        "storage",
        vol_rows,
        pl.col("department_id"),
        pl.DataFrame(schema={"target_id": pl.Int64, "department_id": pl.Int64, "weight": pl.Float64}),
    )
    weights.append(
        vol_w.with_columns(
            pl.when(pl.col("key") == "own").then(pl.lit("volume")).otherwise(pl.col("key")).alias("key")
        )
    )
    idle = children.filter(pl.col("item_kind") == "idle").select(
        pl.lit("idle").alias("item_kind"),
        "item_id",
        pl.lit(None, dtype=pl.Int64).alias("department_id"),
        pl.lit(1.0).alias("weight"),
        pl.lit("unallocated").alias("key"),
    )
    weights.append(conform(idle, _W))

    # Total rows that are not hosts: equipment (end-user devices own, infrastructure by usage), cloud,
    # storage not on equipment.  Hosts are represented by their children and their remainder.
    plain_eq = (
        total_kinds.filter(pl.col("item_kind") == "equipment")
        .select("item_id")
        .join(hosts.select(pl.col("host_id").alias("item_id")), on="item_id", how="anti")
        .join(eq, on="item_id", how="left")
    )
    end_user = [str(c) for c in END_USER_CATEGORIES]
    own_eq = pl.when(pl.col("category").is_in(end_user) | pl.col("category").is_null()).then(
        pl.col("department_id")
    )
    weights.append(_weights("equipment", plain_eq, own_eq, _app_departments(inventory, "equipment_id")))
    cloud = items.filter(pl.col("item_kind") == "cloud").select("item_id", "department_id")
    weights.append(
        _weights("cloud", cloud, pl.col("department_id"), _app_departments(inventory, "cloud_instance_id"))
    )
    free_vols = (
        total_kinds.filter(pl.col("item_kind") == "storage")
        .select("item_id")
        .join(vols, on="item_id", how="left")
    )
    weights.append(
        _weights(
            "storage",
            free_vols,
            pl.col("department_id"),
            pl.DataFrame(schema={"target_id": pl.Int64, "department_id": pl.Int64, "weight": pl.Float64}),
        )
    )
    rem_w = hosts.select(
        pl.lit("remainder").alias("item_kind"),
        pl.col("host_id").alias("item_id"),
        pl.lit(None, dtype=pl.Int64).alias("department_id"),
        pl.lit(1.0).alias("weight"),
        pl.lit("unallocated").alias("key"),
    )
    weights.append(conform(rem_w, _W))
    return pl.concat(weights), hosts


def _sum_rows(
    result: Result, w: pl.DataFrame, hosts: pl.DataFrame, *, all_stages: bool = False
) -> pl.DataFrame:
    """:func:`allocate_departments`' sums over the impact rows, for impacts in any layout."""
    items = result.items
    rem_w = w.filter(pl.col("item_kind") == "remainder")
    # Every impact row with its item's host, whether the item is a child or in the total, and its weight
    # when it has one of its own key (all but the items split among applications): repeated onto the
    # impacts with the items' columns, not joined (see with_item_columns).  Only the split items' rows
    # are joined with their weights.  Each group keeps its rows in the impacts' order, as one join of
    # every row with the weights gave them, so the sums are the same to the last bit.
    split = w.filter(pl.col("key") == "application_users")
    single = w.filter(pl.col("key") != "application_users")
    if single.select("item_kind", "item_id").is_duplicated().any():
        single, split = single.clear(), w
    is_host = (pl.col("item_kind") == "equipment") & pl.col("item_id").is_in(hosts["host_id"].implode())
    scoped = items.select(
        "item_kind",
        "item_id",
        "host_id",
        is_host.alias("_host"),
        # A host's own row is replaced by its children and remainder.
        ((_is_total() | _is_child()) & ~is_host).alias("_keep"),
    ).join(single, on=["item_kind", "item_id"], how="left", maintain_order="left")
    attached = with_item_columns(
        result.impacts, scoped, ["host_id", "_host", "_keep", "department_id", "weight", "key"], how="inner"
    )
    columns = result.impacts.columns
    weighted = [*columns, "department_id", "weight", "key"]
    remainders = _remainders(attached.select(*columns, "host_id", "_host"), pl.col("_host")).join(
        rem_w.drop("item_kind"), on="item_id", how="inner", maintain_order="left"
    )
    # Lazy: each filter gathers only the columns selected after it.
    kept = attached.lazy().filter(pl.col("_keep"))
    own = kept.filter(pl.col("key").is_not_null()).select(weighted).collect(engine=ENGINE)
    shared = kept.filter(pl.col("key").is_null()).select(columns).collect(engine=ENGINE)
    del attached  # the largest frame here: not held beside the parts
    parts = pl.concat(
        [own, remainders.select(weighted), _join_weights(shared, split).select(weighted)],
        how="vertical_relaxed",
    )
    del own
    parts = parts.with_columns(*[(pl.col(c) * pl.col("weight")).alias(c) for c in ("value", "low", "high")])
    group = ["department_id", "key", "criterion"]
    frames = [_group_sums(parts, [*group, "stage"], pl.col("value").is_not_null(), pl.col("value").is_null())]
    if all_stages:
        # One part per item and group over the stages: known when any stage is, unknown when any is.
        per_part = parts.group_by(*group, "item_kind", "item_id").agg(
            *[pl.col(c).sum() for c in ("value", "low", "high")],
            pl.col("value").is_not_null().any().alias("_k"),
            pl.col("value").is_null().any().alias("_u"),
        )
        frames.append(
            _group_sums(per_part, group, pl.col("_k"), pl.col("_u")).with_columns(
                pl.lit(None, dtype=pl.Utf8).alias("stage")
            )
        )
    return pl.concat(
        [f.select(*DEPARTMENT_ALLOCATION).cast(pl.Schema(DEPARTMENT_ALLOCATION)) for f in frames]
    ).sort("criterion", "stage", "key", "department_id", nulls_last=True)


def _group_sums(frame: pl.DataFrame, by: list[str], known: pl.Expr, unknown: pl.Expr) -> pl.DataFrame:
    """Per group: the sums of its known figures, its parts and those unknown; a group with no known part
    has unknown figures (None, never 0)."""
    return (
        frame.group_by(by)
        .agg(
            *[pl.col(c).sum() for c in ("value", "low", "high")],
            known.sum().alias("known"),
            pl.len().alias("items"),
            unknown.sum().alias("unknown"),
        )
        .with_columns(
            *[pl.when(pl.col("known") > 0).then(pl.col(c)).alias(c) for c in ("value", "low", "high")]
        )
    )


__all__ = ["KEYS", "allocate_departments", "allocation_inputs"]
