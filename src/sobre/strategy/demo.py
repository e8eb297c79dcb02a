"""The demo town's strategy: a vision and commitments, two objectives, five quantified scenarios and the
combined plan, actions made from them (and from the first maturity gap), indicators with a history of
measurements, a steering review, and the strategy document and charter in French and English.

Costs, dates and manual measurements are the demo's own illustrative figures (a fictional town); every
avoided impact is computed by the footprint engine on the town's inventory.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sobre.core.capabilities import DemoContext
from sobre.core.db import session_scope
from sobre.strategy import documents, service, steering

MANAGER = "marc.leroy@sobreville.fr"

SCENARIOS = (
    (
        "Durée de vie des postes",
        "Garder portables et fixes six et sept ans au lieu de quatre à cinq.",
        [
            ("extend_lifetime", {"category": "laptop", "to_years": 6}),
            ("extend_lifetime", {"category": "desktop", "to_years": 7}),
        ],
    ),
    (
        "Achats reconditionnés",
        "La moitié des smartphones et 30 % des portables achetés reconditionnés.",
        [
            ("refurbished", {"category": "smartphone", "share": 0.5}),
            ("refurbished", {"category": "laptop", "share": 0.3}),
        ],
    ),
    (
        "Un écran par agent",
        "Retirer un écran sur quatre.",
        [("fewer_devices", {"category": "monitor", "share": 0.25})],
    ),
    (
        "Consolidation des serveurs",
        "Hôtes de virtualisation chargés à 60 %, serveurs sans usage retirés.",
        [("consolidate_hosts", {"target_load": 0.6}), ("retire_idle_hosts", {})],
    ),
    (
        "Extinction hors horaires",
        "Téléphones IP éteints hors des heures d'ouverture (11 h, 251 jours).",
        [("switch_off", {"category": "ip_phone", "hours_per_day": 11, "days_per_year": 251})],
    ),
)
#: Scenario → (capex €, opex €/year, savings €/year, effort, horizon, owner, start, due, status).
PLAN = {
    "Durée de vie des postes": (
        15_000,
        4_000,
        60_000,
        "low",
        "medium",
        "DSI",
        "2026-01-01",
        "2027-12-31",
        "in_progress",
    ),
    "Achats reconditionnés": (0, 0, 18_000, "low", "short", "Achats", "2026-02-01", "2026-12-31", "planned"),
    "Un écran par agent": (0, 0, 5_000, "low", "short", "DSI", "2025-09-01", "2025-12-15", "done"),
    "Consolidation des serveurs": (
        40_000,
        0,
        12_000,
        "high",
        "medium",
        "Infrastructure",
        "2026-03-01",
        "2027-06-30",
        "planned",
    ),
    "Extinction hors horaires": (
        2_000,
        0,
        3_000,
        "medium",
        "short",
        "Infrastructure",
        "2026-01-15",
        "2026-06-30",
        "planned",
    ),
}
KPIS = (
    ("empreinte_agent", "Empreinte carbone par agent", "footprint_per_agent", None),
    ("duree_vie_portables", "Durée de vie des portables", "average_lifetime:laptop", 6.0),
    ("equipements_agent", "Équipements par agent", "devices_per_agent", None),
    ("capacite_inutilisee", "Capacité inutilisée des hôtes", "idle_share", 20.0),
    ("maturite", "Score de maturité numérique responsable", "maturity_score", 60.0),
    ("taux_reemploi", "Taux de réemploi des équipements sortis", "reuse_rate", 0.5),
    ("part_reconditionnes", "Part des achats reconditionnés", "refurbished_share", 0.3),
)
#: Manual indicator: share of staff trained (the demo's training records), by date.
TRAINED = (
    (date(2025, 3, 31), 8.0),
    (date(2025, 6, 30), 17.0),
    (date(2025, 9, 30), 26.0),
    (date(2025, 12, 31), 41.0),
)


def seed(ctx: DemoContext) -> list[Path | str]:
    url, org, ref = ctx.database_url, ctx.org_name, ctx.reference_date
    with session_scope(url) as s:
        service.set_vision(
            s,
            org,
            vision=f"{org} fait du numérique un levier de sobriété : des équipements gardés plus longtemps, "
            "des services publics numériques légers et accessibles, des agents formés.",
            scope="Parc des services municipaux, salle serveur, services en ligne et hébergements externes.",
            governance="Comité numérique responsable trimestriel présidé par la DGS ; "
            "référents dans chaque direction.",
        )
        for title, detail in (
            (
                "Allonger la durée d'usage des équipements",
                "Réparer avant de remplacer ; réemployer en fin d'usage.",
            ),
            (
                "Acheter responsable",
                "Critères environnementaux dans chaque marché ; reconditionné par défaut.",
            ),
            ("Former et informer les agents", "Chaque agent formé aux écogestes d'ici fin 2027."),
        ):
            service.add_commitment(s, org, title, detail)
        for name, description, changes in SCENARIOS:
            service.create_scenario(s, org, name, description)
            for kind, params in changes:
                service.add_change(s, org, name, kind, params)
        service.create_scenario(s, org, "Plan 2030", "Tous les leviers ensemble, appliqués dans l'ordre.")
        for _, _, changes in SCENARIOS:
            for kind, params in changes:
                service.add_change(s, org, "Plan 2030", kind, params)
        service.add_objective(
            s,
            org,
            "−30 % d'émissions par agent",
            criterion="climate_change",
            reduction=0.3,
            baseline_year=ref.year,
            target_year=2030,
            per="agent",
        )
        service.add_objective(
            s,
            org,
            "−20 % d'émissions du parc",
            criterion="climate_change",
            reduction=0.2,
            baseline_year=ref.year,
            target_year=2028,
        )
    service.compare(url, org, [name for name, _, _ in SCENARIOS] + ["Plan 2030"])
    for name, _, _ in SCENARIOS:
        capex, opex, savings, effort, horizon, owner, start, due, status = PLAN[name]
        steering.action_from_scenario(
            url,
            org,
            name,
            capex_eur=capex,
            opex_eur=opex,
            savings_eur=savings,
            effort=effort,
            horizon=horizon,
            owner_role=owner,
            start_date=date.fromisoformat(start),
            due_date=date.fromisoformat(due),
            status=status,
            commitment_level="committed" if status != "planned" else "planned",
        )
    _gap_action(url, org)
    with session_scope(url) as s:
        steering.add_action(
            s,
            org,
            "Former les agents aux écogestes",
            origin="free",
            effort="medium",
            horizon="medium",
            owner_role="RH",
            start_date=date(2025, 3, 1),
            due_date=date(2027, 12, 31),
            status="in_progress",
            kpis=["agents_formes"],
            opex_eur=6_000,
        )
        for code, name, source, target in KPIS:
            steering.define_kpi(
                s, org, code, name, source=source, target_value=target, target_date=date(2030, 12, 31)
            )
        steering.define_kpi(
            s,
            org,
            "agents_formes",
            "Part des agents formés",
            unit="%",
            direction="up",
            target_value=100.0,
            target_date=date(2027, 12, 31),
            definition="Agents ayant suivi le module écogestes / effectif.",
        )
        for on, value in TRAINED:
            steering.record(s, org, "agents_formes", value, on, "Service formation (RH)")
    for on in (date(ref.year - 1, 12, 31), ref):
        steering.measure(url, org, on, "sobre demo")
    with session_scope(url) as s:
        steering.add_review(
            s,
            org,
            "Revue annuelle",
            ref,
            MANAGER,
            notes="Première année du plan : écrans retirés, durée de vie allongée en cours.",
            decisions=["Étendre le reconditionné aux portables", "Lancer la consolidation des serveurs"],
        )
    out: list[Path | str] = []
    for lang in ("fr", "en"):
        out.append(documents.export(url, org, ctx.out, lang=lang, fmt="html"))
        out.append(documents.export(url, org, ctx.out, lang=lang, fmt="html", document="charter"))
    return out


def _gap_action(url: str, org: str) -> None:
    """An action from the largest gap of the latest maturity assessment, when the town has one."""
    from sobre.assessment import insights

    with session_scope(url) as s:
        latest = insights.latest(s, org, "maturity")
        if latest is None:
            return
        assessment_id = latest.id
        proposals = insights.recommendations(s, org, assessment_id, limit=1)
    if proposals:
        steering.action_from_gap(
            url,
            org,
            assessment_id,
            proposals[0].origin[2],
            horizon="medium",
            start_date=date(2026, 1, 1),
            due_date=date(2026, 12, 31),
        )
