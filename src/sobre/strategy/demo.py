"""The demo town's strategy: a vision and commitments, two objectives, seven quantified scenarios (a change
of every kind the town's inventory gives a figure for: lifetimes, refurbished purchases, fewer devices,
hosts consolidated and retired, switch-off, a move to another site, stored data deleted) and the combined
plan, actions made from them (and from the first maturity gap), indicators with a history of measurements,
a steering review, and the strategy document and charter in French and English.

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

#: Sites and volumes named below are those of the demo town's inventory (``sobre.demo.town``).

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
    (
        "Hébergement en colocation",
        "Les VM de la salle serveur du CTM déménagent au datacentre de colocation (PUE 1,4 au lieu de 1,8).",
        [("move_to_site", {"from_site": "Salle serveur CTM", "to_site": "Datacentre de colocation Lyon"})],
    ),
    (
        "Purge des sauvegardes",
        "Supprimer 12 To de sauvegardes obsolètes de la sauvegarde externalisée.",
        [("delete_data", {"volume": "sauvegarde-externalisee", "tb": 12})],
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
    "Hébergement en colocation": (
        25_000,
        8_000,
        4_000,
        "high",
        "medium",
        "Infrastructure",
        "2027-01-01",
        "2028-06-30",
        "planned",
    ),
    "Purge des sauvegardes": (0, 0, 1_500, "low", "short", "DSI", "2026-04-01", "2026-09-30", "planned"),
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
#: Training sessions of the "écogestes" module: date and how many agents attended (pseudonymous ids).
SESSIONS = (
    (date(2025, 3, 20), 90),
    (date(2025, 6, 12), 110),
    (date(2025, 9, 25), 100),
    (date(2025, 11, 27), 140),
)
#: Manual indicator: pages printed per agent and month (the print server's monthly counts), by date.
PRINTED = (
    (date(2025, 3, 31), 212.0),
    (date(2025, 6, 30), 198.0),
    (date(2025, 9, 30), 185.0),
    (date(2025, 12, 31), 171.0),
)
REFERENTS = (
    (
        "Claire Dupont",
        "claire.dupont@sobreville.fr",
        "Hôtel de ville",
        "Direction générale",
        "Animer le réseau, relayer les campagnes.",
    ),
    (
        "Yanis Benali",
        "yanis.benali@sobreville.fr",
        "Centre technique",
        "Services techniques",
        "Repérer les équipements inutilisés.",
    ),
    (
        "Sophie Martin",
        "sophie.martin@sobreville.fr",
        "Médiathèque",
        "Culture",
        "Écogestes du public et des agents.",
    ),
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
            source="staff_trained",
            target_value=100.0,
            target_date=date(2027, 12, 31),
            definition="Agents ayant suivi le module écogestes / effectif.",
        )
        steering.define_kpi(
            s,
            org,
            "pages_agent",
            "Pages imprimées par agent et par mois",
            unit="pages/agent/mois",
            direction="down",
            target_value=120.0,
            target_date=date(2027, 12, 31),
            definition="Compteurs du serveur d'impression / effectif.",
        )
        for on, value in PRINTED:
            steering.record(s, org, "pages_agent", value, on, "Services généraux")
    _people(url, org, ref)
    # Every automatic indicator at the end of the last two years; the trained share after each session too.
    for on in (date(ref.year - 1, 12, 31), ref):
        steering.measure(url, org, on, "sobre demo")
    for on, _ in SESSIONS[:-1]:
        steering.measure(url, org, on, "sobre demo", codes=["agents_formes"])
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


def _people(url: str, org: str, ref: date) -> None:
    """Referents and their feedback, the training sessions with attendance, and a communication plan."""
    from sobre.strategy import people

    with session_scope(url) as s:
        people.add_module(s, org, "Écogestes numériques", "tous les agents", 2.0)
        agent = 0
        for held_on, count in SESSIONS:
            sid = people.add_session(s, org, "Écogestes numériques", held_on, "Mission numérique responsable")
            people.record_attendance(s, org, sid, [(f"agent-{agent + i:04d}", "") for i in range(count)])
            agent += count
        for name, email, site, department, mission in REFERENTS:
            people.add_referent(s, org, name, email, site=site, department=department, mission=mission)
        fid = people.log_feedback(
            s,
            org,
            REFERENTS[1][1],
            "Une vingtaine d'écrans stockés au centre technique pourraient être réemployés.",
            "idea",
            date(ref.year, 10, 3),
        )
        people.feedback_to_action(
            s,
            org,
            fid,
            "Réemployer les écrans stockés",
            effort="low",
            horizon="short",
            owner_role="DSI",
            start_date=date(ref.year + 1, 1, 5),
            due_date=date(ref.year + 1, 3, 31),
        )
        actions = {a["title"]: a["id"] for a in steering.list_actions(s, org)}
        fid = people.log_feedback(
            s,
            org,
            REFERENTS[2][1],
            "Les postes publics restent allumés après la fermeture.",
            "problem",
            date(ref.year, 11, 14),
        )
        people.feedback_adjusts(s, org, fid, actions["Extinction hors horaires"])
        for title, level, audience, channel, on in (
            ("Durée de vie des postes", "general", "tous les agents", "intranet", date(ref.year + 1, 1, 12)),
            (
                "Durée de vie des postes",
                "manager",
                "comité de direction",
                "meeting",
                date(ref.year + 1, 1, 6),
            ),
            (
                "Consolidation des serveurs",
                "technical",
                "équipe infrastructure",
                "email",
                date(ref.year + 1, 2, 2),
            ),
        ):
            people.plan_message(
                s,
                org,
                title,
                audience=audience,
                level=level,
                channel=channel,
                planned_on=on,
                action_id=actions[title],
            )


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
