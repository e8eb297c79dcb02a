"""Use cases on SQLite and PostgreSQL: answers, evidence, trail, workflow, scores, carry-over, history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sobre.assessment import service as svc
from sobre.assessment import store
from sobre.assessment.scoring import rgesn as eco
from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound, SobreError

ORG = "Sobreville"
SERVICE = "Portail citoyen"


def test_maturity_assessment_end_to_end(world: str, tmp_path: Path) -> None:
    proof = tmp_path / "charte.pdf"
    proof.write_bytes(b"%PDF-1.4 charte")
    with session_scope(world) as s:
        a = svc.start(s, ORG, "maturity", by="alice@sobreville.fr", assessed_on=date(2025, 3, 1))
        assert a.referential == "sobre-maturity" and a.items == 38 and a.status == "draft"
        svc.answer(
            s,
            ORG,
            a.id,
            "a1",
            by="alice@sobreville.fr",
            level=3,
            comment="Référente nommée",
            evidence=[
                svc.EvidenceInput("text", text="Lettre de mission du 3 mars"),
                svc.EvidenceInput("link", url="https://intranet.sobreville.fr/nr"),
                svc.EvidenceInput.from_file(proof),
            ],
        )
        view = svc.answer(s, ORG, a.id, "a1", by="bob@sobreville.fr", level=4, target=4)
        assert view.level == 4 and view.target_level == 4 and view.answered_by == "bob@sobreville.fr"
        assert [e.kind for e in view.evidence] == ["text", "link", "file"]
        assert view.comment == "Référente nommée"  # kept when not given again
        svc.answer(s, ORG, a.id, "h1", by="alice@sobreville.fr", status="na")
        file_id = view.evidence[2].id
        assert svc.evidence_file(s, ORG, a.id, file_id) == ("charte.pdf", b"%PDF-1.4 charte")
        trail = svc.events(s, ORG, a.id)
        assert [e["action"] for e in trail] == ["start", "answer", "answer", "answer"]
        assert trail[2]["before"] == "level=3" and trail[2]["after"] == "level=4 target=4"
        result = svc.score(s, ORG, a.id)
        assert result.maturity is not None and result.maturity.rated == 1
        with pytest.raises(InputError, match="invalid level"):
            svc.answer(s, ORG, a.id, "a2", by="alice", level=7)
        with pytest.raises(InputError, match="no item"):
            svc.answer(s, ORG, a.id, "z9", by="alice", level=1)
        with pytest.raises(InputError, match="invalid status"):
            svc.answer(s, ORG, a.id, "a2", by="alice", status="Validé")


def test_workflow_referent_submits_manager_validates(world: str) -> None:
    with session_scope(world) as s:
        a = svc.start(s, ORG, "maturity", by="alice")
        for item in svc.package_of(s, ORG, a.id).items:
            svc.answer(s, ORG, a.id, item.id, by="alice", level=2)
        svc.submit(s, ORG, a.id, by="alice")
        with pytest.raises(SobreError, match="answers change only in a draft"):
            svc.answer(s, ORG, a.id, "a1", by="alice", level=3)
        svc.send_back(s, ORG, a.id, by="carol", reason="Preuves manquantes pour a1")
        svc.answer(s, ORG, a.id, "a1", by="alice", level=3)
        svc.submit(s, ORG, a.id, by="alice")
        view = svc.validate(s, ORG, a.id, by="carol")
        assert view.status == "validated" and view.validated_by == "carol"
        roles = [(e["action"], e["by"], e["role"]) for e in svc.events(s, ORG, a.id)][-5:]
        assert roles == [
            ("submit", "alice", "referent"),
            ("return", "carol", "manager"),
            ("answer", "alice", "referent"),
            ("submit", "alice", "referent"),
            ("validate", "carol", "manager"),
        ]
        frozen = s.get(svc.Assessment, a.id).frozen_scores
        assert frozen is not None and frozen["overall"]["value"] == pytest.approx(
            svc.score(s, ORG, a.id).overall.value
        )


def test_validation_refuses_incomplete_or_broken_assessments(world: str) -> None:
    with session_scope(world) as s:
        a = svc.start(s, ORG, "rgesn", by="alice", service=SERVICE)
        svc.answer(
            s,
            ORG,
            a.id,
            "1.1",
            by="alice",
            status="Validé",
            evidence=[svc.EvidenceInput("text", text="Étude")],
        )
        with pytest.raises(SobreError, match="submit it first"):
            svc.validate(s, ORG, a.id, by="carol")
        svc.submit(s, ORG, a.id, by="alice")
        with pytest.raises(SobreError, match="77 item"):
            svc.validate(s, ORG, a.id, by="carol")
        assert svc.validate(s, ORG, a.id, by="carol", allow_incomplete=True).status == "validated"


def test_rgesn_rules_are_enforced_when_answering(world: str) -> None:
    with session_scope(world) as s:
        a = svc.start(s, ORG, "rgesn", by="alice", service=SERVICE)
        with pytest.raises(InputError, match="needs evidence"):
            svc.answer(s, ORG, a.id, "1.7", by="alice", status="Non applicable")
        with pytest.raises(InputError, match="cannot be 'Non applicable'"):
            svc.answer(
                s, ORG, a.id, "1.1", by="alice", status="N/A", evidence=[svc.EvidenceInput("text", text="x")]
            )
        svc.answer(
            s,
            ORG,
            a.id,
            "1.7",
            by="alice",
            status="Non applicable",
            evidence=[svc.EvidenceInput("text", text="Aucun chiffrement propre au service")],
        )
        # Evidence already attached counts: validating later needs no new piece.
        svc.answer(s, ORG, a.id, "1.7", by="alice", status="Validé")
        with pytest.raises(SobreError, match="digital service"):
            svc.start(s, ORG, "rgesn", by="alice")
        with pytest.raises(NotFound):
            svc.start(s, ORG, "rgesn", by="alice", service="Inconnu")


def test_rgaa_audit_with_pages_process_and_derogation(world: str) -> None:
    with session_scope(world) as s:
        a = svc.start(s, ORG, "rgaa", by="dan", service=SERVICE)
        svc.add_page(s, ORG, a.id, "P01", "Accueil", by="dan", url="https://www.sobreville.fr/")
        svc.add_page(s, ORG, a.id, "P02", "Demande étape 1", by="dan", process="Demande d’acte")
        svc.add_page(s, ORG, a.id, "P03", "Demande étape 2", by="dan", process="Demande d’acte")
        package = svc.package_of(s, ORG, a.id)
        for item in package.items:
            for page in ("P01", "P02", "P03"):
                svc.answer(s, ORG, a.id, item.id, by="dan", page=page, status="C")
        svc.answer(
            s, ORG, a.id, "11.1", by="dan", page="P03", status="non conforme", comment="Champ sans étiquette"
        )
        svc.answer(s, ORG, a.id, "4.1", by="dan", page="P01", status="NC")
        svc.add_derogation(
            s,
            ORG,
            a.id,
            "burden",
            "Vidéo d’archives 1998",
            by="dan",
            criteria=["4.1"],
            pages=["P01"],
            justification="Coût de transcription",
            alternative="Transcription sur demande",
        )
        with pytest.raises(InputError, match="unknown page"):
            svc.answer(s, ORG, a.id, "1.1", by="dan", page="P09", status="C")
        with pytest.raises(InputError, match="justified"):
            svc.add_derogation(s, ORG, a.id, "burden", "PDF", by="dan", criteria=["13.3"])
        result = svc.score(s, ORG, a.id).rgaa
        assert result is not None
        failing = {c.item_id: c.failing_pages for c in result.criteria if c.status == "NC"}
        assert failing == {"11.1": ["P02", "P03"]}  # the process rule, and 4.1 is covered by the derogation
        assert result.rate.value == pytest.approx(100 * 105 / 106)
        assert result.state == "partial"
        actions = svc.recommendations(s, ORG, a.id)
        assert [x.origin for x in actions] == [("rgaa", "4.1.2", "11.1")] and actions[0].pages == (
            "P02",
            "P03",
        )


def test_carry_over_same_version_and_through_a_mapping(world: str) -> None:
    with session_scope(world) as s:
        first = svc.start(s, ORG, "maturity", by="alice", assessed_on=date(2025, 1, 15))
        svc.answer(
            s, ORG, first.id, "a1", by="alice", level=2, evidence=[svc.EvidenceInput("text", text="Note")]
        )
        svc.answer(s, ORG, first.id, "d2", by="alice", level=3)
        svc.answer(s, ORG, first.id, "d1", by="alice", level=1)
        again = svc.start(
            s, ORG, "maturity", by="bob", from_assessment=first.id, assessed_on=date(2026, 1, 15)
        )
        carried = {a.item_id: a for a in svc.answers(s, ORG, again.id)}
        assert carried["a1"].level == 2 and carried["a1"].evidence[0].text == "Note"
        assert carried["a1"].answered_by == "alice" and again.previous_id == first.id
        # Built-in model → the DINUM guide: declared mappings; d.6 is covered by d2 only, a.1 by a1.
        guide = svc.start(s, ORG, "maturity", by="bob", referential="gbpnr", from_assessment=first.id)
        mapped = {a.item_id: a for a in svc.answers(s, ORG, guide.id)}
        assert mapped["a.1"].level == 2 and mapped["d.6"].level == 3 and mapped["d.1"].level == 1
        assert "carried over from sobre-maturity 1.0" in (mapped["d.6"].comment or "")
        with pytest.raises(SobreError, match="cannot carry"):
            svc.start(s, ORG, "rgesn", by="bob", service=SERVICE, from_assessment=first.id)


def test_compare_and_history(world: str) -> None:
    with session_scope(world) as s:
        a = svc.start(s, ORG, "rgesn", by="alice", service=SERVICE, assessed_on=date(2025, 6, 1))
        ev = [svc.EvidenceInput("text", text="Preuve")]
        svc.answer(s, ORG, a.id, "1.1", by="alice", status=eco.NOT_VALIDATED)
        svc.submit(s, ORG, a.id, by="alice")
        svc.validate(s, ORG, a.id, by="carol", allow_incomplete=True)
        b = svc.start(
            s, ORG, "rgesn", by="alice", service=SERVICE, from_assessment=a.id, assessed_on=date(2026, 6, 1)
        )
        svc.answer(s, ORG, b.id, "1.1", by="alice", status="Validé", evidence=ev)
        svc.answer(s, ORG, b.id, "2.2", by="alice", status="Validé", evidence=ev)
        diff = svc.compare(s, ORG, a.id, b.id)
        assert diff["overall"]["delta"] == pytest.approx(100 * 3.0 / 100.25)
        assert diff["themes"]["1"]["delta"] == pytest.approx(100 * 1.5 / 13.5)  # theme 1 weighs 13.5
        assert {c["item"] for c in diff["changes"]} == {"1.1", "2.2"}
        rows = svc.history(s, ORG, service=SERVICE)
        assert [r["id"] for r in rows] == [a.id, b.id] and rows[0]["status"] == "validated"
        previous = svc.previous_validated(s, ORG, b.id)
        assert previous is not None and previous["id"] == a.id and previous["overall"]["value"] == 0.0
        actions = svc.recommendations(s, ORG, b.id, limit=3)
        assert all(x.priority == "high" for x in actions) and actions[0].gain == pytest.approx(
            100 * 1.5 / 100.25
        )


def test_organisations_are_separate(world: str) -> None:
    from sobre.orgs import service as orgs

    with session_scope(world) as s:
        orgs.create(s, "Autreville")
        a = svc.start(s, ORG, "maturity", by="alice")
        with pytest.raises(NotFound):
            svc.get(s, "Autreville", a.id)
        assert svc.list_assessments(s, "Autreville") == []


def test_installing_again_and_replacing(world: str, rgesn_file: Path) -> None:
    with session_scope(world) as s:
        assert store.install_file(s, "rgesn", rgesn_file).key == "rgesn 2024"  # same file: no-op
        svc.start(s, ORG, "rgesn", by="alice", service=SERVICE)
        rows = {(r["code"], r["version"]): r for r in store.list_referentials(s)}
        assert rows["rgesn", "2024"]["items"] == 78 and rows["sobre-maturity", "1.0"]["builtin"]
