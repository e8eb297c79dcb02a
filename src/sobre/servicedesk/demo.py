"""The demo town's service desk: six months of tickets on its real inventory, incidents with their impact, a
problem behind recurring ones, a status published on the portal, the knowledge base with eco-gestures, the
documentation of two servers with an encrypted field and a maintenance plan; its indicators and its
Ansible inventory written beside the report."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sobre.core.capabilities import DemoContext

PARIS = ZoneInfo("Europe/Paris")
GROUPS = (
    ("Support de proximité", "support@ville-demo.invalid", "Responsable du support"),
    ("Infrastructure", "infra@ville-demo.invalid", "Responsable infrastructure"),
)
CATEGORIES = (
    ("Poste de travail > Matériel", "Support de proximité"),
    ("Poste de travail > Imprimante", "Support de proximité"),
    ("Comptes et accès", "Support de proximité"),
    ("Applications métier", "Infrastructure"),
    ("Réseau", "Infrastructure"),
    ("Messagerie", "Infrastructure"),
)
REQUESTS = (
    ("Création de compte pour une arrivée", "Comptes et accès"),
    ("Demande d'un second écran", "Poste de travail > Matériel"),
    ("Accès au dossier partagé des marchés", "Comptes et accès"),
    ("Installation d'un logiciel de cartographie", "Applications métier"),
    ("Remplacement d'une souris", "Poste de travail > Matériel"),
)
INCIDENTS = (
    ("L'imprimante du 2e étage fait des bourrages", "Poste de travail > Imprimante"),
    ("Mot de passe expiré, session bloquée", "Comptes et accès"),
    ("Le Wi-Fi de la médiathèque coupe", "Réseau"),
    ("Messages bloqués dans la boîte d'envoi", "Messagerie"),
    ("Ordinateur très lent au démarrage", "Poste de travail > Matériel"),
)
AGENTS = ("Camille Petit", "Karim Benali", "Lucie Moreau")
PEOPLE = (
    "Accueil de la mairie",
    "État civil",
    "Service urbanisme",
    "Médiathèque",
    "Direction générale",
    "Ressources humaines",
    "Police municipale",
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def seed(ctx: DemoContext) -> list[Path | str]:
    """Give the demo town its service desk and write its indicators and Ansible inventory."""
    from sobre.core.db import session_scope
    from sobre.inventory import service as inventory
    from sobre.orgs import service as orgs
    from sobre.servicedesk import ansible, comms, desk, incidents, indicators, kb, problems, techdoc
    from sobre.servicedesk.vault import Vault

    rng = random.Random(ctx.seed + 19)
    end = _working_day(ctx.reference_date - timedelta(days=1))
    vault = Vault.for_home(ctx.home)
    with session_scope(ctx.database_url) as s:
        oid = orgs.get(s, ctx.org_name).id
        for name, email, manager in GROUPS:
            desk.add_group(s, oid, name, email=email, manager=manager)
        for name, group in CATEGORIES:
            desk.add_category(s, oid, name, group=group)
        kb.install_starter(s, oid, review_on=ctx.reference_date + timedelta(days=365))
        kb.save(
            s,
            oid,
            slug="bourrage-imprimante",
            lang="fr",
            kind="procedure",
            audience="end_user",
            category="Poste de travail > Imprimante",
            status="published",
            author="Camille Petit",
            title="Débloquer un bourrage de l'imprimante",
            summary="Retirer la feuille coincée sans abîmer l'imprimante.",
            body="## Étapes\n\n1. Ouvrez le capot avant de l'imprimante.\n2. Retirez la feuille coincée "
            "en tirant doucement vers vous.\n3. Refermez le capot et relancez l'impression.\n\n"
            "Si le bourrage revient, ouvrez une demande : le rouleau est peut-être usé.",
        )
        nodes = inventory.topology(s, oid)
        apps = sorted(
            (n for n in nodes if n["kind"] == "application" and n.get("users")),
            key=lambda n: -(n["users"] or 0),
        )
        servers = [
            n
            for n in nodes
            if n["kind"] == "equipment"
            and n.get("category") in ansible.MANAGED_CATEGORIES
            and n.get("category", "").endswith("server")
        ]
        numbers: list[int] = []
        day = end - timedelta(days=182)
        while day <= end:
            if day.weekday() < 5 and not desk.settings(s, oid).calendar.is_closed(day):
                for _ in range(rng.choice((0, 1, 1, 2))):
                    numbers.append(_ticket(s, oid, rng, day, end))
            day += timedelta(days=1)
        if apps and servers:
            _recurring_incidents(s, oid, rng, apps[0], servers[0], end, incidents, problems, comms)
        for server in servers[:2]:
            techdoc.write(
                s,
                oid,
                "equipment",
                server["name"],
                actor="Karim Benali",
                settings={
                    "ip": f"10.20.0.{10 + servers.index(server)}",
                    "os": "Debian 12",
                    "ansible_user": "exploit",
                    "sauvegarde": "quotidienne, 21:00",
                },
                procedures="Redémarrage : prévenir l'accueil, arrêter les services métier, redémarrer,"
                " vérifier la supervision.",
                contacts=[{"name": "Infogérant", "role": "astreinte", "phone": "+33 4 00 00 00 00"}],
            )
            techdoc.set_secret(
                s,
                vault,
                oid,
                "equipment",
                server["name"],
                "compte exploit",
                f"demo-{rng.randrange(10**8):08d}",
                actor="Karim Benali",
                roles=["admin", "technician"],
            )
            techdoc.plan(
                s,
                oid,
                "equipment",
                server["name"],
                "Mises à jour de sécurité",
                every=1,
                unit="months",
                first_due=ctx.reference_date - timedelta(days=5),
                assignee="Karim Benali",
            )
            techdoc.plan(
                s,
                oid,
                "equipment",
                server["name"],
                "Test de restauration des sauvegardes",
                every=6,
                unit="months",
                first_due=ctx.reference_date + timedelta(days=40),
            )
    folder = ctx.out / "centre-de-services"
    folder.mkdir(parents=True, exist_ok=True)
    kpis = indicators.kpis(ctx.database_url, ctx.org_name, end.year)
    kpi_path = folder / f"indicateurs-{end.year}.json"
    kpi_path.write_text(json.dumps(kpis, ensure_ascii=False, indent=1), encoding="utf-8")
    ansible_path = folder / "inventaire-ansible.yml"
    ansible.export(ctx.database_url, ctx.org_name, ansible_path)
    return [
        kpi_path,
        ansible_path,
        f"Service desk: {len(numbers) + 3} tickets; confidential fields encrypted with the key file "
        f"{vault.path} (back it up apart from the database).",
    ]


def _ticket(s, oid: int, rng: random.Random, day: date, end: date) -> int:  # type: ignore[no-untyped-def]
    from sobre.servicedesk import service

    is_request = rng.random() < 0.45
    title, category = rng.choice(REQUESTS if is_request else INCIDENTS)
    opened = _at(day, rng.randint(8, 16), rng.choice((0, 10, 25, 40, 55)))
    urgency, impact = rng.choice(((2, 2), (3, 2), (3, 3), (4, 3), (2, 3)))
    t = service.open_ticket(
        s,
        oid,
        title=title,
        requester=rng.choice(PEOPLE),
        kind="request" if is_request else "incident",
        category=category,
        urgency=urgency,
        impact=impact,
        source=rng.choice(("portal", "portal", "phone", "email")),
        now=opened,
    )
    agent = rng.choice(AGENTS)
    at = opened + timedelta(minutes=rng.choice((5, 12, 30, 75, 180)))
    service.assign(s, oid, t.number, assignee=agent, now=at)
    if (end - day).days < 3 and rng.random() < 0.6:
        return t.number  # still open at the end of the demo period
    if rng.random() < 0.25:
        at += timedelta(hours=rng.choice((1, 2)))
        service.set_status(s, oid, t.number, "pending", actor=agent, now=at)
        at += timedelta(hours=rng.choice((2, 20, 26)))
        service.follow_up(
            s, oid, t.number, "Voici les informations demandées.", author=t.requester, agent=False, now=at
        )
    at += timedelta(minutes=rng.choice((20, 45, 90, 240, 600)))
    service.add_task(
        s, oid, t.number, "Intervention", author=agent, minutes=rng.choice((10, 15, 30, 45)), now=at
    )
    service.solve(s, oid, t.number, "Fait, vérifié avec la personne.", actor=agent, now=at)
    if rng.random() < 0.55:
        service.rate(s, oid, t.number, rng.choice((3, 4, 4, 5, 5, 5)))
    if rng.random() < 0.8:
        service.close(s, oid, t.number, actor="système", now=at + timedelta(days=2))
    return t.number


def _recurring_incidents(s, oid, rng, app, server, end, incidents, problems, comms) -> None:  # type: ignore[no-untyped-def]
    """Three outages of the busiest application, each with its impact, and the problem behind them."""
    from sobre.servicedesk import service

    linked = []
    for k, days_ago in enumerate((61, 33, 2)):
        day = _working_day(end - timedelta(days=days_ago))
        start = _at(day, 9, 15)
        t = service.open_ticket(
            s,
            oid,
            title=f"{app['name']} ne répond plus",
            requester="Accueil de la mairie",
            kind="incident",
            category="Applications métier",
            urgency=5,
            impact=4,
            items=[("application", app["name"])],
            source="phone",
            now=start,
        )
        service.assign(
            s,
            oid,
            t.number,
            assignee="Karim Benali",
            group="Infrastructure",
            now=start + timedelta(minutes=10),
        )
        service.diagnose(
            s,
            oid,
            t.number,
            "symptom",
            "Page blanche puis erreur 502 pour tous les usagers.",
            author="Karim Benali",
            now=start + timedelta(minutes=20),
        )
        service.diagnose(
            s,
            oid,
            t.number,
            "hypothesis",
            "Saturation mémoire du serveur d'application.",
            author="Karim Benali",
            now=start + timedelta(minutes=30),
        )
        back = start + timedelta(hours=1 + k)
        # The application's users are the public: the cost counts the staff kept from working (the agents at
        # the counters), not the citizens.
        incidents.assess(
            s,
            oid,
            t.number,
            outage_start=start,
            outage_end=back,
            recovery_cost=120.0,
            users=40 + 15 * k,
            hosts=[{"name": server["name"], "observed_w": 380.0 + 20 * k, "baseline_w": 160.0, "hours": 6.0}],
            now=back,
        )
        if days_ago > 5:
            service.solve(
                s, oid, t.number, "Service redémarré, mémoire libérée.", actor="Karim Benali", now=back
            )
        else:
            comms.publish(
                s,
                oid,
                t.number,
                audience="end_user",
                channel="portal",
                lang="fr",
                actor="Karim Benali",
                eta="dans la matinée",
                workaround="les démarches urgentes se font au guichet",
            )
        linked.append(t.number)
    p = problems.create(s, oid, f"Saturations mémoire répétées de {app['name']}", tickets=linked)
    problems.update(
        s,
        oid,
        p.number,
        status="known_error",
        known_error=True,
        root_cause="Fuite mémoire d'un module de la version en production.",
        workaround="Redémarrer le service applicatif ; correctif attendu de l'éditeur.",
    )
