"""What callers see of assessments, answers and evidence: plain values, no table rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sobre.core.errors import InputError


@dataclass
class AssessmentView:
    id: int
    org: str
    kind: str
    referential: str
    version: str
    service: str | None
    title: str
    status: str
    assessed_on: date
    started_by: str
    started_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    validated_by: str | None
    validated_at: datetime | None
    previous_id: int | None
    details: dict[str, Any]
    answered: int
    items: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("assessed_on", "started_at", "submitted_at", "validated_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


@dataclass
class EvidenceView:
    id: int
    kind: str
    text: str | None
    url: str | None
    file_name: str | None
    sha256: str | None
    size: int | None
    added_by: str
    added_at: datetime


@dataclass
class AnswerView:
    item_id: str
    page: str
    status: str | None
    level: int | None
    target_level: int | None
    comment: str | None
    answered_by: str
    answered_at: datetime
    evidence: list[EvidenceView] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["answered_at"] = self.answered_at.isoformat()
        for e in data["evidence"]:
            e["added_at"] = e["added_at"].isoformat()
        return data


MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceInput:
    """A piece of evidence to attach: a text, a link, or a file (name and bytes)."""

    kind: str
    text: str | None = None
    url: str | None = None
    file_name: str | None = None
    content: bytes | None = None

    @classmethod
    def from_file(cls, path: Path) -> EvidenceInput:
        if not path.is_file():
            raise InputError("evidence file not found", file=str(path))
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                "evidence file too large",
                file=str(path),
                value=f"{size} bytes",
                expected=f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB; link to it instead",
            )
        return cls("file", file_name=path.name, content=path.read_bytes())

    @classmethod
    def from_upload(cls, name: str, content: bytes) -> EvidenceInput:
        """A file sent through a form or the API: only the last part of its name is kept."""
        return cls("file", file_name=safe_file_name(name), content=content)

    def check(self) -> None:
        if self.kind == "text" and not (self.text or "").strip():
            raise InputError("empty evidence text", column="evidence")
        if self.kind == "link" and not (self.url or "").startswith(("http://", "https://")):
            raise InputError(
                "invalid evidence link",
                column="link",
                value=self.url,
                expected="an http:// or https:// address",
            )
        if self.kind == "file" and len(self.content or b"") > MAX_FILE_BYTES:
            raise InputError(
                "evidence file too large",
                column="file",
                value=self.file_name,
                expected=f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB; link to it instead",
            )
        if self.kind not in ("text", "link", "file"):
            raise InputError("unknown evidence kind", value=self.kind, expected="text, link or file")


def safe_file_name(name: str) -> str:
    """A file name without folders or control characters (browsers may send ``C:\\fakepath\\x.pdf``), so that
    saving it later never writes outside the folder chosen."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    return base[-255:] or "evidence"
