"""The shared list command: one use case in one session, its result as JSON or as the command shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from sobre.core.cli_support import friendly_errors, listing, print_listing
from sobre.core.errors import InputError

runner = CliRunner()


def _app(opened: list[str], views: list[Any]) -> typer.Typer:
    app = typer.Typer()

    @contextmanager
    def session(url: str) -> Iterator[Any]:
        opened.append("open")
        yield "the session"
        opened.append("closed")

    def fetch(s: Any) -> list[Any]:
        assert s == "the session"
        if not views:
            raise InputError("nothing here", column="--org", value="x")
        return views

    def show(rows: list[Any]) -> None:
        assert opened[-1] == "closed"  # the table is printed once the session is closed
        for r in rows:
            typer.echo(f"- {r['name']}")

    def to_json(rows: list[Any]) -> list[Any]:
        assert opened[-1] == "open"  # views are turned into JSON while their session is open
        return [{**r, "seen": True} for r in rows]

    @app.command()
    @friendly_errors
    def things(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
        listing(ctx, None, fetch, as_json=as_json, show=show, to_json=to_json, session=session)

    return app


def test_table_or_json_from_one_session(home: Path) -> None:
    opened: list[str] = []
    app = _app(opened, [{"name": "a"}, {"name": "b"}])
    result = runner.invoke(app, [])
    assert (result.exit_code, result.output) == (0, "- a\n- b\n")
    assert opened == ["open", "closed"]
    result = runner.invoke(app, ["--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == [{"name": "a", "seen": True}, {"name": "b", "seen": True}]


def test_refusal_of_the_use_case_is_one_line(home: Path) -> None:
    result = runner.invoke(_app([], []), [])
    assert result.exit_code != 0
    assert "nothing here" in result.output and "Traceback" not in result.output


def test_print_listing(capsys: Any) -> None:
    print_listing([1.5, float("nan")], True, lambda rows: print("never"))
    assert json.loads(capsys.readouterr().out) == [1.5, None]
    print_listing([1, 2], False, lambda rows: print(sum(rows)), to_json=lambda rows: "never")
    assert capsys.readouterr().out == "3\n"
