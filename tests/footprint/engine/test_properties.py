"""Property tests of the engine's invariants (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sobre.footprint.engine import compute
from sobre.footprint.schema import APP_LINKS, EQUIPMENT, SITES, VMS, Inventory
from tests.footprint.engine.builders import factor_set

REF = date(2024, 12, 31)
SITES_FRAME = pl.DataFrame(
    [
        {"id": 1, "name": "DC", "kind": "data_centre", "country": "FR", "pue": 1.4},
        {"id": 2, "name": "Office", "kind": "office", "country": "FR", "pue": None},
    ],
    schema=SITES,
)
pos = st.floats(min_value=0.1, max_value=1e4, allow_nan=False)
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731


@st.composite
def inventories(draw: st.DrawFn) -> tuple[Inventory, str]:
    n_hosts = draw(st.integers(1, 4))
    hosts = []
    for i in range(1, n_hosts + 1):
        bought = draw(maybe(st.integers(0, 3000)))
        hosts.append(
            {
                "id": i,
                "category": draw(st.sampled_from(["rack_server", "laptop"])),
                "quantity": draw(pos),
                "status": draw(st.sampled_from(["in_use", "in_stock", None])),
                "purchase_date": None if bought is None else REF - timedelta(days=bought),
                "lifetime_years": draw(maybe(st.floats(0.2, 12))),
                "annual_kwh": draw(maybe(pos)),
                "usage_mode": draw(st.sampled_from([None, "cope", "byod"])),
                "cpu_threads": draw(maybe(st.integers(1, 128))),
                "site_id": draw(st.sampled_from([1, 2, None])),
                "country": "FR",
                "refurbished": draw(st.sampled_from([None, False, True])),
            }
        )
    vms = []
    for j in range(1, draw(st.integers(0, 8)) + 1):
        vms.append(
            {
                "id": j,
                "host_id": draw(st.integers(1, n_hosts)),
                "vcpu": draw(maybe(st.integers(1, 64).map(float))),
                "storage_gb": draw(maybe(pos)),
                "kind": draw(st.sampled_from(["compute", "storage", None])),
                "allocation_key": draw(st.one_of(st.none(), st.none(), st.floats(0.01, 0.9))),
            }
        )
    links = [
        {"application_id": draw(st.integers(1, 3)), "vm_id": v["id"]} for v in vms if draw(st.booleans())
    ]
    inv = Inventory(
        sites=SITES_FRAME,
        equipment=pl.DataFrame(hosts, schema=EQUIPMENT),
        vms=pl.DataFrame(vms, schema=VMS),
        applications=pl.DataFrame({"id": [1, 2, 3]}),
        app_links=pl.DataFrame(links, schema=APP_LINKS),
    )
    return inv, draw(st.sampled_from(["sobre", "g4it"]))


@settings(max_examples=60, deadline=None)
@given(inventories(), st.sampled_from([0.0, 0.3]))
def test_invariants(case: tuple[Inventory, str], ranges: float) -> None:
    inv, profile = case
    hyp = {"default_pue": 1.58, "cope_rate": 0.8, "byod_rate": 0.57}
    # A refurbished factor for laptops only: refurbished servers take the "counted as new" path.
    hyp |= {"refurbished_factor:laptop": 0.3, "refurbished_factor_low:laptop": 0.1}
    hyp["refurbished_factor_high:laptop"] = 0.6
    r = compute(inv, factor_set(ranges=ranges, hypotheses=hyp), profile=profile, reference_date=REF)
    imp = r.impacts
    known = imp.filter(pl.col("value").is_not_null())
    # Ranges contain the value; nothing is negative when every input is positive.
    assert (
        known.filter(
            (pl.col("low") > pl.col("value") * (1 + 1e-12)) | (pl.col("high") < pl.col("value") * (1 - 1e-12))
        ).height
        == 0
    )
    assert known.filter(pl.col("low") < 0).height == 0
    # Allocations (VMs) + idle = host, per criterion and stage.
    host_of = r.items.filter(pl.col("item_kind").is_in(["vm", "idle"])).select(
        "item_kind", "item_id", "host_id"
    )
    alloc = (
        imp.join(host_of, on=["item_kind", "item_id"])
        .group_by("host_id", "criterion", "stage")
        .agg(pl.col("value").sum(), pl.col("low").sum(), pl.col("high").sum())
    )
    hosts = imp.filter(pl.col("item_kind") == "equipment").rename({"item_id": "host_id"})
    both = alloc.join(hosts, on=["host_id", "criterion", "stage"], suffix="_host")
    assert both.height == alloc.height
    for c in ("value", "low", "high"):
        bad = both.filter((pl.col(f"{c}_host") - pl.col(c)).abs() > 1e-9 * pl.col(f"{c}_host").abs() + 1e-12)
        assert bad.height == 0, bad


@settings(max_examples=30, deadline=None)
@given(inventories(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(case: tuple[Inventory, str], rnd) -> None:  # type: ignore[no-untyped-def]
    inv, profile = case
    fs = factor_set(ranges=0.2)

    def shuffled(df: pl.DataFrame) -> pl.DataFrame:
        return df.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 2**31)) if df.height else df

    inv2 = Inventory(
        sites=shuffled(inv.sites),
        equipment=shuffled(inv.equipment),
        vms=shuffled(inv.vms),
        applications=shuffled(inv.applications),
        app_links=shuffled(inv.app_links),
    )
    a = compute(inv, fs, profile=profile, reference_date=REF)
    b = compute(inv2, fs, profile=profile, reference_date=REF)
    keys = ["item_kind", "item_id", "criterion", "stage"]
    ia, ib = a.impacts.sort(keys), b.impacts.sort(keys)
    assert ia.select(keys).equals(ib.select(keys))
    for c in ("value", "low", "high"):
        x, y = ia[c], ib[c]
        assert (x.is_null() == y.is_null()).all()
        assert ((x - y).abs() <= 1e-9 * x.abs() + 1e-12).fill_null(True).all()
    sa, sb = a.items.sort("item_kind", "item_id"), b.items.sort("item_kind", "item_id")
    for name, dtype in sa.schema.items():
        x, y = sa[name], sb[name]
        if dtype == pl.Float64:
            assert (x.is_null() == y.is_null()).all(), name
            assert ((x - y).abs() <= 1e-12 * x.abs()).fill_null(True).all(), name
        elif name != "warnings":  # warnings may list hosts in another order
            assert x.equals(y), name
