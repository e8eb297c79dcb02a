"""The local scanner on a generated share: exact findings, no change to the tree, stop and resume."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest

from sobre.core.errors import InputError, SobreError
from sobre.datasobriety import rot, scanner
from sobre.datasobriety.scanner import ScanOptions, ScanStopped, TreeScanner, scan_tree
from tests.datasobriety.tree import AS_OF, Expected, snapshot


def _opts(**kw: object) -> ScanOptions:
    return ScanOptions(as_of=AS_OF, **kw)  # type: ignore[arg-type]


def test_exact_findings(share: tuple[Path, Expected]) -> None:
    root, ex = share
    f = scan_tree(root, _opts())
    doc = rot.to_json(f)
    assert sorted(doc["duplicate_groups"]) == ex.groups
    assert doc["reclaimable_bytes"] == ex.reclaimable == 2 * 300_000 + 1360
    assert doc["obsolete"] == ex.obsolete
    assert doc["trivial"] == ex.trivial
    assert doc["empty"] == ex.empty
    assert doc["orphans"] is None  # no users given: unknown, not "none"
    assert doc["totals"]["orphans"] == {"count": None, "bytes": None}
    # every regular file once, the hard link included; the four symbolic links skipped, none followed
    assert doc["files"] == len(ex.files)
    assert doc["skipped"] == {"symlinks": 4}
    assert doc["unreadable"] == [] and doc["unverified"] == []


def test_decoys_and_hard_links_are_not_duplicates(share: tuple[Path, Expected]) -> None:
    root, _ = share
    groups = [g.paths for g in scan_tree(root, _opts()).duplicate_groups]
    flat = {p for g in groups for p in g}
    # same size, same first and last 4 KiB, one byte different in the middle
    assert "finance/budget-2024-v2.xlsx" not in flat
    assert "users/bob/cr-conseil-modifie.txt" not in flat
    # two names of one file: never a reclaimable pair
    assert not {"photos/fete.jpg", "photos/fete-lien.jpg"} & flat
    # a hard link of a duplicated file is reported as a link of its copy, not as one more copy
    f = scan_tree(root, _opts())
    big = f.duplicate_groups[0]
    assert big.reclaimable_bytes == 2 * 300_000
    links = {d.path: d.links for d in big.files}
    assert links["finance/budget-2024.xlsx"] == ("finance/budget-final.xlsx",)


def test_paths_relative_with_slashes_and_detail(share: tuple[Path, Expected]) -> None:
    root, _ = share
    doc = rot.to_json(scan_tree(root, _opts()), detail=True)
    text = json.dumps(doc)
    assert str(root) not in text and "\\\\" not in text
    old = {d["path"]: d for d in doc["details"]["obsolete"]}["mairie/cr-conseil.txt"]
    assert old["size"] == 1360 and old["mtime"] == "2021-06-01T00:00:00Z" and old["age_days"] == 2009.0
    trivial = {d["path"]: d["pattern"] for d in doc["details"]["trivial"]}
    assert trivial["projets/p01/export.TMP"] == "*.tmp"  # case-insensitive
    assert trivial["users/alice/~$rapport.docx"] == "~$*"


def test_scan_changes_nothing(share: tuple[Path, Expected]) -> None:
    root, ex = share
    before = snapshot(root, ex)
    scan_tree(root, _opts(threads=3))
    assert snapshot(root, ex) == before  # sizes, modification times and access times all kept


def test_orphans_and_retention(share: tuple[Path, Expected]) -> None:
    root, ex = share
    owner = pwd.getpwuid(os.getuid()).pw_name
    f = scan_tree(root, _opts(known_users=frozenset({"someone-else"})))
    assert f.orphans is not None and len(f.orphans) == len(ex.files)
    f = scan_tree(root, _opts(known_users=frozenset({f"CORP\\{owner.upper()}"})))
    assert f.orphans == []
    rules = (
        rot.RetentionRule("minutes", "2y", ("mairie/cr-*",)),
        rot.RetentionRule("binaries", "3y", ("*.bin",)),
    )
    f = scan_tree(root, _opts(retention=rules))
    got = {i.path: i.reason for i in f.retention}
    assert got["mairie/cr-conseil.txt"] == "minutes"
    assert {p for p, r in got.items() if r == "binaries"} == {p for p in ex.obsolete if p.endswith(".bin")}


def test_stop_and_resume_gives_the_same_findings(share: tuple[Path, Expected], tmp_path: Path) -> None:
    root, _ = share
    expected = rot.to_json(scan_tree(root, _opts()), detail=True)
    checkpoint = tmp_path / "scan.checkpoint"
    phases: list[str] = []
    stops = {"walk": 4, "digests": 1}  # stop once during the walk, once while reading contents

    def progress(phase: str, done: int, total: int | None) -> None:
        phases.append("walk" if phase == "walk" else "digests")

    def stop_once() -> bool:
        phase = phases[-1] if phases else "walk"
        stops[phase] -= 1
        return stops[phase] == 0

    for expected_phase in ("walk", "digests"):
        with pytest.raises(ScanStopped) as stopped:
            TreeScanner(
                root,
                _opts(),
                checkpoint=checkpoint,
                resume=checkpoint.exists(),
                progress=progress,
                should_stop=stop_once,
            ).run()
        assert stopped.value.exit_code == 130 and checkpoint.is_file()
        assert phases[-1] == expected_phase
    resumed = TreeScanner(root, _opts(), checkpoint=checkpoint, resume=True, should_stop=stop_once).run()
    assert rot.to_json(resumed, detail=True) == expected
    assert not checkpoint.exists()  # a finished scan leaves no checkpoint


def test_resume_refuses_other_settings(share: tuple[Path, Expected], tmp_path: Path) -> None:
    root, _ = share
    checkpoint = tmp_path / "c"
    with pytest.raises(ScanStopped):
        TreeScanner(root, _opts(), checkpoint=checkpoint, should_stop=lambda: True).run()
    with pytest.raises(SobreError, match="obsolete_after"):
        TreeScanner(root, _opts(obsolete_after="1y"), checkpoint=checkpoint, resume=True).run()


def test_checkpoint_inside_the_tree_refused(share: tuple[Path, Expected]) -> None:
    root, _ = share
    with pytest.raises(InputError, match="outside the scanned tree"):
        TreeScanner(root, _opts(), checkpoint=root / "users" / "x.checkpoint")


def test_unreadable_entries_are_listed_and_the_scan_goes_on(
    share: tuple[Path, Expected], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, ex = share
    real_open = os.open
    locked_dir = str(root / "projets" / "p05")
    locked_file = str(root / "users" / "bob" / "cr-conseil.txt")

    def guarded(path: str, flags: int, *args: object, **kw: object) -> int:
        if path in (locked_dir, locked_file):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner.os, "open", guarded)
    f = scan_tree(root, _opts())
    assert f.unreadable == [
        {"path": "projets/p05", "error": "Permission denied"},
        {"path": "users/bob/cr-conseil.txt", "error": "Permission denied"},
    ]
    groups = [g.paths for g in f.duplicate_groups]
    assert [
        "mairie/cr-conseil.txt",
        "users/bob/cr-conseil.txt",
    ] not in groups  # unreadable: never a duplicate
    assert f.files == len(ex.files) - 1  # the file of the locked folder is not seen


def test_file_changed_during_scan_is_unverified(
    share: tuple[Path, Expected], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = share
    real = TreeScanner._same
    target = "users/alice/budget.xlsx"

    def moving(e: rot.Entry, st: os.stat_result) -> bool:
        return False if e.path == target else real(e, st)

    monkeypatch.setattr(TreeScanner, "_same", staticmethod(moving))
    f = scan_tree(root, _opts())
    assert f.unverified == [{"path": target, "reason": "changed during the scan"}]
    assert f.duplicate_groups[0].paths == ["archive/budget-2024 (copie).xlsx", "finance/budget-2024.xlsx"]


def test_root_must_be_a_real_folder(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    os.symlink(tmp_path, tmp_path / "link")
    for bad in (tmp_path / "f", tmp_path / "link", tmp_path / "missing"):
        with pytest.raises(InputError):
            TreeScanner(bad, _opts())
