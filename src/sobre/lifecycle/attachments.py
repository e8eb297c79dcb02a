"""Attached proofs (WEEE certificates, data-erasure reports, evidence), stored by content hash.

A file is accepted only if it is small enough and really is a PDF, PNG or JPEG (its first bytes say so,
whatever its name); it is copied to ``<data folder>/attachments/<sha256[:2]>/<sha256>`` and read back from
there only, by the hash kept in the database, so no user-chosen path is ever served.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sobre.core.errors import InputError, SobreError

#: Largest accepted file (bytes); SOBRE_MAX_ATTACHMENT_MB overrides it.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Leading bytes of the accepted types.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
FOLDER = "attachments"


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    media_type: str
    original_name: str


@dataclass(frozen=True)
class StoredFile:
    """A proof ready to be sent: where it is, the name to offer and its type."""

    path: Path
    download_name: str
    media_type: str
    sha256: str
    size: int


def max_bytes() -> int:
    raw = os.environ.get("SOBRE_MAX_ATTACHMENT_MB")
    return int(float(raw) * 1024 * 1024) if raw else DEFAULT_MAX_BYTES


def sniff(head: bytes) -> tuple[str, str] | None:
    """(media type, extension) from a file's first bytes, or None for a type that is not accepted."""
    for magic, media, ext in _SIGNATURES:
        if head.startswith(magic):
            return media, ext
    return None


def safe_name(name: str) -> str:
    """A display name without folders or control characters (it is never used to build a path)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    return cleaned[:200] or "attachment"


def store(home: Path, source: Path) -> Stored:
    """Check ``source`` and copy it into the data folder under its hash (once per content)."""
    if not source.is_file():
        raise InputError("attachment not found", file=str(source))
    limit = max_bytes()
    size = source.stat().st_size
    if size == 0:
        raise InputError("the attachment is empty", file=str(source))
    if size > limit:
        raise InputError(
            f"the attachment is {size / 1_048_576:.1f} MB, over the {limit / 1_048_576:.0f} MB limit",
            file=str(source),
            expected="a smaller scan (or raise SOBRE_MAX_ATTACHMENT_MB)",
        )
    data = source.read_bytes()
    kind = sniff(data[:16])
    if kind is None:
        raise InputError(
            "the attachment is not a PDF, PNG or JPEG file (checked from its content, not its name)",
            file=str(source),
            expected="a PDF certificate or a PNG/JPEG scan",
        )
    digest = hashlib.sha256(data).hexdigest()
    target = _path(home, digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(target)
    return Stored(digest, size, kind[0], safe_name(source.name))


def _path(home: Path, digest: str) -> Path:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise SobreError("corrupt attachment record (bad hash)")
    return home / FOLDER / digest[:2] / digest


def open_stored(home: Path, digest: str, media_type: str, name: str, size: int) -> StoredFile:
    """The stored copy of a proof, checked against its hash before it is handed out."""
    path = _path(home, digest)
    if not path.is_file():
        raise SobreError(f"the attached file {name!r} is missing from the data folder ({path.parent.name}/…)")
    if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        raise SobreError(
            f"the attached file {name!r} was altered in the data folder; restore it from a backup"
        )
    ext = next((e for _m, media, e in _SIGNATURES if media == media_type), "")
    download = name if name.lower().endswith(ext) else f"{name}{ext}"
    return StoredFile(path, download, media_type, digest, size)
