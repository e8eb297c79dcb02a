"""The capability registry: the CLI, migrations and catalogues find capabilities without naming them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from sobre.core import i18n
from sobre.core.capabilities import all_capabilities, command_owner, migration_folders
from sobre.core.db import alembic_config

HEAVY = ("sqlalchemy", "polars", "numpy", "pandas", "matplotlib", "weasyprint", "httpx", "fastapi")


def _modules_loaded_by(*argv: str) -> set[str]:
    script = (
        "import sys\n"
        "from sobre.cli import app\n"
        "try:\n"
        f"    app({list(argv)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), out.stdout
    return {m for m in last.removeprefix("loaded:").split(",") if m}


def test_every_capability_is_found_and_owns_distinct_commands() -> None:
    names = [c.name for c in all_capabilities()]
    assert {"orgs", "inventory", "footprint", "reporting"} <= set(names)
    commands = [cmd for c in all_capabilities() for cmd in c.commands]
    assert len(commands) == len(set(commands)), "two capabilities declare the same command"
    assert command_owner("import").name == "inventory"
    assert command_owner("no-such-command") is None


@pytest.mark.parametrize("argv", [("--version",), ("--help",)])
def test_version_and_help_import_no_heavy_library(argv: tuple[str, ...]) -> None:
    assert _modules_loaded_by(*argv) == set()


def test_a_command_loads_its_capability_only_when_it_runs() -> None:
    loaded = _modules_loaded_by("org", "--help")
    assert "polars" not in loaded and "matplotlib" not in loaded


def test_capability_migrations_are_labelled_branches() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    core = migration_folders()[0]
    for revision in script.walk_revisions():
        folder = Path(revision.path).parent
        if folder == core:
            continue
        capability = folder.parent.name
        assert revision.revision.startswith(f"{capability}_"), revision.path
        labels = set().union(*(r.branch_labels for r in script.iterate_revisions(revision.revision, "base")))
        assert capability in labels, f"{revision.path}: the branch needs branch_labels = ({capability!r},)"


def test_catalogues_have_both_languages_and_the_same_keys() -> None:
    files = i18n.catalogue_files()
    assert files, "no catalogue found"
    by_domain: dict[str, dict[str, set[str]]] = {}
    for domain, lang, path in files:
        by_domain.setdefault(domain, {})[lang] = set(i18n.read_catalogue(path))
    for domain, langs in by_domain.items():
        assert set(langs) == set(i18n.LANGUAGES), f"{domain}: catalogue missing for a language"
        assert langs["en"] == langs["fr"], f"{domain}: keys differ between en and fr"
    assert i18n.missing_translations() == []


def test_current_language_is_the_default_of_t() -> None:
    i18n.register({"test.lang": {"en": "Hello", "fr": "Bonjour"}})
    assert i18n.t("test.lang") == "Hello"
    with i18n.use_language("fr"):
        assert i18n.t("test.lang") == "Bonjour"
    assert i18n.current_language() == "en"


def test_migrations_build_exactly_the_models(db_url: str) -> None:
    """Every capability's models and its migrations agree, on SQLite and PostgreSQL."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from sobre.core.db import get_engine
    from sobre.core.models import metadata

    with get_engine(db_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []
