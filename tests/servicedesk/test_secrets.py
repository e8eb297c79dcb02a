"""Confidential fields: unreadable in the database file and its backups, readable by an allowed role,
refused to the others, every attempt logged; key file permissions, rotation, tampering."""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.servicedesk import techdoc
from sobre.servicedesk.models import DocSecret
from sobre.servicedesk.vault import Vault, VaultError
from tests.pgserver import PgServer, _pg_bin

SECRET = "Ch3val-Rouge-sécurisé-7421"


def _needles() -> list[bytes]:
    raw = SECRET.encode()
    return [
        raw,
        SECRET.encode("utf-16-le"),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
    ]


def _assert_absent(blob: bytes, where: str) -> None:
    for needle in _needles():
        assert needle not in blob, f"the secret is readable in {where}"


def _store(url: str, oid: int, vault: Vault) -> None:
    with session_scope(url) as s:
        techdoc.write(
            s,
            oid,
            "equipment",
            "srv-db-01",
            actor="tech1",
            settings={"ip": "10.0.12.5", "os": "Debian 12", "ansible_user": "admin"},
            procedures="Redémarrer PostgreSQL : systemctl restart postgresql",
            contacts=[{"name": "Infogérant", "role": "astreinte", "phone": "+33 4 00 00 00 00"}],
        )
        techdoc.set_secret(
            s,
            vault,
            oid,
            "equipment",
            "srv-db-01",
            "root",
            SECRET,
            actor="tech1",
            roles=["admin", "technician"],
        )


def test_a_confidential_field_is_unreadable_at_rest_and_in_backups(
    estate: tuple[str, int], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url, oid = estate
    vault = Vault(tmp_path / "keys" / "servicedesk.keys")
    _store(url, oid, vault)
    assert oct(vault.path.stat().st_mode & 0o777) == "0o600"
    with session_scope(url) as s:
        stored = s.scalar(sa.select(DocSecret.ciphertext))
        assert stored and stored.startswith("v1.")
    if url.startswith("sqlite"):
        db_file = Path(url.removeprefix("sqlite:///"))
        get_engine(url).dispose()  # checkpoint the write-ahead log into the file
        for f in db_file.parent.glob(db_file.name + "*"):  # the file, its -wal and -shm
            _assert_absent(f.read_bytes(), f.name)
        backup = tmp_path / "backup.db"
        with sqlite3.connect(db_file) as src, sqlite3.connect(backup) as dst:
            src.backup(dst)
        _assert_absent(backup.read_bytes(), "a SQLite backup")
        with sqlite3.connect(db_file) as src:
            dump = "\n".join(src.iterdump()).encode()
        assert b"v1." in dump
        _assert_absent(dump, "an SQL dump")
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        dbname = url.rsplit("/", 1)[1]
        dump = subprocess.run(
            [_pg_bin("pg_dump"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", dbname],
            capture_output=True,
            check=True,
        ).stdout
        assert b"sd_doc_secret" in dump and b"v1." in dump
        _assert_absent(dump, "pg_dump")
        with get_engine(url).begin() as conn:
            conn.execute(sa.text("CHECKPOINT"))
        for root, _dirs, files in os.walk(server.data / "base"):
            for name in files:
                _assert_absent((Path(root) / name).read_bytes(), f"the data file {name}")
    # The settings, procedures and contacts are plain (not confidential) and stay readable.
    with session_scope(url) as s:
        page = techdoc.view(s, oid, "equipment", "srv-db-01")
        assert page["settings"]["ip"] == "10.0.12.5"
        assert page["secrets"] == [
            {
                "name": "root",
                "kind": "password",
                "roles": ["admin", "technician"],
                "updated_at": page["secrets"][0]["updated_at"],
                "updated_by": "tech1",
            }
        ]
        assert SECRET not in str(page)


def test_allowed_roles_read_it_others_are_refused_and_every_attempt_is_logged(
    estate: tuple[str, int], tmp_path: Path
) -> None:
    url, oid = estate
    vault = Vault(tmp_path / "keys")
    _store(url, oid, vault)
    with session_scope(url) as s:
        ok = techdoc.reveal(
            s, vault, oid, "equipment", "srv-db-01", "root", actor="tech1@ville.fr", role="technician"
        )
        assert ok.granted and ok.value == SECRET
        for role in ("viewer", "referent", "manager", None):
            no = techdoc.reveal(
                s, vault, oid, "equipment", "srv-db-01", "root", actor="curious@ville.fr", role=role
            )
            assert not no.granted and no.value is None and "may not read" in no.reason
        cli = techdoc.reveal(
            s, vault, oid, "equipment", "srv-db-01", "root", actor="cli:root", role=techdoc.OPERATOR
        )
        assert cli.value == SECRET
    with session_scope(url) as s:
        log = techdoc.reveals(s, oid)
    assert [(e["actor"], e["role"], e["granted"]) for e in reversed(log)] == [
        ("tech1@ville.fr", "technician", True),
        ("curious@ville.fr", "viewer", False),
        ("curious@ville.fr", "referent", False),
        ("curious@ville.fr", "manager", False),
        ("curious@ville.fr", None, False),
        ("cli:root", "operator", True),
    ]
    assert all(e["field"] == "equipment srv-db-01 / root" for e in log)


def test_keys_outside_the_database(
    estate: tuple[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, oid = estate
    vault = Vault(tmp_path / "keys" / "servicedesk.keys")
    _store(url, oid, vault)
    # Without the key file (a stolen database or backup), nothing decrypts.
    with session_scope(url) as s:
        other = Vault(tmp_path / "elsewhere" / "servicedesk.keys")
        with pytest.raises(VaultError, match="not in"):
            techdoc.reveal(s, other, oid, "equipment", "srv-db-01", "root", actor="thief", role="admin")
    # A key file others may read is refused.
    vault.path.chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        vault.load()
    vault.path.chmod(0o600)
    # SOBRE_KEY_FILE points elsewhere (another disk, a secrets mount).
    monkeypatch.setenv("SOBRE_KEY_FILE", str(tmp_path / "mount" / "k"))
    assert Vault.for_home(tmp_path).path == tmp_path / "mount" / "k"


def test_rotation_backup_retirement_and_tampering(estate: tuple[str, int], tmp_path: Path) -> None:
    url, oid = estate
    vault = Vault(tmp_path / "keys" / "servicedesk.keys")
    _store(url, oid, vault)
    saved = vault.backup(tmp_path / "safe" / "keys.backup")
    old = vault.load()[0].id
    new = vault.rotate()
    with session_scope(url) as s:
        assert techdoc.reencrypt_all(s, vault) == 1
        assert techdoc.keys_in_use(s) == {new.id: 1}
        techdoc.retire_key(s, vault, old)
        assert [k.id for k in vault.load()] == [new.id]
        assert (
            techdoc.reveal(s, vault, oid, "equipment", "srv-db-01", "root", actor="a", role="admin").value
            == SECRET
        )
        with pytest.raises(VaultError, match="not in"):  # the old key file no longer opens the new values
            techdoc.reveal(s, Vault(saved), oid, "equipment", "srv-db-01", "root", actor="a", role="admin")
        with pytest.raises(Exception, match="current key"):
            techdoc.retire_key(s, vault, new.id)
        # A ciphertext moved onto another field does not decrypt.
        techdoc.set_secret(s, vault, oid, "equipment", "srv-app-01", "root", "other", actor="a")
        rows = {r.record_id: r for r in s.scalars(sa.select(DocSecret))}
        first, second = sorted(rows)
        rows[second].ciphertext = rows[first].ciphertext
        s.flush()
        with pytest.raises(VaultError, match="altered or moved"):
            techdoc.reveal(s, vault, oid, "equipment", "srv-app-01", "root", actor="a", role="admin")
