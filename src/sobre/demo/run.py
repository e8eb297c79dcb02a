"""``sobre demo``: a fresh demo workspace, imported like user files, computed and reported."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sobre.core.capabilities import DemoContext, demo_seeds
from sobre.core.db import session_scope
from sobre.core.errors import SobreError
from sobre.core.i18n import LANGUAGES
from sobre.demo.generator import generate
from sobre.demo.town import AUTHOR, DEPARTMENTS, INHABITANTS, ISSUED, ORG_NAME, REFERENCE_DATE
from sobre.reporting.service import checked_language

#: A file that marks a folder as a demo home, so that ``sobre demo`` never wipes a real one.
MARKER = ".sobre-demo"
DEMO_DB = "sobre.db"


@dataclass
class DemoImport:
    kind: str
    file: Path
    rows_read: int
    inserted: int
    rejected: int
    rejects_path: str | None


@dataclass
class DemoResult:
    home: Path
    out: Path
    database_url: str
    organisation: str
    run_id: int
    imports: list[DemoImport]
    html: list[Path] = field(default_factory=list)
    pdf: list[Path] = field(default_factory=list)
    exports: list[Path] = field(default_factory=list)
    #: Files written by other capabilities' demo seeds (strategy, declarations…).
    documents: list[Path] = field(default_factory=list)
    #: Notes from the seeds, printed once at the end (how to sign in…).
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(i.rejected for i in self.imports)


def prepare_home(home: Path) -> Path:
    """Make ``home`` a fresh demo home: refuse a folder holding anything else, drop a previous demo DB."""
    home = home.expanduser().resolve()
    if home.exists() and any(home.iterdir()) and not (home / MARKER).exists():
        raise SobreError(
            f"{home} is not empty and is not a Sobre demo folder; choose another --home "
            "(sobre demo never overwrites a real workspace)"
        )
    home.mkdir(parents=True, exist_ok=True)
    (home / MARKER).write_text(
        "This folder was created by 'sobre demo' and is rebuilt by it.\n", encoding="utf-8"
    )
    for name in (DEMO_DB, f"{DEMO_DB}-wal", f"{DEMO_DB}-shm"):
        (home / name).unlink(missing_ok=True)
    shutil.rmtree(home / "rejects", ignore_errors=True)
    return home


def run_demo(
    home: Path,
    out: Path,
    lang: str = "fr",
    *,
    seed: int = 2026,
    both_languages: bool = True,
    pdf: bool = True,
    step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Create the demo organisation in ``home``, import it, compute its footprint, write report and exports.

    The demo always uses a SQLite file in ``home`` (never ``SOBRE_DATABASE_URL``), so it cannot touch a
    shared database.  The report is written in ``lang`` first, then in the other language.
    """
    from sobre.footprint.runs.service import run_footprint
    from sobre.inventory.importer import import_file
    from sobre.orgs import service as orgs
    from sobre.reporting import exports, render
    from sobre.reporting.data import build_report_data as build_from_inputs
    from sobre.reporting.service import report_inputs, with_capability_sections

    checked_language(lang)
    render.warm_pdf()  # WeasyPrint's import and fonts while the demo imports and computes
    say = step or (lambda _text: None)
    home = prepare_home(home)
    out = out.expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{home / DEMO_DB}"

    say("generate")
    files = generate(out / "inputs", seed=seed)
    with session_scope(url) as session:
        orgs.create(
            session, ORG_NAME, employees=sum(n for _, n in DEPARTMENTS), inhabitants=INHABITANTS, country="FR"
        )
    imports = []
    for kind, path in files:
        say(f"import {path.name}")
        summary = import_file(url, ORG_NAME, path, kind=kind, rejects_dir=home / "rejects")
        imports.append(
            DemoImport(
                kind,
                path,
                summary.rows_read,
                summary.inserted,
                summary.rejected,
                str(summary.rejects_path) if summary.rejects_path else None,
            )
        )
    say("compute")
    run = run_footprint(url, ORG_NAME, reference_date=REFERENCE_DATE)
    result = DemoResult(home, out, url, ORG_NAME, run.id, imports)
    # Every other capability gives the town its own data (assessments, plans, tickets…) before the report.
    context = DemoContext(url, ORG_NAME, REFERENCE_DATE, run.id, home, out, lang, seed)
    for seed_capability in demo_seeds():
        say(f"seed {seed_capability.__module__.split('.')[1]}")
        for item in seed_capability(context):
            if isinstance(item, str):
                result.notes.append(item)
            else:
                result.documents.append(item)
    say("report")
    inputs = report_inputs(url, ORG_NAME, run.id, author=AUTHOR)
    # A fixed issue date: the same seed gives the same report whatever day the demo runs.
    inputs.issued = ISSUED.isoformat()
    data = with_capability_sections(build_from_inputs(inputs), url, ORG_NAME)
    for language in [lang, *(x for x in LANGUAGES if x != lang and both_languages)]:
        html = render.render_html(data, language)
        html_path = out / f"diagnostic-{language}.html"
        html_path.write_text(html, encoding="utf-8")
        result.html.append(html_path)
        if pdf:
            result.pdf.append(render.write_pdf(data, language, out / f"diagnostic-{language}.pdf", html=html))
    for fmt in exports.FORMATS:
        result.exports.append(exports.export(data, fmt, out / f"diagnostic-resultats.{fmt}"))
    result.exports.append(exports.write_items(inputs, out / "diagnostic-elements.csv"))
    return result
