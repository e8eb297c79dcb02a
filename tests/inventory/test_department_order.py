"""Departments (and sites) created by an import get their ids in file order, so the same file imported into
two fresh databases gives the same ids (hash order varies from one run to the next)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.inventory.importer import import_file
from sobre.inventory.models import Department
from sobre.orgs import service as orgs

NAMES = [f"Service {i:03d} {'ABCDEFGHIJ'[i % 10]}" for i in range(150, 0, -1)]  # not sorted either way


def _import(folder: Path) -> list[tuple[int, str]]:
    folder.mkdir()
    url = f"sqlite:///{folder / 'sobre.db'}"
    with session_scope(url) as s:
        orgs.create(s, "Acme")
    lines = ["name;category;quantity;department"]
    lines += [f"pc-{i};laptop;1;{name}" for i, name in enumerate(NAMES + NAMES[::3])]
    path = folder / "eq.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_file(url, "Acme", path, rejects_dir=folder)
    assert summary.rejected == 0 and len(summary.created_departments) == len(NAMES)
    with get_engine(url).connect() as conn:
        return [
            (i, n) for i, n in conn.execute(sa.select(Department.id, Department.name).order_by(Department.id))
        ]


def test_two_imports_of_one_file_in_fresh_databases_give_the_same_department_ids(tmp_path: Path) -> None:
    first, second = _import(tmp_path / "one"), _import(tmp_path / "two")
    assert first == second
    assert [n for _, n in first] == NAMES  # the order of first appearance in the file
