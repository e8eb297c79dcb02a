"""Measures per service, objectives, opportunity and periodic reviews (SQLite and PostgreSQL), the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core import capabilities
from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound
from sobre.ecodesign import objectives, opportunity, service
from sobre.ecodesign.measure import PageMeasure
from sobre.footprint.engine import compute
from sobre.footprint.factors.builtin import read_builtin
from sobre.inventory import services
from sobre.orgs import service as orgs

runner = CliRunner()
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _m(url: str, score: int, grade: str, kb: float, at: datetime, step: str | None = None) -> PageMeasure:
    return PageMeasure(
        url=url,
        step=step,
        dom=300,
        requests=20,
        bytes=int(kb * 1000),
        score=score,
        grade=grade,
        ghg_g=1.5,
        water_cl=2.2,
        measured_at=at,
    )


@pytest.fixture
def org_url(db_url: str) -> str:
    with session_scope(db_url) as session:
        orgs.create(session, "Ville")
        services.create(session, "Ville", "Démarches", url="https://demarches.ville.fr", status="live")
        services.create(
            session, "Ville", "Démarches pro", url="https://demarches.ville.fr/pro", status="live"
        )
    return db_url


def test_measures_find_their_service_and_history(org_url: str) -> None:
    with session_scope(org_url) as session:
        service.record_measures(
            session,
            "Ville",
            [
                _m("https://demarches.ville.fr/", 72, "B", 900, T0),
                _m("https://demarches.ville.fr/pro/espace", 40, "E", 3000, T0),
                _m("https://ailleurs.fr/", 90, "A", 100, T0),
            ],
        )
        service.record_measures(
            session, "Ville", [_m("https://demarches.ville.fr/", 81, "A", 500, T0 + timedelta(days=7))]
        )
        rows = service.history(session, "Ville", service="Démarches")
        assert [(r["url"], r["score"]) for r in rows] == [
            ("https://demarches.ville.fr/", 81),
            ("https://demarches.ville.fr/", 72),
        ]
        # the longest service address wins
        assert [r["score"] for r in service.history(session, "Ville", service="Démarches pro")] == [40]
        assert service.history(session, "Ville", url="https://ailleurs.fr/")[0]["service_id"] is None


def test_objectives_and_periodic_review(org_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope(org_url) as session:
        service.record_measures(
            session,
            "Ville",
            [
                _m("https://demarches.ville.fr/", 60, "C", 1500, T0),
                _m("https://demarches.ville.fr/aide", 75, "B", 700, T0),
                _m("https://demarches.ville.fr/", 74, "B", 900, T0 + timedelta(days=1)),  # the latest counts
            ],
            service="Démarches",
        )
        service.set_objective(session, "Ville", "Démarches", "ecoindex_grade", "b", due=date(2027, 6, 30))
        service.set_objective(session, "Ville", "Démarches", "page_weight_kb", "800")
        service.set_objective(session, "Ville", "Démarches", "rgesn_score", "75")
        review = service.periodic_review(session, "Ville", "Démarches", reviewer="référente")
        results = {r["kind"]: r for r in review.results["objectives"]}
        assert results["ecoindex_grade"]["met"] is True and results["ecoindex_grade"]["measured"] == "B"
        assert results["page_weight_kb"]["met"] is False and results["page_weight_kb"]["measured"] == 900
        assert results["rgesn_score"]["met"] is None  # no assessment capability: unknown, not failed
        assert review.recommendation == "partly"
        texts = {r["code"]: service.reason_text(r, "fr") for r in review.reasons}
        assert texts["page_weight_kb"] == "Poids de page (ko) : 900 pour un objectif de 800"
        assert texts["rgesn_score"].endswith("(aucune évaluation RGESN de ce service pour l'instant)")
        # an assessment capability provides its RGESN score through the registry
        fake = capabilities.Capability(
            name="assessment", provides={objectives.RGESN_SCORE: f"{__name__}:_rgesn"}
        )
        monkeypatch.setattr(capabilities, "all_capabilities", lambda: (fake,))
        review = service.periodic_review(session, "Ville", "Démarches")
        results = {r["kind"]: r for r in review.results["objectives"]}
        assert results["rgesn_score"]["measured"] == 82.5 and results["rgesn_score"]["met"] is True
        assert [v.kind for v in service.list_reviews(session, "Ville", "Démarches")] == [
            "periodic",
            "periodic",
        ]
        with pytest.raises(InputError):
            service.set_objective(session, "Ville", "Démarches", "ecoindex_grade", "H")
        with pytest.raises(InputError):
            service.set_objective(session, "Ville", "Démarches", "speed", "1")
        service.remove_objective(session, "Ville", "Démarches", "rgesn_score")
        with pytest.raises(NotFound):
            service.remove_objective(session, "Ville", "Démarches", "rgesn_score")


def _rgesn(session, org_id: int, service_id: int) -> float:  # type: ignore[no-untyped-def]
    return 82.5


def test_expected_footprint_is_the_engines() -> None:
    factors = read_builtin()
    e = opportunity.Expectation(servers=2, country="FR")
    got = opportunity.infrastructure_footprint(e, factors, date(2026, 12, 1))
    direct = compute(
        opportunity.expected_inventory(e), factors, reference_date=date(2026, 12, 1), org_country="FR"
    )
    total = direct.impacts.filter(
        (pl.col("item_kind") == "equipment") & (pl.col("criterion") == "climate_change")
    )
    assert got["climate_change"].value == pytest.approx(total["value"].sum())
    assert got["climate_change"].value > 0 and got["climate_change"].unit == "kgCO2e"
    none = opportunity.infrastructure_footprint(opportunity.Expectation(), factors, date(2026, 12, 1))
    assert none["climate_change"].value == 0


@pytest.mark.parametrize(
    ("fields", "verdict", "codes"),
    [
        (
            {
                "need": "actes en ligne",
                "users": 5000,
                "alternatives": ["guichet"],
                "cloud_instances": 1,
                "page_views": 50_000,
                "expected_score": 75,
            },
            "go",
            {"ok"},
        ),
        ({"need": "", "users": 5000, "alternatives": ["guichet"]}, "no-go", {"need"}),
        (
            {"need": "x", "users": 100, "alternatives": ["portail régional"], "alternative_sufficient": True},
            "no-go",
            {"alternative"},
        ),
        ({"need": "x", "users": None, "alternatives": []}, "rework", {"users", "alternatives"}),
        (
            {
                "need": "x",
                "users": 10,
                "alternatives": ["a"],
                "servers": 2,
                "page_views": 2000,
                "expected_score": 30,
            },
            "rework",
            {"hosting", "ecoindex"},
        ),
    ],
)
def test_recommendation_rules(fields: dict, verdict: str, codes: set[str]) -> None:
    e = opportunity.Expectation(**fields)
    infra = opportunity.infrastructure_footprint(e, read_builtin(), date(2026, 12, 1))
    r = opportunity.review(e, infra, {"climate_change": infra["climate_change"].scale(0)})
    assert r.recommendation == verdict
    assert {x["code"] for x in r.reasons} == codes
    for x in r.reasons:  # every reason reads in both languages
        assert service.reason_text(x, "en") == x["text"]
        assert service.reason_text(x, "fr") != x["text"]


def test_budget_per_user() -> None:
    e = opportunity.Expectation(need="x", users=10, alternatives=["a"], cloud_instances=4, page_views=2e6)
    infra = opportunity.infrastructure_footprint(e, read_builtin(), date(2026, 12, 1))
    r = opportunity.review(
        e,
        infra,
        {"climate_change": infra["climate_change"].scale(0)},
        opportunity.Rules(budget_kg_per_user=0.001),
    )
    assert r.recommendation == "rework" and r.per_user is not None
    assert r.per_user.value == pytest.approx(infra["climate_change"].value / 10)  # type: ignore[operator]


def test_opportunity_review_recorded(org_url: str) -> None:
    with session_scope(org_url) as session:
        e = opportunity.Expectation(
            need="prise de rendez-vous",
            users=3000,
            alternatives=["téléphone"],
            cloud_instances=1,
            storage_gb=50,
            page_views=40_000,
            expected_score=70,
        )
        view = service.opportunity_review(
            session, "Ville", "Démarches", e, reviewer="DSI", reference_date=date(2026, 12, 1)
        )
        assert view.recommendation == "go"
        assert view.results["infrastructure"]["climate_change"]["value"] > 0
        assert view.results["storage"]["climate_change"]["value"] > 0
        usage = view.results["usage_climate_change"]["value"]
        assert usage == pytest.approx(40_000 * 1.6 / 1000)  # score 70 → 1.6 g per view


def test_cli_reviews_and_objectives(home) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(app, ["org", "create", "Ville"]).exit_code == 0
    assert (
        runner.invoke(
            app, ["service", "create", "Portail", "--org", "Ville", "--status", "planned"]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app,
        [
            "service",
            "review",
            "opportunity",
            "Portail",
            "--org",
            "Ville",
            "--need",
            "x",
            "--users",
            "500",
            "--alternative",
            "papier",
            "--servers",
            "1",
            "--page-views",
            "1000",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["recommendation"] == "rework"
    result = runner.invoke(
        app,
        [
            "service",
            "objective",
            "set",
            "Portail",
            "--org",
            "Ville",
            "--kind",
            "ecoindex_grade",
            "--target",
            "A",
        ],
    )
    assert result.exit_code == 0
    result = runner.invoke(app, ["service", "review", "periodic", "Portail", "--org", "Ville", "--json"])
    assert json.loads(result.output)["recommendation"] == "unknown"  # nothing measured yet
    result = runner.invoke(
        app,
        ["service", "objective", "set", "Portail", "--org", "Ville", "--kind", "dom", "--target", "beaucoup"],
    )
    assert result.exit_code == 2 and "not a number" in result.output
    result = runner.invoke(app, ["ecoindex", "ftp://x"])
    assert result.exit_code == 2 and "not a web address" in result.output
