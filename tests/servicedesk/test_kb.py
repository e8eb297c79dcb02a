"""Knowledge base: versions, full-text search on SQLite (FTS5) and PostgreSQL, suggestions, safe rendering,
the starter set of eco-gestures with their sources, PDF export."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.orgs import service as orgs
from sobre.servicedesk import desk, kb, service
from tests.servicedesk.conftest import paris


@pytest.fixture
def base(db_url: str) -> tuple[str, int]:
    with session_scope(db_url) as s:
        oid = orgs.create(s, "Agglo", country="FR").id
        desk.add_category(s, oid, "Poste de travail > Imprimante")
        kb.install_starter(s, oid, review_on=date(2026, 6, 1))
        kb.save(
            s,
            oid,
            slug="imprimante-bourrage",
            lang="fr",
            kind="procedure",
            audience="end_user",
            title="Débloquer un bourrage papier",
            category="Poste de travail > Imprimante",
            body="Ouvrez le capot avant de l'imprimante, retirez la feuille coincée doucement, refermez.",
            status="published",
            author="tech1",
        )
        kb.save(
            s,
            oid,
            slug="vpn-acces",
            lang="fr",
            kind="faq",
            title="Se connecter au VPN",
            body="Lancez le client VPN puis saisissez votre identifiant.",
            status="draft",
            author="tech1",
        )
    return db_url, oid


def test_search_finds_words_prefixes_and_folds_accents(base: tuple[str, int]) -> None:
    url, oid = base
    with session_scope(url) as s:
        hits = kb.search(s, oid, "imprim", lang="fr")
        slugs = [h["slug"] for h in hits]
        assert "imprimante-bourrage" in slugs and "imprimer-moins" in slugs
        assert slugs[0] in ("imprimante-bourrage", "imprimer-moins")  # title matches rank first
        assert kb.search(s, oid, "éteindre ordinateur", lang="fr")[0]["slug"] == "eteindre-le-soir"
        assert [h["slug"] for h in kb.search(s, oid, "passphrase", lang="en")] == ["mots-de-passe"]
        # Drafts are not found by default; an operator typed by a user is a plain word.
        assert kb.search(s, oid, "VPN") == []
        assert kb.search(s, oid, "VPN", published_only=False)[0]["slug"] == "vpn-acces"
        assert kb.search(s, oid, 'NEAR("x" OR *') == []
        assert kb.search(s, oid, "   ") == []
        assert any("«" in (h["excerpt"] or "") for h in kb.search(s, oid, "capot"))


def test_suggestions_when_a_ticket_is_opened(base: tuple[str, int]) -> None:
    url, oid = base
    with session_scope(url) as s:
        cat = desk.category_by_name(s, oid, "Poste de travail > Imprimante")
        found = kb.suggest(
            s,
            oid,
            "L'imprimante du 2e étage a un bourrage de papier",
            lang="fr",
            category_id=cat.id if cat else None,
        )
        assert found and found[0]["slug"] == "imprimante-bourrage"
        assert kb.suggest(s, oid, "le la les", lang="fr") == []


def test_versions_history_restore_and_review(base: tuple[str, int]) -> None:
    url, oid = base
    with session_scope(url) as s:
        a = kb.save(
            s,
            oid,
            slug="imprimante-bourrage",
            lang="fr",
            title="Débloquer un bourrage papier",
            body="Éteignez l'imprimante, ouvrez le capot avant, retirez la feuille, refermez.",
            author="tech2",
            note="sécurité d'abord",
        )
        assert a.version == 2
        same = kb.save(s, oid, slug="imprimante-bourrage", lang="fr", title=a.title, body=a.body, author="x")
        assert same.version == 2  # nothing changed: no new version
        assert [v["version"] for v in kb.history(s, oid, "imprimante-bourrage", "fr")] == [1, 2]
        back = kb.restore(s, oid, "imprimante-bourrage", "fr", 1, author="tech1")
        assert back.version == 3 and back.body.startswith("Ouvrez")
        # The index follows the edits (triggers on SQLite, a generated column on PostgreSQL).
        assert not any(h["slug"] == "imprimante-bourrage" for h in kb.search(s, oid, "Éteignez"))
        due = kb.due_for_review(s, oid, date(2026, 6, 1))
        assert {d["slug"] for d in due} >= {"mots-de-passe", "eteindre-le-soir"}
        with pytest.raises(InputError, match="slug"):
            kb.save(s, oid, slug="Bad Slug", lang="fr", title="t", body="b", author="x")
        with pytest.raises(InputError, match="source"):
            kb.save(
                s, oid, slug="x", lang="fr", title="t", body="b", author="x", source_url="javascript:alert(1)"
            )


def test_starter_set_cites_its_sources_in_both_languages() -> None:
    starter = kb.read_starter()
    by_slug: dict[str, set[str]] = {}
    for a in starter:
        by_slug.setdefault(a["slug"], set()).add(a["lang"])
        assert a["source_url"].startswith("https://") and a["source_title"]
        assert a["kind"] in kb.KINDS and a["audience"] in kb.AUDIENCES
    assert all(langs == {"fr", "en"} for langs in by_slug.values())
    assert sum(1 for a in starter if a["kind"] == "eco_gesture") >= 12


def test_rendering_escapes_html_and_drops_unsafe_links() -> None:
    html = kb.markdown_html(
        "# Titre\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://a.fr)"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and 'href="https://a.fr"' in html
    assert "<h2>Titre</h2>" in html  # under the page's own h1


def test_pdf_export(base: tuple[str, int], tmp_path: Path) -> None:
    url, oid = base
    with session_scope(url) as s:
        a = kb.get(s, oid, "hameconnage", "fr")
        page = kb.export_html(a)
        assert '<html lang="fr">' in page and "<h1>" in page and "cybermalveillance" in page
        path = kb.export_pdf(a, tmp_path / "hameconnage.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "hameçonnage" in text and "Signalez le message" in text


def test_solving_with_an_article_links_it(base: tuple[str, int]) -> None:
    url, oid = base
    with session_scope(url) as s:
        t = service.open_ticket(s, oid, title="Bourrage", requester="Jeanne", now=paris(2025, 6, 2, 9))
        service.assign(s, oid, t.number, assignee="tech1", now=paris(2025, 6, 2, 9, 5))
        article = kb.get(s, oid, "imprimante-bourrage", "fr")
        service.solve(
            s,
            oid,
            t.number,
            "Bourrage retiré, voir la procédure.",
            actor="tech1",
            article_id=article.id,
            now=paris(2025, 6, 2, 9, 20),
        )
        assert t.solution_article_id == article.id and t.first_contact is True
