"""CLI and environment errors: one clear line and a non-zero exit code, never a traceback."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sobre.cli import app

runner = CliRunner()


def _clean(result: Result, code: int, *words: str) -> None:
    """Exit ``code``, a one-line message holding ``words``, no traceback, no exception escaped."""
    output = result.output
    assert result.exit_code == code, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    for word in words:
        assert word in output, (word, output)


@pytest.fixture
def org(home: Path, tmp_path: Path) -> Path:
    assert runner.invoke(app, ["org", "create", "Acme"]).exit_code == 0
    path = tmp_path / "eq.csv"
    path.write_text("name;category;quantity\npc-1;laptop;1\npc-2;laptop;x\n", encoding="utf-8")
    return path


def test_unknown_formats_and_kinds(org: Path) -> None:
    _clean(
        runner.invoke(app, ["import", str(org), "--org", "Acme", "--format", "excel"]), 2, "--format", "excel"
    )
    _clean(
        runner.invoke(app, ["import", str(org), "--org", "Acme", "--kind", "robots"]), 2, "--kind", "robots"
    )
    _clean(runner.invoke(app, ["import", str(org), "--org", "Acme", "--item-type", "Car"]), 2, "--item-type")
    _clean(runner.invoke(app, ["import", str(org), "--org", "Acme", "--site-level", "0"]), 2, "--site-level")
    _clean(runner.invoke(app, ["export", "x.csv", "--org", "Acme", "--format", "pdf"]), 2, "--format", "pdf")
    _clean(runner.invoke(app, ["import", str(org), "--org", "Acme", "--reference-date", "soon"]), 2, "soon")
    r = runner.invoke(app, ["import", str(org), "--org", "Acme", "--format", "excel", "--json"])
    assert r.exit_code == 2 and '"exit_code": 2' in r.stdout


def test_output_and_rejects_paths(org: Path, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("x")
    for option in (["--rejects"], None):
        for target, word in [(folder, "folder"), (a_file / "under.csv", "which is a file")]:
            if option is None:
                args = ["export", str(target), "--org", "Acme"]
            else:
                args = ["import", str(org), "--org", "Acme", *option, str(target)]
            _clean(runner.invoke(app, args), 2, word)
    for command in (["report", "diagnosis"], ["report", "export", "--format", "csv"]):
        _clean(runner.invoke(app, [*command, "--org", "Acme", "--out", str(a_file / "r.html")]), 2, "a file")
        _clean(runner.invoke(app, [*command, "--org", "Acme", "--out", "/proc/x/r.html"]), 2, "not writable")
    # A pseudo file system where nothing can be created.
    _clean(runner.invoke(app, ["export", "/proc/sobre-test/out.csv", "--org", "Acme"]), 2, "not writable")
    _clean(
        runner.invoke(app, ["import", str(org), "--org", "Acme", "--rejects", "/proc/self/rejects.csv"]),
        2,
        "not writable",
    )


def test_home_that_is_a_file_or_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOBRE_DATABASE_URL", raising=False)
    a_file = tmp_path / "home.txt"
    a_file.write_text("not a folder")
    _clean(runner.invoke(app, ["--home", str(a_file), "org", "list"]), 1, "is a file")
    _clean(runner.invoke(app, ["--home", "", "org", "list"]), 1, "empty")
    _clean(runner.invoke(app, ["--home", str(a_file / "below"), "org", "list"]), 1, "data folder")
    monkeypatch.setenv("SOBRE_HOME", str(a_file))
    _clean(runner.invoke(app, ["org", "list"]), 1, "is a file")


def test_corrupt_and_read_only_databases(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home.mkdir(parents=True, exist_ok=True)  # the fixture made it, with a database
    (home / "sobre.db").write_bytes(b"this is not a database at all" * 100)
    _clean(runner.invoke(app, ["org", "list"]), 1, "not a Sobre database or is corrupt")
    (home / "sobre.db").unlink()
    assert runner.invoke(app, ["org", "create", "Acme"]).exit_code == 0
    db = home / "sobre.db"
    monkeypatch.setenv("SOBRE_DATABASE_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    _clean(runner.invoke(app, ["org", "create", "Other"]), 1, "read-only")
    # A database cut in half (a copy interrupted): still one line.
    monkeypatch.delenv("SOBRE_DATABASE_URL")
    data = db.read_bytes()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.write_bytes(data[: len(data) // 3] + b"\x00garbage" * 500)
    r = runner.invoke(app, ["org", "list"])
    _clean(r, 1, "Error:")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url at all", ["malformed"]),
        ("mysql://user:pw@localhost/sobre", ["unsupported database", "mysql"]),
        ("oracle://scott:tiger@db/x", ["unsupported database"]),
        ("postgresql://sobre:secret@127.0.0.1:{port}/sobre", ["cannot reach the PostgreSQL database"]),
        ("postgresql://sobre:secret@127.0.0.1:notaport/sobre", ["malformed"]),
        ("   ", ["empty"]),
    ],
)
def test_bad_database_urls(home: Path, monkeypatch: pytest.MonkeyPatch, url: str, words: list[str]) -> None:
    monkeypatch.setenv("SOBRE_DATABASE_URL", url.format(port=_free_port()))
    r = runner.invoke(app, ["org", "list"])
    _clean(r, 1, *words)
    assert "secret" not in r.output  # a password never reaches the terminal


def test_special_files_are_refused_without_hanging(org: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # reading it would block for ever
    for path, word in [
        (fifo, "not a regular file"),
        (Path("/dev/zero"), "not a regular file"),
        (tmp_path, "folder"),
        (tmp_path / "missing.csv", "file not found"),
    ]:
        _clean(runner.invoke(app, ["import", str(path), "--org", "Acme"]), 2, word)


def test_refused_numbers_and_countries(home: Path) -> None:
    _clean(runner.invoke(app, ["org", "create", "X", "--employees", "-5"]), 2, "--employees", "negative")
    _clean(runner.invoke(app, ["org", "create", "X", "--inhabitants", "-1"]), 2, "--inhabitants")
    _clean(
        runner.invoke(app, ["org", "create", "X", "--country", "Atlantis"]), 2, "unknown country", "Atlantis"
    )
    assert runner.invoke(app, ["org", "create", "X", "--country", "Allemagne"]).exit_code == 0
    _clean(runner.invoke(app, ["inventory", "list", "--org", "X", "--limit", "0"]), 2, "--limit")
    _clean(runner.invoke(app, ["inventory", "list", "--org", "X", "--limit", "-3"]), 2, "--limit")


def test_data_never_drives_the_terminal(home: Path, tmp_path: Path) -> None:
    """Markup and escape sequences in data or in error messages are shown inert."""
    _clean(runner.invoke(app, ["import", str(tmp_path / "x.csv"), "--org", "[red]Evil[/red]"]), 2, "x.csv")
    r = runner.invoke(app, ["inventory", "list", "--org", "[bold]Nobody[/bold]"])
    _clean(r, 1, "[bold]Nobody[/bold]")
    assert runner.invoke(app, ["org", "create", "Acme"]).exit_code == 0
    path = tmp_path / "evil.csv"
    path.write_text(
        'name;type;status\n"\x1b]0;pwned\x07[red]pc\x1b[2J";laptop;in_use\nok;\x1b[31mGizmo;in_use\n',
        encoding="utf-8",
    )
    r = runner.invoke(app, ["import", str(path), "--org", "Acme"])
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.output and "Gizmo" in r.output  # the unknown type is named, inert
    r = runner.invoke(app, ["inventory", "list", "--org", "Acme"], env={"COLUMNS": "200"})
    assert "\x1b" not in r.stdout and "[red]pc" in r.stdout
