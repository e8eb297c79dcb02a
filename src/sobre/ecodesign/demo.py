"""The demo town's planned online service: its opportunity review and eco-design objectives."""

from __future__ import annotations

import json
from pathlib import Path

from sobre.core.capabilities import DemoContext
from sobre.core.db import session_scope
from sobre.ecodesign import opportunity, service
from sobre.inventory import services

SERVICE = "Prise de rendez-vous en ligne"


def seed(ctx: DemoContext) -> list[Path]:
    """A planned service reviewed before build, with its objectives; the review is written as JSON."""
    with session_scope(ctx.database_url) as session:
        services.create(
            session,
            ctx.org_name,
            SERVICE,
            status="planned",
            audience="public",
            users=12000,
            description="Rendez-vous pour les titres d'identité et l'état civil",
        )
        expectation = opportunity.Expectation(
            need="réduire l'attente au guichet des titres d'identité",
            users=12000,
            alternatives=["téléphone", "plateforme régionale mutualisée"],
            cloud_instances=1,
            cloud_vcpu=2,
            storage_gb=20,
            page_views=90_000,
            expected_score=75,
        )
        review = service.opportunity_review(
            session, ctx.org_name, SERVICE, expectation, reviewer="DSI", reference_date=ctx.reference_date
        )
        for kind, target in (
            ("ecoindex_grade", "B"),
            ("page_weight_kb", "500"),
            ("requests", "25"),
            ("rgesn_score", "75"),
        ):
            service.set_objective(session, ctx.org_name, SERVICE, kind, target)
    out = ctx.out / "ecoconception-revue-opportunite.json"
    out.write_text(
        json.dumps(review.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return [out]
