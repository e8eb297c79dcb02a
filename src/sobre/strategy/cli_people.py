"""``sobre strategy comms …``, ``sobre strategy training …`` and ``sobre strategy referent …``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from sobre.core.cli_support import console, friendly_errors, listing
from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.strategy.cli_common import HOME, JSON, ORG, database_url

comms_app = typer.Typer(
    help="Communication plan: messages per audience and technical level.", no_args_is_help=True
)
training_app = typer.Typer(help="Training plan: modules, sessions, attendance.", no_args_is_help=True)
referent_app = typer.Typer(help="Referents network and its feedback log.", no_args_is_help=True)


def _day(text: str | None, column: str) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("not a date", column=column, value=text, expected="YYYY-MM-DD") from None


@comms_app.command("add")
@friendly_errors
def comms_add(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = ORG,
    audience: str = typer.Option(..., "--audience", help="Who it is for (all staff, managers, IT team…)."),
    level: str = typer.Option("general", "--level", help="general, manager or technical."),
    channel: str = typer.Option(
        "intranet", "--channel", help="intranet, email, newsletter, poster, meeting."
    ),
    on: str = typer.Option(None, "--date", help="Planned on (default: today)."),
    action: int = typer.Option(None, "--action", help="Draft the text from this action's template."),
    body: str = typer.Option(None, "--body", help="The text (instead of a drafted one)."),
    lang: str = typer.Option("fr", "--lang"),
    home: str = HOME,
) -> None:
    from sobre.strategy import people

    with session_scope(database_url(ctx, home)) as s:
        people.plan_message(
            s,
            org,
            title,
            audience=audience,
            level=level,
            channel=channel,
            planned_on=_day(on, "--date"),
            action_id=action,
            body=body,
            lang=lang,
        )
    console.print("Message planned.")


@comms_app.command("list")
@friendly_errors
def comms_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.strategy import people

    def show(rows: list[dict[str, Any]]) -> None:
        for m in rows:
            console.print(
                f"{m['planned_on']} [{m['channel']}, {m['audience']}, {m['level']}] {m['title']}"
                f"\n  {m['body']}"
            )

    listing(ctx, home, lambda s: people.messages(s, org), as_json=as_json, show=show)


@training_app.command("module")
@friendly_errors
def training_module(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = ORG,
    audience: str = typer.Option("all staff", "--audience"),
    hours: float = typer.Option(2.0, "--hours"),
    home: str = HOME,
) -> None:
    from sobre.strategy import people

    with session_scope(database_url(ctx, home)) as s:
        people.add_module(s, org, title, audience, hours)
    console.print(f"Module {title!r} added.")


@training_app.command("session")
@friendly_errors
def training_session(
    ctx: typer.Context,
    module: str = typer.Argument(...),
    org: str = ORG,
    on: str = typer.Option(None, "--date"),
    trainer: str = typer.Option("", "--trainer"),
    place: str = typer.Option("", "--place"),
    home: str = HOME,
) -> None:
    from sobre.strategy import people

    with session_scope(database_url(ctx, home)) as s:
        sid = people.add_session(s, org, module, _day(on, "--date"), trainer, place)
    console.print(f"Session {sid} planned.")


@training_app.command("list")
@friendly_errors
def training_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    """The training modules with their sessions and how many attended each."""
    from sobre.strategy import people

    def show(modules: list[dict[str, Any]]) -> None:
        for m in modules:
            console.print(f"{m['id']}. {m['title']} ({m['audience']}, {m['hours']:g} h)")
            for ts in m["sessions"]:
                console.print(f"   session {ts['id']} on {ts['held_on']}: {ts['attended']} attended")

    listing(ctx, home, lambda s: people.training(s, org), as_json=as_json, show=show)


@training_app.command("attend")
@friendly_errors
def training_attend(
    ctx: typer.Context,
    session_id: int = typer.Argument(...),
    org: str = ORG,
    person: list[str] = typer.Option([], "--person", help="Who attended (repeat)."),
    file: Path = typer.Option(None, "--file", help="A CSV with columns person[,department]."),
    home: str = HOME,
) -> None:
    """Record who attended a session."""
    import csv

    from sobre.strategy import people

    pairs = [(p, "") for p in person]
    if file is not None:
        try:
            with file.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                if not reader.fieldnames or "person" not in reader.fieldnames:
                    raise InputError("no 'person' column", file=str(file), column="person", value="")
                pairs += [(r["person"] or "", r.get("department") or "") for r in reader]
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror}", file=str(file)) from None
    with session_scope(database_url(ctx, home)) as s:
        added = people.record_attendance(s, org, session_id, pairs)
    console.print(f"{added} attendances recorded.")


@referent_app.command("add")
@friendly_errors
def referent_add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    org: str = ORG,
    email: str = typer.Option(..., "--email"),
    site: str = typer.Option("", "--site"),
    department: str = typer.Option("", "--department"),
    mission: str = typer.Option("", "--mission"),
    home: str = HOME,
) -> None:
    from sobre.strategy import people

    with session_scope(database_url(ctx, home)) as s:
        people.add_referent(s, org, name, email, site=site, department=department, mission=mission)
    console.print(f"Referent {name!r} added.")


@referent_app.command("feedback")
@friendly_errors
def referent_feedback(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The referent's e-mail."),
    text: str = typer.Argument(...),
    org: str = ORG,
    kind: str = typer.Option("idea", "--kind", help="idea, problem or result."),
    on: str = typer.Option(None, "--date"),
    home: str = HOME,
) -> None:
    """Log a feedback entry from a referent."""
    from sobre.strategy import people

    with session_scope(database_url(ctx, home)) as s:
        fid = people.log_feedback(s, org, email, text, kind, _day(on, "--date"))
    console.print(f"Feedback {fid} logged.")


@referent_app.command("act")
@friendly_errors
def referent_act(
    ctx: typer.Context,
    feedback_id: int = typer.Argument(...),
    org: str = ORG,
    new: str = typer.Option(None, "--new-action", help="Create an action of this title from the feedback."),
    adjust: int = typer.Option(None, "--adjust", help="Adjust this action with the feedback."),
    status: str = typer.Option(None, "--status", help="New status of the adjusted action."),
    home: str = HOME,
) -> None:
    """Turn a feedback entry into a new action, or adjust an existing one with it."""
    from sobre.strategy import people

    if (new is None) == (adjust is None):
        raise InputError("give --new-action or --adjust", column="--new-action", value="")
    with session_scope(database_url(ctx, home)) as s:
        if new is not None:
            aid = people.feedback_to_action(s, org, feedback_id, new)
        else:
            people.feedback_adjusts(s, org, feedback_id, adjust, status=status)
            aid = adjust
    console.print(f"Feedback {feedback_id} → action {aid}.")


@referent_app.command("list")
@friendly_errors
def referent_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.strategy import people

    def show(data: dict[str, Any]) -> None:
        for r in data["referents"]:
            console.print(f"{r['name']} <{r['email']}> {r['site']} {r['department']}: {r['mission']}")
        for f in data["feedback"]:
            console.print(f"  #{f['id']} {f['on']} {f['referent']} ({f['kind']}, {f['status']}): {f['text']}")

    listing(
        ctx,
        home,
        lambda s: {"referents": people.referents(s, org), "feedback": people.feedback_log(s, org)},
        as_json=as_json,
        show=show,
    )


def register(strategy_app: typer.Typer) -> None:
    strategy_app.add_typer(comms_app, name="comms")
    strategy_app.add_typer(training_app, name="training")
    strategy_app.add_typer(referent_app, name="referent")
