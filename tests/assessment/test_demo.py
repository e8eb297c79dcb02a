"""The demo seed: two maturity rounds always; RGESN and RGAA when the official files are at hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sobre.assessment import demo
from sobre.assessment import service as svc
from sobre.core.capabilities import DemoContext
from sobre.core.db import session_scope
from sobre.orgs import service as orgs


def _context(url: str, tmp_path: Path) -> DemoContext:
    return DemoContext(
        url, "Ville de Sobreville", date(2026, 11, 30), 1, tmp_path, tmp_path / "out", "fr", 2026
    )


def test_seed_with_the_official_files(
    sqlite_url: str, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOBRE_REFERENTIALS", str(data_dir))
    with session_scope(sqlite_url) as s:
        orgs.create(s, "Ville de Sobreville")
    paths = demo.seed(_context(sqlite_url, tmp_path))
    assert sorted(p.suffix for p in paths) == [".docx", ".html", ".html", ".html", ".pdf", ".pdf", ".pdf"]
    with session_scope(sqlite_url) as s:
        history = svc.history(s, "Ville de Sobreville", kind="maturity")
        assert [h["status"] for h in history] == ["validated", "submitted"]
        assert history[1]["overall"]["value"] > history[0]["overall"]["value"]  # a year of progress
        rgesn = svc.latest(s, "Ville de Sobreville", "rgesn")
        assert rgesn is not None and rgesn.status == "validated" and rgesn.answered == 78
        score = svc.score(s, "Ville de Sobreville", rgesn.id).overall
        assert score.value is not None and 20 < score.value < 90
        rgaa = svc.latest(s, "Ville de Sobreville", "rgaa")
        assert rgaa is not None and svc.score(s, "Ville de Sobreville", rgaa.id).rgaa.state in (
            "partial",
            "none",
        )
    again = tmp_path / "again"
    with session_scope(f"sqlite:///{tmp_path / 'again.db'}") as s:
        orgs.create(s, "Ville de Sobreville")
    demo.seed(_context(f"sqlite:///{tmp_path / 'again.db'}", again))
    with session_scope(f"sqlite:///{tmp_path / 'again.db'}") as s:
        same = svc.history(s, "Ville de Sobreville", kind="maturity")
    assert [h["overall"]["value"] for h in same] == [
        h["overall"]["value"] for h in history
    ]  # same seed, same data


def test_seed_without_the_official_files(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOBRE_REFERENTIALS", raising=False)
    with session_scope(sqlite_url) as s:
        orgs.create(s, "Ville de Sobreville")
    paths = demo.seed(_context(sqlite_url, tmp_path))
    assert [p.name for p in paths] == ["maturite-2-fr.html", "maturite-2-fr.pdf"]
    with session_scope(sqlite_url) as s:
        assert svc.latest(s, "Ville de Sobreville", "rgesn") is None
