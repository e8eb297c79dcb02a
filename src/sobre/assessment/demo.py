"""The demo town's assessments: two rounds of maturity (2025 validated, 2026 submitted) and, when the official
RGESN and RGAA files are at hand, an eco-design assessment and an accessibility audit of its family portal.

Sobre does not ship the official referentials: ``sobre demo`` looks for them in the folder named by
``SOBRE_REFERENTIALS`` (by their official or usual file names) and otherwise leaves RGESN and RGAA out.
Answers are drawn from the demo seed, so the same seed gives the same assessments.
"""

from __future__ import annotations

import os
import random
from datetime import date
from pathlib import Path

from sobre.assessment import declarations, store
from sobre.assessment import service as svc
from sobre.core.capabilities import DemoContext
from sobre.core.db import session_scope

SERVICE = "Portail famille"
#: File names under which the official files are usually found.
CANDIDATES = {
    "rgesn": ("rgesn-2024.json", "referentiel-ecoconception.json"),
    "rgaa": ("rgaa-4.1.2-criteres.json", "criteres.json"),
}
#: How far along the town is per domain in 2025 (mean level), and what a year of work added.
MATURITY_2025 = {"a": 1.6, "b": 1.8, "c": 1.2, "d": 1.4, "e": 0.8, "f": 1.5, "g": 1.0, "h": 2.0, "i": 2.2}
PROGRESS_2026 = {"a": 0.8, "b": 0.5, "c": 1.0, "d": 0.4, "e": 0.7, "f": 0.3, "g": 0.6, "h": 0.2, "i": 0.4}
REFERENT, MANAGER = "claire.dupont@sobreville.fr", "marc.leroy@sobreville.fr"


def _find(name: str) -> Path | None:
    folder = os.environ.get("SOBRE_REFERENTIALS")
    if not folder:
        return None
    for candidate in CANDIDATES[name]:
        path = Path(folder) / candidate
        if path.is_file():
            return path
    return None


def _level(rng: random.Random, mean: float) -> int:
    return max(0, min(4, round(rng.gauss(mean, 0.8))))


def _maturity(session, org: str, ref: date, rng: random.Random) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    first = svc.start(
        session,
        org,
        "maturity",
        by=REFERENT,
        assessed_on=date(ref.year - 1, 3, 15),
        details={"evaluator": "Mission numérique responsable", "default_target": 3},
    )
    package = svc.package_of(session, org, first.id)
    for item in package.items:
        if item.theme == "h" and item.id == "h3" and rng.random() < 0.5:
            svc.answer(
                session,
                org,
                first.id,
                item.id,
                by=REFERENT,
                status="na",
                comment="Salle serveur confiée à l’hébergeur",
            )
            continue
        level = _level(rng, MATURITY_2025[item.theme])
        evidence = (
            [svc.EvidenceInput("text", text=f"Constat de l’atelier du {first.assessed_on:%d/%m/%Y}")]
            if level >= 3
            else []
        )
        svc.answer(
            session,
            org,
            first.id,
            item.id,
            by=REFERENT,
            level=level,
            target=4 if item.priority == "high" else None,
            evidence=evidence,
        )
    svc.submit(session, org, first.id, by=REFERENT)
    svc.validate(session, org, first.id, by=MANAGER)
    second = svc.start(session, org, "maturity", by=REFERENT, assessed_on=ref, from_assessment=first.id)
    for answer in svc.answers(session, org, second.id):
        if answer.level is None:
            continue
        gain = PROGRESS_2026[package.item(answer.item_id).theme]
        level = min(4, answer.level + (1 if rng.random() < gain else 0))
        if level != answer.level:
            svc.answer(
                session,
                org,
                second.id,
                answer.item_id,
                by=REFERENT,
                level=level,
                comment="Progrès constaté en comité de pilotage",
            )
    svc.submit(session, org, second.id, by=REFERENT)
    return first.id, second.id


def _rgesn(session, org: str, ref: date, rng: random.Random, path: Path) -> int:  # type: ignore[no-untyped-def]
    store.install_file(session, "rgesn", path)
    a = svc.start(
        session,
        org,
        "rgesn",
        by=REFERENT,
        service=SERVICE,
        assessed_on=ref,
        details={
            "sample": "Accueil ; inscription à la cantine ; paiement des factures",
            "evaluator": "Direction du numérique de Sobreville",
            "referent": "Claire Dupont, cheffe de projet",
            "target_score": 65,
            "target_date": date(ref.year + 2, ref.month, min(ref.day, 28)).isoformat(),
            "review_frequency": "six mois",
            "plan": "Alléger les médias et tester le portail sur des terminaux de 2018.",
        },
    )
    for item in svc.package_of(session, org, a.id).items:
        roll = rng.random()
        proof = [svc.EvidenceInput("text", text=f"Vérifié lors de la revue du {ref:%d/%m/%Y}")]
        if not item.always_applicable and roll < 0.15:
            svc.answer(
                session,
                org,
                a.id,
                item.id,
                by=REFERENT,
                status="Non applicable",
                evidence=proof,
                comment="Fonctionnalité absente du portail",
            )
        elif roll < 0.5 + (0.15 if item.priority == "high" else 0):
            svc.answer(session, org, a.id, item.id, by=REFERENT, status="Validé", evidence=proof)
        elif roll < 0.75:
            svc.answer(session, org, a.id, item.id, by=REFERENT, status="En cours")
        else:
            svc.answer(session, org, a.id, item.id, by=REFERENT, status="Non validé")
    svc.submit(session, org, a.id, by=REFERENT)
    svc.validate(session, org, a.id, by=MANAGER)
    return a.id


def _rgaa(session, org: str, ref: date, rng: random.Random, path: Path) -> int:  # type: ignore[no-untyped-def]
    store.install_file(session, "rgaa", path)
    a = svc.start(
        session,
        org,
        "rgaa",
        by=REFERENT,
        service=SERVICE,
        assessed_on=ref,
        details={
            "evaluator": "Direction du numérique de Sobreville (auto-évaluation)",
            "contact": "accessibilite@sobreville.fr",
            "technologies": "HTML5, CSS, JavaScript",
            "environment": "Firefox et NVDA ; Safari et VoiceOver",
            "tools": "Inspecteur de code, analyseur de contraste",
        },
    )
    pages = [
        ("P01", "Accueil", None),
        ("P02", "Contact", None),
        ("P03", "Mentions légales", None),
        ("P04", "Inscription cantine — étape 1", "Inscription"),
        ("P05", "Inscription cantine — étape 2", "Inscription"),
    ]
    for code, title, process in pages:
        svc.add_page(
            session,
            org,
            a.id,
            code,
            title,
            by=REFERENT,
            process=process,
            url=f"https://famille.sobreville.fr/{code.lower()}",
        )
    for item in svc.package_of(session, org, a.id).items:
        applies = rng.random() < 0.6
        for code, _title, _process in pages:
            status = "NA" if not applies else ("NC" if rng.random() < 0.06 else "C")
            svc.answer(
                session,
                org,
                a.id,
                item.id,
                by=REFERENT,
                page=code,
                status=status,
                comment="Défaut relevé à l’audit" if status == "NC" else None,
            )
    svc.add_derogation(
        session,
        org,
        a.id,
        "burden",
        "Comptes rendus des conseils d’école 2005–2015 (PDF image)",
        by=REFERENT,
        criteria=["13.3"],
        justification="Plus de 900 documents numérisés",
        alternative="Version texte envoyée sur demande",
    )
    svc.submit(session, org, a.id, by=REFERENT)
    return a.id


def seed(ctx: DemoContext) -> list[Path]:
    """Give the demo town its assessments and write their documents in the demo's language."""
    from sobre.inventory import services

    rng = random.Random(ctx.seed * 16 + 1)
    written: list[Path] = []
    documents: list[tuple[int, tuple[str, ...]]] = []
    with session_scope(ctx.database_url) as session:
        _first, current = _maturity(session, ctx.org_name, ctx.reference_date, rng)
        documents.append((current, ("html", "pdf")))
        rgesn_file, rgaa_file = _find("rgesn"), _find("rgaa")
        if rgesn_file or rgaa_file:
            services.create(
                session,
                ctx.org_name,
                SERVICE,
                url="https://famille.sobreville.fr",
                audience="Familles",
                users=9000,
                owner="Direction de l’éducation",
            )
        if rgesn_file:
            documents.append(
                (_rgesn(session, ctx.org_name, ctx.reference_date, rng, rgesn_file), ("html", "pdf", "docx"))
            )
        if rgaa_file:
            documents.append(
                (_rgaa(session, ctx.org_name, ctx.reference_date, rng, rgaa_file), ("html", "pdf"))
            )
    out = ctx.out / "assessments"
    out.mkdir(parents=True, exist_ok=True)
    with session_scope(ctx.database_url) as session:
        for assessment_id, formats in documents:
            for fmt in formats:
                written.append(declarations.write(session, ctx.org_name, assessment_id, fmt, ctx.lang, out))
    return written
