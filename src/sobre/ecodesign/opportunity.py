"""The opportunity review of a planned digital service: is it worth its impact?  (pure)

The review states the need, the users, the alternatives studied and the expected infrastructure and
traffic.  The **expected footprint** has three parts, kept apart because they rest on different models:

- **infrastructure**: the expected servers and cloud instances, computed by Sobre's footprint engine with
  the organisation's factor set (manufacturing spread over the lifetime, use with the country's
  electricity and the PUE), over one year;
- **storage**: the expected data volume × copies, with the data-sobriety storage model (TB-year factors);
- **usage**: page views × the EcoIndex greenhouse gases per view for the expected (or targeted) score —
  a whole-chain figure (visitors' devices, network, servers), so it overlaps the servers' share of the
  first part: it is shown beside the others, never added to them.

The recommendation (go, rework, no-go) follows explicit rules, each giving its reason with the facts:

- no-go when the need is not stated, when an existing alternative is judged to meet it, or when no one
  is expected to use the service;
- rework when the expected users are unknown, when no alternative was studied, when the targeted EcoIndex
  grade (if one is given) is worse than the organisation's minimum (C by default), when the yearly
  footprint per user exceeds the budget given, or when dedicated physical servers are planned for little
  traffic (fewer than ``small_traffic`` page views a year: shared or existing hosting first);
- go otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import polars as pl

from sobre.core.estimate import Estimate, Status
from sobre.core.i18n import t
from sobre.ecodesign import ecoindex
from sobre.footprint.schema import APP_LINKS, CLOUD, EQUIPMENT, SITES, STORAGE, FactorSet, Inventory

RECOMMENDATIONS = ("go", "rework", "no-go")


@dataclass
class Expectation:
    """What the service is expected to be, as the review states it."""

    need: str = ""
    users: int | None = None  # expected users per year
    alternatives: list[str] = field(default_factory=list)  # alternatives studied
    alternative_sufficient: bool = False  # an existing alternative meets the need
    servers: float = 0  # dedicated physical servers
    server_type: str = "rack_server"
    cloud_instances: float = 0
    cloud_provider: str = "ovh"
    cloud_type: str = "generic"
    cloud_vcpu: float = 2
    storage_gb: float = 0
    storage_copies: float = 2  # primary + backup
    page_views: float | None = None  # per year
    expected_score: int | None = None  # EcoIndex score targeted; None: the median page (50)
    country: str = "FR"
    pue: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Rules:
    min_grade: str = "C"
    budget_kg_per_user: float | None = None
    small_traffic: float = 1_000_000


@dataclass
class Review:
    recommendation: str
    reasons: list[dict[str, Any]]
    infrastructure: dict[str, Estimate]
    storage: dict[str, Estimate]
    usage: Estimate | None
    per_user: Estimate | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "recommendation": self.recommendation,
            "reasons": self.reasons,
            "infrastructure": {k: asdict(v) for k, v in self.infrastructure.items()},
            "storage": {k: asdict(v) for k, v in self.storage.items()},
            "usage_climate_change": asdict(self.usage) if self.usage else None,
            "per_user_climate_change": asdict(self.per_user) if self.per_user else None,
        }


def expected_inventory(e: Expectation) -> Inventory:
    """The planned infrastructure as an inventory the footprint engine reads (one site in the country)."""
    sites = pl.DataFrame(
        [{"id": 1, "name": "planned", "kind": "datacenter", "country": e.country, "pue": e.pue}], schema=SITES
    )
    equipment = pl.DataFrame(
        [
            {
                "id": 1,
                "name": "planned servers",
                "category": e.server_type,
                "quantity": float(e.servers),
                "status": "in_use",
                "site_id": 1,
                "country": e.country,
                "data_quality": "low",
            }
        ]
        if e.servers
        else [],
        schema=EQUIPMENT,
    )
    cloud = pl.DataFrame(
        [
            {
                "id": 1,
                "name": "planned instances",
                "provider": e.cloud_provider,
                "instance_type": e.cloud_type,
                "country": e.country,
                "quantity": float(e.cloud_instances),
                "hours_per_year": 8760.0,
                "vcpu": float(e.cloud_vcpu),
                "data_quality": "low",
            }
        ]
        if e.cloud_instances
        else [],
        schema=CLOUD,
    )
    return Inventory(
        sites=sites,
        equipment=equipment,
        cloud=cloud,
        app_links=pl.DataFrame(schema=APP_LINKS),
        storage=pl.DataFrame(schema=STORAGE),
    )


def infrastructure_footprint(e: Expectation, factors: FactorSet, reference_date: date) -> dict[str, Estimate]:
    """One year of the planned servers and instances, per criterion of the set (engine, ``sobre`` profile)."""
    from sobre.footprint.engine import TOTAL_KINDS, compute

    units = {r["code"]: r["unit"] for r in factors.criteria.iter_rows(named=True)}
    if not (e.servers or e.cloud_instances):
        return {
            c: Estimate(0.0, u, status=Status.INPUT, source="no infrastructure planned")
            for c, u in units.items()
        }
    result = compute(expected_inventory(e), factors, reference_date=reference_date, org_country=e.country)
    totals = (
        result.impacts.filter(pl.col("item_kind").is_in(TOTAL_KINDS))
        .group_by("criterion")
        .agg(
            pl.col("value").sum(),
            pl.col("low").sum(),
            pl.col("high").sum(),
            pl.col("value").is_null().any().alias("gap"),
        )
    )
    warnings = "; ".join(w for w in result.items["warnings"].drop_nulls().to_list() if w)
    out: dict[str, Estimate] = {}
    for row in totals.iter_rows(named=True):
        unit = units.get(row["criterion"], "")
        if row["gap"]:
            out[row["criterion"]] = Estimate.unknown(unit, warnings or "a factor is missing in the set")
        else:
            out[row["criterion"]] = Estimate(
                row["value"],
                unit,
                row["low"],
                row["high"],
                status=Status.ARCHETYPE,
                source=f"footprint engine, {factors.id} {factors.version}",
            )
    return out


def review(
    e: Expectation,
    infrastructure: dict[str, Estimate],
    storage: dict[str, Estimate],
    rules: Rules | None = None,
) -> Review:
    """The recommendation and its reasons, from the expectation and its expected footprint."""
    rules = rules or Rules()
    score = e.expected_score if e.expected_score is not None else 50
    page = ecoindex.EcoIndex(
        0, 0, 0.0, score, ecoindex.grade(score), ecoindex.ghg_per_view(score), ecoindex.water_per_view(score)
    )
    usage = page.ghg(e.page_views) if e.page_views is not None else None
    climate = [p.get("climate_change") for p in (infrastructure, storage)]
    per_user: Estimate | None = None
    if e.users and all(c is not None and c.known for c in climate):
        total = climate[0] + climate[1]  # type: ignore[operator]
        per_user = total.scale(1 / e.users)
    reasons: list[dict[str, Any]] = []

    def reason(level: str, code: str, **params: Any) -> None:
        """A reason with its catalogue key (``ecodesign.reason.<code>``), its values and the English text."""
        reasons.append(
            {
                "level": level,
                "code": code,
                "params": params,
                "text": t(f"ecodesign.reason.{code}", "en", **params),
            }
        )

    if not e.need.strip():
        reason("no-go", "need")
    if e.alternative_sufficient:
        reason("no-go", "alternative", alternatives=", ".join(e.alternatives) or "-")
    if e.users == 0:
        reason("no-go", "no_users")
    if e.users is None:
        reason("rework", "users")
    if not e.alternatives:
        reason("rework", "alternatives")
    if e.expected_score is not None and not ecoindex.grade_at_least(page.grade, rules.min_grade):
        reason("rework", "ecoindex", score=score, grade=page.grade, minimum=rules.min_grade)
    if (
        rules.budget_kg_per_user is not None
        and per_user is not None
        and per_user.value is not None
        and per_user.value > rules.budget_kg_per_user
    ):
        reason("rework", "budget", value=f"{per_user.value:.2f}", budget=f"{rules.budget_kg_per_user:g}")
    if e.servers and (e.page_views or 0) < rules.small_traffic:
        reason("rework", "hosting", servers=f"{e.servers:g}", views=f"{e.page_views or 0:,.0f}")
    levels = {r["level"] for r in reasons}
    verdict = "no-go" if "no-go" in levels else "rework" if "rework" in levels else "go"
    if verdict == "go":
        reason("go", "ok")
    return Review(verdict, reasons, infrastructure, storage, usage, per_user)
