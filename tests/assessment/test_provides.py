"""``rgesn.score``, which the eco-design objectives look up: the latest validated RGESN score of a service."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from sobre.assessment import service as svc
from sobre.core.capabilities import provider
from sobre.core.db import session_scope
from sobre.core.estimate import Estimate
from sobre.ecodesign import service as ecodesign
from sobre.inventory import services

ORG, SERVICE = "Sobreville", "Portail citoyen"


def _validated(session: Session, when: date, validated: list[str]) -> int:
    a = svc.start(session, ORG, "rgesn", by="claire", service=SERVICE, assessed_on=when)
    for item in validated:
        svc.answer(
            session,
            ORG,
            a.id,
            item,
            by="claire",
            status="Validé",
            evidence=[svc.EvidenceInput("text", text="vu")],
        )
    svc.submit(session, ORG, a.id, by="claire")
    svc.validate(session, ORG, a.id, by="marc", allow_incomplete=True)
    return a.id


def test_an_eco_design_objective_reads_the_latest_validated_rgesn_score(world: str) -> None:
    assert provider("rgesn.score") is svc.rgesn_score
    with session_scope(world) as s:
        service_id = services.get(s, ORG, SERVICE).id
        org_id = services.get(s, ORG, SERVICE).org_id
        ecodesign.set_objective(s, ORG, SERVICE, "rgesn_score", "2")
        # Nothing validated yet: unknown, not 0.
        assert svc.rgesn_score(s, org_id, service_id) is None
        draft = svc.start(s, ORG, "rgesn", by="claire", service=SERVICE)
        svc.answer(
            s,
            ORG,
            draft.id,
            "1.1",
            by="claire",
            status="Validé",
            evidence=[svc.EvidenceInput("text", text="x")],
        )
        review = ecodesign.periodic_review(s, ORG, SERVICE)
        rgesn = next(r for r in review.results["objectives"] if r["kind"] == "rgesn_score")
        assert rgesn["met"] is None and rgesn["measured"] is None

        _validated(s, date(2025, 3, 1), ["1.1", "1.2"])  # two Prioritaire criteria: 3 / 100.25
        latest = _validated(s, date(2026, 3, 1), ["1.1"])  # one: 1.5 / 100.25
        score = svc.rgesn_score(s, org_id, service_id)
        assert isinstance(score, Estimate) and score.unit == "%"
        assert score.value == pytest.approx(100 * 1.5 / 100.25)
        assert score.value == pytest.approx(svc.scores(s, ORG, latest)["overall"]["value"])
        review = ecodesign.periodic_review(s, ORG, SERVICE)
        rgesn = next(r for r in review.results["objectives"] if r["kind"] == "rgesn_score")
        assert rgesn["measured"] == pytest.approx(1.496, abs=1e-3) and rgesn["met"] is False
        # Another organisation's id never reaches these assessments.
        assert svc.rgesn_score(s, org_id + 1, service_id) is None
