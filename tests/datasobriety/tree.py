"""A generated share with every kind of trap a ROT scanner meets, and the findings it must give."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
OLD = datetime(2021, 6, 1, tzinfo=UTC).timestamp()  # more than 3 years before AS_OF
RECENT = datetime(2026, 10, 1, tzinfo=UTC).timestamp()
#: Access time set on every file: a reader that does not keep atime would move it forward.
ATIME = datetime(2020, 1, 1, tzinfo=UTC).timestamp()


@dataclass
class Expected:
    groups: list[list[str]] = field(default_factory=list)
    reclaimable: int = 0
    obsolete: list[str] = field(default_factory=list)
    trivial: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)


def _write(root: Path, rel: str, data: bytes, mtime: float, expected: Expected) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (ATIME, mtime))
    expected.files.append(rel)
    if mtime == OLD:
        expected.obsolete.append(rel)
    return path


def build(root: Path, seed: int = 7) -> Expected:
    """Write the tree under ``root`` and return what an exact scanner finds in it."""
    rng = random.Random(seed)
    ex = Expected()
    big = rng.randbytes(300_000)
    # Three copies of one large file, one of them old; a fourth name is a hard link of the first.
    for rel, mtime in (
        ("finance/budget-2024.xlsx", RECENT),
        ("archive/budget-2024 (copie).xlsx", OLD),
        ("users/alice/budget.xlsx", RECENT),
    ):
        _write(root, rel, big, mtime, ex)
    os.link(root / "finance/budget-2024.xlsx", root / "finance/budget-final.xlsx")
    ex.files.append("finance/budget-final.xlsx")
    ex.groups.append(
        ["archive/budget-2024 (copie).xlsx", "finance/budget-2024.xlsx", "users/alice/budget.xlsx"]
    )
    ex.reclaimable += 2 * len(big)
    # Decoys: same size, same first and last 4 KiB, one byte different in the middle.
    decoy = bytearray(big)
    decoy[len(decoy) // 2] ^= 0xFF
    _write(root, "finance/budget-2024-v2.xlsx", bytes(decoy), RECENT, ex)
    # A pair of small identical files (read whole at the partial step), and a small decoy of equal size.
    note = b"Compte rendu du conseil municipal\n" * 40
    _write(root, "mairie/cr-conseil.txt", note, OLD, ex)
    _write(root, "users/bob/cr-conseil.txt", note, RECENT, ex)
    _write(root, "users/bob/cr-conseil-modifie.txt", note[:-2] + b"!\n", RECENT, ex)
    ex.groups.append(["mairie/cr-conseil.txt", "users/bob/cr-conseil.txt"])
    ex.reclaimable += len(note)
    # Two names of one file only (hard links): not a duplicate.
    _write(root, "photos/fete.jpg", rng.randbytes(50_000), RECENT, ex)
    os.link(root / "photos/fete.jpg", root / "photos/fete-lien.jpg")
    ex.files.append("photos/fete-lien.jpg")
    # Unique files of many sizes, some sharing a size with nothing equal.
    for i in range(30):
        size = rng.choice([1000, 5000, 9000, 20_000 + i])
        mtime = OLD if i % 3 == 0 else RECENT
        _write(root, f"projets/p{i:02d}/doc.bin", rng.randbytes(size), mtime, ex)
    # Empty files: never duplicates, reported apart.
    for rel in ("mairie/vide.txt", "users/alice/vide.txt"):
        _write(root, rel, b"", RECENT, ex)
        ex.empty.append(rel)
    # Debris.
    for rel in (
        "users/alice/~$rapport.docx",
        "users/bob/Thumbs.db",
        "photos/.DS_Store",
        "projets/p01/export.TMP",
        "mairie/delib.bak",
    ):
        _write(root, rel, rng.randbytes(200), RECENT, ex)
        ex.trivial.append(rel)
    # Symbolic links: a loop, a dangling link, a link out of the tree, a link to a duplicate.
    os.symlink("..", root / "users/bob/boucle")
    os.symlink("nulle-part.txt", root / "users/bob/casse.txt")
    os.symlink("/etc", root / "users/bob/etc")
    os.symlink("../../finance/budget-2024.xlsx", root / "users/alice/raccourci.xlsx")
    # Directories get an old access time too (after their content is written, deepest first).
    dirs = sorted(
        (p for p in root.rglob("*") if p.is_dir() and not p.is_symlink()), key=lambda p: -len(p.parts)
    )
    for path in dirs:
        os.utime(path, (ATIME, RECENT), follow_symlinks=False)
    ex.dirs = sorted(str(p.relative_to(root)) for p in dirs)
    ex.groups.sort(key=lambda g: g[0])
    for name in ("obsolete", "trivial", "empty", "files"):
        getattr(ex, name).sort()
    return ex


def snapshot(root: Path, expected: Expected) -> dict[str, tuple[int, int, int]]:
    """Size, modification and access time of every file and folder: a scan changes none.

    Only ``lstat`` here (listing a folder would itself move its access time).
    """
    out = {}
    for rel in expected.files + expected.dirs:
        st = os.lstat(root / rel)
        out[rel] = (st.st_size, st.st_mtime_ns, st.st_atime_ns)
    return out


def write_listing(root: Path, out: Path) -> Path:
    """A listing of the tree as an object-store export would give it: path, size, mtime, owner, checksum.

    Written independently of the scanner (``os.walk`` and ``hashlib``-style whole-file BLAKE3), with the
    inode as ``file_id`` so that hard links can be told apart.
    """
    import csv
    import pwd

    from blake3 import blake3

    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "size", "mtime", "owner", "blake3", "file_id"])
        for dirpath, _dirs, files in os.walk(root):
            for name in sorted(files):
                full = os.path.join(dirpath, name)
                st = os.lstat(full)
                if not os.path.isfile(full) or os.path.islink(full):
                    continue
                with open(full, "rb") as fh:
                    digest = blake3(fh.read()).hexdigest()
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                owner = pwd.getpwuid(st.st_uid).pw_name
                writer.writerow(
                    [rel, st.st_size, repr(st.st_mtime), owner, digest, f"{st.st_dev}:{st.st_ino}"]
                )
    return out
