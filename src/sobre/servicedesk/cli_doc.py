"""``sobre doc …``: the technical documentation of inventory items, their encrypted confidential fields,
the key file, and preventive maintenance plans."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, err_console, friendly_errors, print_json, settings
from sobre.core.errors import InputError, SobreError
from sobre.servicedesk.cli_support import HOME, JSON, ORG, actor, org_listing, org_session, pairs

doc_app = typer.Typer(
    help="Technical documentation of inventory items: settings, procedures, contacts, "
    "maintenance, encrypted confidential fields.",
    no_args_is_help=True,
)
secret_app = typer.Typer(
    help="Confidential fields (passwords, keys, licences), encrypted at rest.", no_args_is_help=True
)
key_app = typer.Typer(
    help="The key file of the confidential fields: status, rotation, retirement, backup.",
    no_args_is_help=True,
)
doc_app.add_typer(secret_app, name="secret")
doc_app.add_typer(key_app, name="key")
KIND = typer.Argument(..., help="equipment, vm, application, service, site or cloud.")
NAME = typer.Argument(..., help="The item's inventory name.")


def _vault(ctx: typer.Context, home: str | None):  # type: ignore[no-untyped-def]
    from sobre.servicedesk.vault import Vault

    return Vault.for_home(settings(ctx, home).home)


def _day(text: str, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("not a date", column=column, value=text, expected="2026-03-31") from None


@doc_app.command("set")
@friendly_errors
def set_(
    ctx: typer.Context,
    kind: str = KIND,
    name: str = NAME,
    org: str = ORG,
    setting: list[str] = typer.Option(None, "--setting", help="KEY=VALUE, e.g. ip=10.0.12.5 (repeatable)."),
    unset: list[str] = typer.Option(None, "--unset", help="A setting to remove (repeatable)."),
    procedures: Path = typer.Option(None, "--procedures", help="A Markdown file of procedures."),
    contact: list[str] = typer.Option(
        None, "--contact", help="NAME;ROLE;PHONE;E-MAIL (repeatable; replaces)."
    ),
    notes: str = typer.Option(None, "--notes"),
    home: str = HOME,
) -> None:
    """Write an item's documentation (settings are merged)."""
    from sobre.servicedesk import techdoc

    contacts = None
    if contact:
        contacts = [
            dict(zip(("name", "role", "phone", "email"), (p.strip() for p in c.split(";")), strict=False))
            for c in contact
        ]
    with org_session(ctx, org, home) as (s, oid):
        techdoc.write(
            s,
            oid,
            kind,
            name,
            actor=actor(),
            settings=pairs(setting, "--setting"),
            unset=unset,
            procedures=procedures.read_text(encoding="utf-8") if procedures else None,
            contacts=contacts,
            notes=notes,
        )
        console.print(Text(f"Documentation of {kind} {name} saved"))


@doc_app.command("show")
@friendly_errors
def show(
    ctx: typer.Context,
    kind: str = KIND,
    name: str = NAME,
    org: str = ORG,
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """An item's documentation; confidential fields by name only."""
    from sobre.servicedesk import techdoc

    def show(data: Any) -> None:
        console.print(Text(f"{kind} {name}", style="bold"))
        for k, v in data["settings"].items():
            console.print(Text(f"  {k} = {v}"))
        for c in data["contacts"]:
            console.print(Text("  contact: " + ", ".join(str(v) for v in c.values() if v)))
        for sec in data["secrets"]:
            console.print(
                Text(f"  {sec['name']} ({sec['kind']}): ******** — readable by {', '.join(sec['roles'])}")
            )
        for m in data["maintenance"]:
            console.print(
                Text(f"  maintenance: {m['title']} every {m['every']} {m['unit']}, next {m['next_due']}")
            )
        if data["procedures"]:
            console.print(Text(data["procedures"]))

    org_listing(ctx, org, home, lambda s, oid: techdoc.view(s, oid, kind, name), as_json=as_json, show=show)


@doc_app.command("list")
@friendly_errors
def list_(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.servicedesk import techdoc

    def show(rows: Any) -> None:
        for r in rows:
            console.print(Text(f"{r['kind']} {r['name']} ({len(r['settings'])} settings)"))

    org_listing(ctx, org, home, lambda s, oid: techdoc.records(s, oid), as_json=as_json, show=show)


@secret_app.command("set")
@friendly_errors
def secret_set(
    ctx: typer.Context,
    kind: str = KIND,
    name: str = NAME,
    field: str = typer.Argument(..., help="e.g. root."),
    org: str = ORG,
    secret_kind: str = typer.Option("password", "--kind", help="password, key, licence, certificate, other."),
    roles: str = typer.Option(None, "--roles", help="Roles that may read it (default admin,technician)."),
    stdin: bool = typer.Option(False, "--stdin", help="Read the value from standard input (scripts)."),
    home: str = HOME,
) -> None:
    """Store a confidential field, encrypted; the value is asked for (never given on the command line, where
    the shell history would keep it)."""
    from sobre.servicedesk import techdoc

    if stdin:
        value = sys.stdin.read().rstrip("\n")
    else:
        value = typer.prompt(f"{field}", hide_input=True, confirmation_prompt=True)
    with org_session(ctx, org, home) as (s, oid):
        techdoc.set_secret(
            s,
            _vault(ctx, home),
            oid,
            kind,
            name,
            field,
            value,
            actor=actor(),
            secret_kind=secret_kind,
            roles=roles.split(",") if roles else None,
        )
        console.print(Text(f"{field} of {kind} {name} stored, encrypted"))


@secret_app.command("reveal")
@friendly_errors
def secret_reveal(
    ctx: typer.Context,
    kind: str = KIND,
    name: str = NAME,
    field: str = typer.Argument(...),
    org: str = ORG,
    home: str = HOME,
) -> None:
    """Print a confidential field (the operator holds the key file); the reveal is logged."""
    from sobre.servicedesk import techdoc

    with org_session(ctx, org, home) as (s, oid):
        result = techdoc.reveal(
            s, _vault(ctx, home), oid, kind, name, field, actor=actor(), role=techdoc.OPERATOR
        )
    if not result.granted or result.value is None:
        raise SobreError(result.reason)
    err_console.print(Text(f"Revealed {field} of {kind} {name}; this reveal is logged."))
    sys.stdout.write(result.value + "\n")


@secret_app.command("delete")
@friendly_errors
def secret_delete(
    ctx: typer.Context,
    kind: str = KIND,
    name: str = NAME,
    field: str = typer.Argument(...),
    org: str = ORG,
    home: str = HOME,
) -> None:
    from sobre.servicedesk import techdoc

    with org_session(ctx, org, home) as (s, oid):
        techdoc.delete_secret(s, oid, kind, name, field)
        console.print(Text(f"{field} of {kind} {name} deleted"))


@secret_app.command("log")
@friendly_errors
def secret_log(
    ctx: typer.Context,
    org: str = ORG,
    limit: int = typer.Option(100, "--limit"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Who read (or tried to read) which confidential field, and when."""
    from sobre.servicedesk import techdoc

    def show(rows: Any) -> None:
        table = Table("at", "who", "role", "field", "result")
        for r in rows:
            table.add_row(
                r["at"],
                Text(r["actor"]),
                r["role"] or "",
                Text(r["field"]),
                "read" if r["granted"] else "refused",
            )
        console.print(table)

    org_listing(
        ctx, org, home, lambda s, oid: techdoc.reveals(s, oid, limit=limit), as_json=as_json, show=show
    )


@key_app.command("status")
@friendly_errors
def key_status(ctx: typer.Context, as_json: bool = JSON, home: str = HOME) -> None:
    """Where the key file is, its keys (ids only) and how many values each encrypts."""
    from sobre.core.db import session_scope
    from sobre.servicedesk import techdoc

    vault = _vault(ctx, home)
    keys = vault.load()
    with session_scope(settings(ctx, home).database_url) as s:
        used = techdoc.keys_in_use(s)
    data: dict[str, Any] = {
        "path": str(vault.path),
        "keys": [
            {"id": k.id, "created": k.created, "current": i == 0, "values": used.get(k.id, 0)}
            for i, k in enumerate(keys)
        ],
    }
    if as_json:
        print_json(data)
        return
    console.print(Text(f"Key file: {vault.path}"))
    for k in data["keys"]:
        console.print(
            Text(
                f"  {k['id']} created {k['created']}{' (current)' if k['current'] else ''}: "
                f"{k['values']} value(s)"
            )
        )


@key_app.command("rotate")
@friendly_errors
def key_rotate(ctx: typer.Context, home: str = HOME) -> None:
    """Add a new key and re-encrypt every confidential field with it (old keys stay, for older backups)."""
    from sobre.core.db import session_scope
    from sobre.servicedesk import techdoc

    vault = _vault(ctx, home)
    new = vault.rotate()
    with session_scope(settings(ctx, home).database_url) as s:
        n = techdoc.reencrypt_all(s, vault)
    console.print(Text(f"New key {new.id}; {n} value(s) re-encrypted. Back up {vault.path} now."))


@key_app.command("retire")
@friendly_errors
def key_retire(ctx: typer.Context, key_id: str = typer.Argument(...), home: str = HOME) -> None:
    """Drop an old key once no value and no backup you keep still needs it."""
    from sobre.core.db import session_scope
    from sobre.servicedesk import techdoc

    vault = _vault(ctx, home)
    with session_scope(settings(ctx, home).database_url) as s:
        techdoc.retire_key(s, vault, key_id)
    console.print(Text(f"Key {key_id} retired"))


@key_app.command("backup")
@friendly_errors
def key_backup(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A new file, on other storage."),
    home: str = HOME,
) -> None:
    """Copy the key file (mode 0600) for safekeeping apart from the database backups."""
    written = _vault(ctx, home).backup(path)
    console.print(Text(f"Key file copied to {written}; keep it apart from the database backups."))


@doc_app.command("plan")
@friendly_errors
def plan(
    ctx: typer.Context,
    kind: str = KIND,
    name: str = NAME,
    title: str = typer.Argument(...),
    org: str = ORG,
    every: int = typer.Option(..., "--every"),
    unit: str = typer.Option("months", "--unit", help="days, weeks, months, years."),
    first: str = typer.Option(..., "--first", help="First due date (2026-03-31)."),
    assignee: str = typer.Option(None, "--assignee"),
    procedure: str = typer.Option(None, "--procedure"),
    home: str = HOME,
) -> None:
    """Add a preventive task to an item's maintenance plan."""
    from sobre.servicedesk import techdoc

    with org_session(ctx, org, home) as (s, oid):
        m = techdoc.plan(
            s,
            oid,
            kind,
            name,
            title,
            every=every,
            unit=unit,
            first_due=_day(first, "--first"),
            assignee=assignee,
            procedure=procedure,
        )
        console.print(Text(f"Task {m.id}: {m.title}, every {m.every} {m.unit}, first {m.next_due}"))


@doc_app.command("done")
@friendly_errors
def done(
    ctx: typer.Context,
    task_id: int = typer.Argument(...),
    org: str = ORG,
    on: str = typer.Option(None, "--on", help="Default: today."),
    home: str = HOME,
) -> None:
    from sobre.servicedesk import techdoc

    with org_session(ctx, org, home) as (s, oid):
        m = techdoc.done(s, oid, task_id, _day(on, "--on") if on else date.today())
        console.print(Text(f"{m.title}: next on {m.next_due}"))


@doc_app.command("due")
@friendly_errors
def due(
    ctx: typer.Context,
    org: str = ORG,
    within: int = typer.Option(30, "--within", help="Days ahead."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Preventive tasks due soon, overdue first."""
    from sobre.servicedesk import techdoc

    def show(rows: Any) -> None:
        for r in rows:
            flag = "OVERDUE " if r["overdue"] else ""
            console.print(
                Text(
                    f"{flag}{r['next_due']} [{r['id']}] {r['item']['kind']} {r['item']['name']}: {r['title']}"
                )
            )

    org_listing(
        ctx,
        org,
        home,
        lambda s, oid: techdoc.due(s, oid, date.today(), within_days=within),
        as_json=as_json,
        show=show,
    )
