"""``sobre assess export|import|declaration|evidence``: the files that go in and out of an assessment."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from sobre.assessment.cli_support import _BY, _HOME, _LANG, _ORG, _lang, _url, assess_app
from sobre.core.cli_support import console, friendly_errors, settings
from sobre.core.db import session_scope


@assess_app.command("export")
@friendly_errors
def export(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="Assessment id."),
    org: str = _ORG,
    out: Path = typer.Option(..., "--out", help="XLSX file to write."),
    lang: str = _LANG,
    home: str = _HOME,
) -> None:
    """Export an assessment's answers to XLSX, to fill in offline and import back."""
    from sobre.assessment import xlsx

    with session_scope(_url(ctx, home)) as session:
        path = xlsx.export(session, org, assessment, out, _lang(lang))
    console.print(Text(f"Exported assessment {assessment} to {path}"), soft_wrap=True)


@assess_app.command("import")
@friendly_errors
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="XLSX file exported by 'sobre assess export' and filled in."),
    org: str = _ORG,
    by: str = _BY,
    into: int = typer.Option(
        None, "--into", help="Assessment to update (default: the one named in the file)."
    ),
    new: bool = typer.Option(False, "--new", help="Create a new assessment from the file instead."),
    role: str = typer.Option("referent", "--role", help="Role of the person importing."),
    home: str = _HOME,
) -> None:
    """Import answers from XLSX (all rows or nothing; errors name sheet, row and column)."""
    from sobre.assessment import xlsx

    cfg = settings(ctx, home)
    with session_scope(cfg.database_url) as session:
        report = xlsx.import_file(
            session, org, path, by=by, role=role, into=into, new=new, rejects_dir=cfg.rejects_dir
        )
    console.print(
        Text(
            f"Imported {path.name} into assessment {report.assessment_id}: {report.changed} answers "
            f"changed, {report.unchanged} unchanged, {report.pages} pages, {report.derogations} "
            "derogations."
        )
    )


@assess_app.command("declaration")
@friendly_errors
def declaration(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="RGESN or RGAA assessment id (maturity: a summary)."),
    org: str = _ORG,
    fmt: str = typer.Option("html", "--format", help="html, pdf or docx."),
    lang: str = _LANG,
    out: Path = typer.Option(None, "--out", help="File or folder to write (default: <home>/reports/)."),
    home: str = _HOME,
) -> None:
    """Write the eco-design (RGESN) or accessibility (RGAA) declaration, or a maturity summary."""
    from sobre.assessment import declarations

    cfg = settings(ctx, home)
    target = out or cfg.reports_dir
    with session_scope(cfg.database_url) as session:
        path = declarations.write(session, org, assessment, fmt, _lang(lang), target)
    console.print(Text(f"Written: {path.resolve()}"), soft_wrap=True)


@assess_app.command("evidence")
@friendly_errors
def evidence_file(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="Assessment id."),
    evidence: int = typer.Argument(..., help="Evidence id (see 'sobre assess show --json')."),
    org: str = _ORG,
    out: Path = typer.Option(..., "--out", help="Folder or file to write the attached file to."),
    home: str = _HOME,
) -> None:
    """Save an attached evidence file."""
    from sobre.assessment import service as svc

    with session_scope(_url(ctx, home)) as session:
        name, content = svc.evidence_file(session, org, assessment, evidence)
    path = out / name if out.is_dir() else out
    path.write_bytes(content)
    console.print(Text(f"Written: {path}"), soft_wrap=True)
