"""``sobre assess …``, ``sobre referential …`` and ``sobre service assessments`` (through ``extends``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from sobre.assessment.cli_support import _BY, _HOME, _JSON, _LANG, _ORG, _lang, _pct, _url, assess_app
from sobre.core.cli_support import console, friendly_errors, listing, print_json
from sobre.core.db import session_scope
from sobre.core.errors import InputError

# -- assessments --------------------------------------------------------------------------------------------


@assess_app.command("start")
@friendly_errors
def start(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="maturity, rgesn or rgaa."),
    org: str = _ORG,
    by: str = _BY,
    service: str = typer.Option(None, "--service", help="Digital service assessed (RGESN, RGAA)."),
    referential: str = typer.Option(None, "--referential", help="Referential code (default per kind)."),
    version: str = typer.Option(None, "--version", help="Referential version (default: the newest)."),
    title: str = typer.Option(None, "--title", help="Title of the assessment."),
    on: str = typer.Option(None, "--date", help="Date of the assessment, YYYY-MM-DD (default: today)."),
    previous: int = typer.Option(None, "--from", help="Carry the answers of this earlier assessment over."),
    target_score: float = typer.Option(None, "--target-score", help="Score aimed at (%)."),
    target_date: str = typer.Option(None, "--target-date", help="When the target is due (YYYY-MM-DD)."),
    sample: str = typer.Option(None, "--sample", help="Pages, journeys or scope assessed."),
    evaluator: str = typer.Option(None, "--evaluator", help="Entity carrying out the assessment."),
    role: str = typer.Option("referent", "--role", help="Role of the person starting it."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Start an assessment (a draft that referents fill in)."""
    from sobre.assessment import service as svc

    with session_scope(_url(ctx, home)) as session:
        view = svc.start(
            session,
            org,
            kind,
            by=by,
            role=role,
            referential=referential,
            version=version,
            service=service,
            title=title,
            assessed_on=date.fromisoformat(on) if on else None,
            from_assessment=previous,
            details={
                "target_score": target_score,
                "target_date": target_date,
                "sample": sample,
                "evaluator": evaluator,
            },
        )
    if as_json:
        print_json(view.to_dict())
        return
    console.print(
        Text(
            f"Started assessment {view.id}: {view.title} ({view.referential} {view.version}, "
            f"{view.items} items, {view.answered} answered)."
        )
    )


def _evidence(texts: list[str], links: list[str], files: list[Path]) -> list[Any]:
    from sobre.assessment.service import EvidenceInput

    return (
        [EvidenceInput("text", text=t) for t in texts]
        + [EvidenceInput("link", url=u) for u in links]
        + [EvidenceInput.from_file(f) for f in files]
    )


@assess_app.command("answer")
@friendly_errors
def answer(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="Assessment id."),
    item: str = typer.Argument(..., help="Item id in the referential (1.1, a3…)."),
    org: str = _ORG,
    by: str = _BY,
    level: int = typer.Option(None, "--level", help="Maturity level 0–4."),
    status: str = typer.Option(
        None,
        "--status",
        help="RGESN: Validé, Non validé, En cours, Non applicable, "
        "À évaluer; RGAA: C, NC, NA, NT; maturity: na.",
    ),
    target: int = typer.Option(None, "--target", help="Target maturity level 0–4."),
    page: str = typer.Option(None, "--page", help="RGAA: page of the sample."),
    comment: str = typer.Option(None, "--comment", help="Comment."),
    evidence: list[str] = typer.Option([], "--evidence", help="Evidence as text (repeatable)."),
    link: list[str] = typer.Option([], "--link", help="Evidence as a link (repeatable)."),
    file: list[Path] = typer.Option([], "--file", help="Evidence as an attached file (repeatable)."),
    role: str = typer.Option("referent", "--role", help="Role of the person answering."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Answer one item, with comment and evidence."""
    from sobre.assessment import service as svc

    with session_scope(_url(ctx, home)) as session:
        view = svc.answer(
            session,
            org,
            assessment,
            item,
            by=by,
            role=role,
            status=status,
            level=level,
            target=target,
            comment=comment,
            page=page,
            evidence=_evidence(evidence, link, file),
        )
    if as_json:
        print_json(view.to_dict())
        return
    value = view.status or (None if view.level is None else f"level {view.level}")
    console.print(
        Text(
            f"{item}{' on ' + view.page if view.page else ''}: {value or '-'}"
            f"{'' if view.target_level is None else f' (target {view.target_level})'}, "
            f"{len(view.evidence)} evidence, by {view.answered_by}."
        )
    )


@assess_app.command("score")
@friendly_errors
def score(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="Assessment id."),
    org: str = _ORG,
    lang: str = _LANG,
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Scores of an assessment, overall and per theme, with their range."""
    from sobre.assessment import service as svc
    from sobre.assessment.results import summary

    with session_scope(_url(ctx, home)) as session:
        result = svc.score(session, org, assessment, _lang(lang))
        data = summary(result, lang)
        view = svc.get(session, org, assessment)
    if as_json:
        print_json({"assessment": view.to_dict(), **data})
        return
    console.print(Text(f"{view.title} — {view.status}", style="bold"))
    console.print(Text(f"Overall: {_pct(data['overall'])}"))
    if "target" in data:
        console.print(Text(f"Target: {_pct(data['target'])}"))
    if "average" in data:
        console.print(
            Text(f"Average rate over pages: {_pct(data['average'])}; state: {data['state'] or 'incomplete'}")
        )
    table = Table("theme", "label", "score", "target" if data["kind"] == "maturity" else "detail")
    for code, t in data["themes"].items():
        detail = (
            _pct(t["target"])
            if "target" in t
            else ", ".join(f"{k} {v}" for k, v in t.get("counts", {}).items() if v)
        )
        table.add_row(code, Text(t["label"]), _pct(t["score"]), Text(detail))
    console.print(table)
    if data["counts"]:
        console.print(Text("Counts: " + ", ".join(f"{k} {v}" for k, v in data["counts"].items())))
    for w in data["overall"]["warnings"]:
        console.print(Text(f"Note: {w}", style="yellow"))
    console.print(Text(f"Method: {data['overall']['source']}", style="dim"))


@assess_app.command("compare")
@friendly_errors
def compare(
    ctx: typer.Context,
    first: int = typer.Argument(..., help="Earlier assessment id."),
    second: int = typer.Argument(..., help="Later assessment id."),
    org: str = _ORG,
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Compare two assessments: overall and per theme, and the items whose answer changed."""
    from sobre.assessment import service as svc

    def show(data: dict[str, Any]) -> None:
        delta = data["overall"]["delta"]
        console.print(
            Text(
                f"Overall: {_pct(data['overall']['before'])} → {_pct(data['overall']['after'])}"
                + ("" if delta is None else f" ({delta:+.1f} points)")
            )
        )
        table = Table("theme", "label", "before", "after", "change")
        for code, t in data["themes"].items():
            table.add_row(
                code,
                Text(t["label"]),
                _pct(t["before"] or {}),
                _pct(t["after"] or {}),
                "" if t["delta"] is None else f"{t['delta']:+.1f}",
            )
        console.print(table)
        console.print(Text(f"{len(data['changes'])} answers changed."))

    listing(ctx, home, lambda s: svc.compare(s, org, first, second), as_json=as_json, show=show)


@assess_app.command("list")
@friendly_errors
def list_(
    ctx: typer.Context,
    org: str = _ORG,
    kind: str = typer.Option(None, "--kind", help="maturity, rgesn or rgaa."),
    service: str = typer.Option(None, "--service", help="Only assessments of this digital service."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """List the organisation's assessments."""
    from sobre.assessment import service as svc

    def show(views: list[Any]) -> None:
        table = Table("id", "kind", "referential", "service", "date", "status", "answered", "title")
        for v in views:
            table.add_row(
                str(v.id),
                v.kind,
                f"{v.referential} {v.version}",
                Text(v.service or "-"),
                v.assessed_on.isoformat(),
                v.status,
                f"{v.answered}/{v.items}",
                Text(v.title),
            )
        console.print(table)

    listing(
        ctx,
        home,
        lambda s: svc.list_assessments(s, org, kind=kind, service=service),
        as_json=as_json,
        show=show,
        to_json=lambda views: [v.to_dict() for v in views],
    )


@assess_app.command("show")
@friendly_errors
def show(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="Assessment id."),
    org: str = _ORG,
    lang: str = _LANG,
    trail: bool = typer.Option(False, "--trail", help="Also show who did what and when."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Show an assessment with its answers and evidence."""
    from sobre.assessment import service as svc
    from sobre.assessment.referentials import text

    with session_scope(_url(ctx, home)) as session:
        view = svc.get(session, org, assessment)
        rows = svc.answers(session, org, assessment)
        package = svc.package_of(session, org, assessment)
        trail_rows = svc.events(session, org, assessment) if trail or as_json else []
    if as_json:
        print_json({**view.to_dict(), "answers": [r.to_dict() for r in rows], "trail": trail_rows})
        return
    for key, value in view.to_dict().items():
        console.print(Text(f"{key}: {'-' if value in (None, {}) else value}"))
    table = Table("item", "page", "answer", "target", "evidence", "by", "when", "question")
    for r in rows:
        answer_text = r.status or ("" if r.level is None else str(r.level))
        table.add_row(
            r.item_id,
            r.page,
            answer_text,
            "" if r.target_level is None else str(r.target_level),
            str(len(r.evidence)),
            Text(r.answered_by),
            r.answered_at.strftime("%Y-%m-%d %H:%M"),
            Text(text(package.item(r.item_id).question, _lang(lang))[:70]),
        )
    console.print(table)
    for e in trail_rows:
        console.print(
            Text(
                f"{e['at'][:19]} {e['by']} ({e['role'] or '-'}) {e['action']} "
                f"{e['item'] or ''}{' ' + e['page'] if e['page'] else ''}: {e['before'] or ''} → "
                f"{e['after'] or ''}"
            )
        )


def _workflow(action: str) -> Any:
    @friendly_errors
    def command(
        ctx: typer.Context,
        assessment: int = typer.Argument(..., help="Assessment id."),
        org: str = _ORG,
        by: str = _BY,
        role: str = typer.Option(
            "manager" if action in ("validate", "return") else "referent",
            "--role",
            help="Role of the person acting.",
        ),
        reason: str = typer.Option(None, "--reason", help="Why it goes back (return)."),
        allow_incomplete: bool = typer.Option(
            False, "--allow-incomplete", help="Validate although items are not answered (validate)."
        ),
        home: str = _HOME,
    ) -> None:
        from sobre.assessment import service as svc

        with session_scope(_url(ctx, home)) as session:
            if action == "submit":
                view = svc.submit(session, org, assessment, by=by, role=role)
            elif action == "validate":
                view = svc.validate(
                    session, org, assessment, by=by, role=role, allow_incomplete=allow_incomplete
                )
            else:
                view = svc.send_back(session, org, assessment, by=by, role=role, reason=reason or "")
        console.print(Text(f"Assessment {view.id} is now {view.status}."))

    return command


assess_app.command("submit", help="A referent submits a draft for review.")(_workflow("submit"))
assess_app.command("validate", help="A manager validates a submitted assessment (scores are frozen).")(
    _workflow("validate")
)
assess_app.command("return", help="A manager sends a submitted assessment back, with a reason.")(
    _workflow("return")
)


@assess_app.command("details")
@friendly_errors
def details(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="Assessment id."),
    org: str = _ORG,
    by: str = _BY,
    set_: list[str] = typer.Option(
        [],
        "--set",
        help="FIELD=VALUE (repeatable): sample, evaluator, referent, "
        "target_score, target_date, plan, review_frequency, contact, technologies, "
        "tools, environment, default_target, scope.",
    ),
    home: str = _HOME,
) -> None:
    """Set the scope and declaration details of an assessment."""
    from sobre.assessment import service as svc

    fields: dict[str, str] = {}
    for pair in set_:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InputError("expected FIELD=VALUE", column="--set", value=pair)
        fields[key.strip()] = value.strip()
    with session_scope(_url(ctx, home)) as session:
        view = svc.set_details(session, org, assessment, by=by, **fields)
    console.print(Text(f"Details of assessment {view.id}: {view.details}"))


@assess_app.command("page")
@friendly_errors
def page(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="RGAA audit id."),
    code: str = typer.Argument(..., help="Page code in the sample, e.g. P01."),
    title: str = typer.Option(..., "--title", help="Page title (Accueil, Contact…)."),
    org: str = _ORG,
    by: str = _BY,
    url: str = typer.Option(None, "--url", help="Address of the page."),
    process: str = typer.Option(None, "--process", help="Name of the process (several pages) it belongs to."),
    home: str = _HOME,
) -> None:
    """Add or update a page of an RGAA audit's sample."""
    from sobre.assessment import service as svc

    with session_scope(_url(ctx, home)) as session:
        added = svc.add_page(session, org, assessment, code, title, by=by, url=url, process=process)
    console.print(
        Text(f"Page {added.code}: {added.title}{' (' + added.process + ')' if added.process else ''}.")
    )


@assess_app.command("derogation")
@friendly_errors
def derogation(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="RGAA audit id."),
    kind: str = typer.Argument(..., help="burden (charge disproportionnée) or exempt (non soumis)."),
    content: str = typer.Option(..., "--content", help="The content concerned."),
    org: str = _ORG,
    by: str = _BY,
    criteria: list[str] = typer.Option([], "--criterion", help="RGAA criterion concerned (repeatable)."),
    pages_: list[str] = typer.Option([], "--page", help="Page concerned (repeatable; default every page)."),
    justification: str = typer.Option(None, "--justification", help="Why the burden is disproportionate."),
    alternative: str = typer.Option(None, "--alternative", help="The accessible alternative offered."),
    home: str = _HOME,
) -> None:
    """Record a derogation for disproportionate burden, or content exempt from the obligation."""
    from sobre.assessment import service as svc

    with session_scope(_url(ctx, home)) as session:
        row = svc.add_derogation(
            session,
            org,
            assessment,
            kind,
            content,
            by=by,
            criteria=criteria,
            pages=pages_,
            justification=justification,
            alternative=alternative,
        )
    console.print(
        Text(f"Derogation {row['id']} ({row['kind']}) on {', '.join(row['criteria']) or 'no criterion'}.")
    )


@assess_app.command("recommend")
@friendly_errors
def recommend(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="Assessment id."),
    org: str = _ORG,
    limit: int = typer.Option(None, "--limit", help="At most this many."),
    lang: str = _LANG,
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Recommendations ordered by gap, priority and difficulty, each ready to become an action."""
    from sobre.assessment import service as svc
    from sobre.assessment.referentials import text

    lang = _lang(lang)

    def show(actions: list[Any]) -> None:
        table = Table("item", "gap", "gain", "priority", "difficulty", "owner", "action")
        for a in actions:
            table.add_row(
                a.origin[2],
                f"{a.gap:g}",
                "" if a.gain is None else f"+{a.gain:.1f}",
                a.priority or "",
                a.difficulty or "",
                Text(a.owner_role or ""),
                Text(text(a.title, lang)),
            )
        console.print(table)

    listing(
        ctx,
        home,
        lambda s: svc.recommendations(s, org, assessment, limit=limit),
        as_json=as_json,
        show=show,
        to_json=lambda actions: [a.to_dict() for a in actions],
    )


@assess_app.command("history")
@friendly_errors
def history(
    ctx: typer.Context,
    org: str = _ORG,
    kind: str = typer.Option(None, "--kind", help="maturity, rgesn or rgaa."),
    service: str = typer.Option(None, "--service", help="Only assessments of this digital service."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Assessments over time with their overall score."""
    from sobre.assessment import service as svc

    listing(
        ctx,
        home,
        lambda s: svc.history(s, org, kind=kind, service=service),
        as_json=as_json,
        show=_history_table,
    )


def _history_table(rows: list[dict[str, Any]], with_service: bool = True) -> None:
    """The history as a table; without the service column when it is one service's."""
    table = Table(
        "date", "id", "kind", "referential", *(["service"] if with_service else []), "status", "overall"
    )
    for r in rows:
        service = [Text(r["service"] or "-")] if with_service else []
        table.add_row(
            r["assessed_on"],
            str(r["id"]),
            r["kind"],
            r["referential"],
            *service,
            r["status"],
            _pct(r["overall"]),
        )
    console.print(table)


@assess_app.command("delete")
@friendly_errors
def delete(
    ctx: typer.Context,
    assessment: int = typer.Argument(..., help="Assessment id."),
    org: str = _ORG,
    home: str = _HOME,
) -> None:
    """Delete an assessment with its answers, evidence and trail."""
    from sobre.assessment import service as svc

    with session_scope(_url(ctx, home)) as session:
        svc.delete(session, org, assessment)
    console.print(Text(f"Deleted assessment {assessment}."))


def register(app: typer.Typer) -> None:
    from sobre.assessment import cli_documents  # noqa: F401  (its commands join ``sobre assess``)
    from sobre.assessment.referential_cli import referential_app

    app.add_typer(assess_app, name="assess")
    app.add_typer(referential_app, name="referential")


def register_service(group: typer.Typer) -> None:
    """``sobre service assessments NAME``: the RGESN and RGAA assessments of one digital service."""

    @group.command("assessments")
    @friendly_errors
    def service_assessments(
        ctx: typer.Context,
        name: str = typer.Argument(..., help="Service name."),
        org: str = _ORG,
        as_json: bool = _JSON,
        home: str = _HOME,
    ) -> None:
        """The assessments (RGESN, RGAA) of a digital service over time, with their scores."""
        from sobre.assessment import service as svc

        listing(
            ctx,
            home,
            lambda s: svc.history(s, org, service=name),
            as_json=as_json,
            show=lambda rows: _history_table(rows, with_service=False),
        )
