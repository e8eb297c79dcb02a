"""What the lifecycle pages share: reading submitted forms into typed values with one message per field,
uploads kept in a private temporary folder, downloads of proofs and documents, estimates as pages show them,
and the service's messages said in the reader's language."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from fastapi.responses import FileResponse, Response

from sobre.core.errors import InputError, SobreError
from sobre.core.estimate import Estimate
from sobre.core.i18n import format_number, has, t
from sobre.lifecycle import attachments
from sobre.lifecycle.docparts import range_text, say, value_text
from sobre.lifecycle.document import Document
from sobre.web.forms import Form
from sobre.web.params import MAX_ID

#: Largest events or purchases file accepted from a page (the inventory reader streams bigger ones from
#: the CLI).
MAX_TABLE_BYTES = 20 * 1024 * 1024
#: Rows per page of the lists: small enough for an EcoIndex A page with every column shown.
PER_PAGE = 20

MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


# --------------------------------------------------------------------------------------------- forms


class Fields:
    """Typed values of a submitted form; each problem becomes the field's message (in ``lang``)."""

    def __init__(self, lang: str, form: Form | None = None) -> None:
        self.lang = lang
        self.form = form or Form()

    def _bad(self, name: str, key: str, **values: object) -> None:
        self.form.error(name, t(key, self.lang, **values))

    def text(self, name: str, raw: str | None, *, required: bool = False, limit: int = 255) -> str | None:
        value = (raw or "").strip()
        self.form.values[name] = value
        if not value:
            if required:
                self._bad(name, "lc.err.required")
            return None
        if len(value) > limit:
            self._bad(name, "lc.err.too_long", n=limit)
            return None
        return value

    def number(
        self,
        name: str,
        raw: str | None,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        positive: bool = False,
    ) -> float | None:
        from sobre.lifecycle.importer import _number

        text = self.text(name, raw, required=required, limit=40)
        if text is None:
            return None
        try:
            value = _number(text.rstrip("%"))
        except ValueError:
            self._bad(name, "lc.err.number")
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self._bad(name, "lc.err.number")
            return None
        if positive and value <= 0:
            self._bad(name, "lc.err.positive")
        elif minimum is not None and value < minimum or maximum is not None and value > maximum:
            low = format_number(minimum or 0, self.lang, 0)
            high = format_number(maximum, self.lang, 0) if maximum is not None else "∞"
            self._bad(name, "lc.err.between", low=low, high=high)
        else:
            return value
        return None

    def integer(
        self, name: str, raw: str | None, *, required: bool = False, low: int = 1, high: int = 5
    ) -> int | None:
        text = self.text(name, raw, required=required, limit=12)
        if text is None:
            return None
        if not text.isdigit() or not low <= int(text) <= high:
            self._bad(name, "lc.err.between", low=low, high=high)
            return None
        return int(text)

    def day(self, name: str, raw: str | None, *, required: bool = False, past: bool = False) -> date | None:
        from sobre.lifecycle.importer import _date

        text = self.text(name, raw, required=required, limit=30)
        if text is None:
            return None
        try:
            value = _date(text)
        except ValueError:
            self._bad(name, "lc.err.date")
            return None
        if past and value > date.today():
            self._bad(name, "lc.err.future")
            return None
        return value

    def choice(
        self, name: str, raw: str | None, options: Sequence[str], *, required: bool = False
    ) -> str | None:
        text = self.text(name, raw, required=required, limit=60)
        if text is not None and text not in options:
            self._bad(name, "lc.err.choose")
            return None
        return text

    def flag(self, name: str, raw: str | None) -> bool | None:
        """A yes / no / unknown select (``""`` is unknown, never no)."""
        value = self.choice(name, raw, ("yes", "no"))
        return None if value is None else value == "yes"

    def error(self, name: str, key: str, **values: object) -> None:
        self._bad(name, key, **values)

    def fail(self, name: str, exc: SobreError) -> None:
        """A service's refusal, on the field it names (or on ``name``)."""
        self.form.error(name, explain(exc, self.lang))

    @property
    def ok(self) -> bool:
        return self.form.ok


def year_of(raw: str | None, default: int | None = None) -> int | None:
    """A year from a query string (anything else is the default: filters never fail on a typo)."""
    text = (raw or "").strip()
    return int(text) if text.isdigit() and 1990 <= int(text) <= 2200 else default


def positive_id(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_ID else None


# -------------------------------------------------------------------------------------------- uploads


def present(upload: UploadFile | None) -> UploadFile | None:
    """The upload, or None when the file field was left empty (browsers still send an empty part)."""
    return upload if upload is not None and upload.filename else None


@contextmanager
def saved_upload(upload: UploadFile, field: str, limit: int) -> Iterator[Path]:
    """The uploaded file copied to a private temporary folder under its (cleaned) name, removed after."""
    with tempfile.TemporaryDirectory(prefix="sobre-upload-") as folder:
        path = Path(folder) / attachments.safe_name(upload.filename or "upload")
        size = 0
        with path.open("wb") as out:
            while chunk := upload.file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise InputError("the file is too large", column=field, value=upload.filename)
                out.write(chunk)
        yield path


def check_proof(upload: UploadFile, fields: Fields, name: str) -> None:
    """Refuse a proof that is not a PDF, PNG or JPEG (by its first bytes), empty or too large."""
    head = upload.file.read(16)
    upload.file.seek(0, 2)
    size = upload.file.tell()
    upload.file.seek(0)
    if size == 0:
        fields.error(name, "lc.err.empty_file")
    elif size > attachments.max_bytes():
        fields.error(
            name, "lc.err.proof_size", mb=format_number(attachments.max_bytes() / 1048576, fields.lang)
        )
    elif attachments.sniff(head) is None:
        fields.error(name, "lc.err.proof_type")


# ------------------------------------------------------------------------------------------ downloads


def proof_response(stored: attachments.StoredFile) -> Response:
    """A stored proof, sent from the data folder (its path comes from the database, never the request)."""
    return FileResponse(stored.path, media_type=stored.media_type, filename=stored.download_name)


def document_response(doc: Document, fmt: str, stem: str) -> Response:
    """A document as a file to download (HTML, PDF, XLSX or JSON), written in a temporary folder."""
    from sobre.lifecycle.document import FORMATS, write

    if fmt not in FORMATS:
        raise InputError("unknown format", column="format", value=fmt, expected=", ".join(FORMATS))
    with tempfile.TemporaryDirectory(prefix="sobre-doc-") as folder:
        path = write(doc, fmt, Path(folder) / f"{stem}-{doc.lang}.{fmt}", stem)
        data = path.read_bytes()
    return Response(
        data, media_type=MEDIA[fmt], headers={"content-disposition": f'attachment; filename="{path.name}"'}
    )


def text_download(text: str, name: str, fmt: str = "csv") -> Response:
    return Response(
        text.encode("utf-8-sig"),
        media_type=MEDIA[fmt],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


# ------------------------------------------------------------------------------------------ estimates


@dataclass(frozen=True)
class Shown:
    """An estimate as a page shows it: value with its unit, range (or why it is unknown), status."""

    value: str
    range: str
    status: str
    known: bool
    number: float | None
    low: float | None
    high: float | None


def shown(e: Estimate, lang: str, scale: float = 1.0) -> Shown:
    """``scale`` turns a ratio into the percentage a chart draws."""
    return Shown(
        value_text(e, lang),
        range_text(e, lang),
        t(f"status.{e.status}", lang) if has(f"status.{e.status}") else str(e.status),
        e.value is not None,
        None if e.value is None else e.value * scale,
        None if e.low is None else e.low * scale,
        None if e.high is None else e.high * scale,
    )


def label(prefix: str, code: str | None, lang: str) -> str:
    """A code's label in ``lang`` (``lc.kind.recycled``…), the code itself when it has none."""
    if code is None:
        return t("lc.condition.unknown", lang)
    return t(prefix + code, lang) if has(prefix + code) else code


def category_label(code: str | None, lang: str) -> str:
    from sobre.reporting import fmt

    return fmt.label("category", code or "", code or "—", lang)


# --------------------------------------------------------------------- service messages, said in French

#: Messages of the lifecycle use cases (English, for the CLI) and the key that says each on a page.
_SAYINGS = [
    (r"no equipment (named|of that name).*", "lc.err.no_item"),
    (r"the event is dated before the item's purchase \((?P<day>[\d-]+)\)", "lc.err.before_purchase"),
    (r"the (event|item name|date) is missing", "lc.err.required"),
    (r"not a number", "lc.err.number"),
    (r"not yes/no.*", "lc.err.yes_no"),
    (r"unknown event.*|unknown lifecycle event", "lc.err.kind"),
    (r"not a date.*", "lc.err.date"),
    (r"the date is in the future", "lc.err.future"),
    (r"a '(?P<kind>\w+)' event needs .*", "lc.err.kind_needs"),
    (r"must not be negative", "lc.err.negative"),
    (r"say who records the event", "lc.err.required"),
    (r"unknown reason", "lc.err.choose"),
    (r"missing column\(s\): (?P<columns>.+)", "lc.err.columns"),
    (r"the file has a header but no rows", "lc.err.no_rows"),
    (r"(?P<name>.+) was already imported as batch '(?P<batch>.+)'; nothing imported again", "lc.err.again"),
    (r"a batch of that name exists", "lc.err.batch_exists"),
    (r"unknown category", "lc.err.category"),
    (r"unknown condition", "lc.err.choose"),
    (r"unknown ecolabel", "lc.err.ecolabel"),
    (r"the quantity must be positive", "lc.err.positive"),
    (r"the unit price must not be negative", "lc.err.negative"),
    (r"recycled content is a percentage.*|an index is between 0 and 10", "lc.err.range"),
    (r"(?P<item>.+) is a (?P<cat>\w+), the purchase is of (?P<of>\w+)", "lc.err.item_category"),
    (r"(?P<item>.+) is already linked to purchase (?P<n>\d+)", "lc.err.item_linked"),
    (r"(?P<n>\d+) items linked to a purchase of (?P<q>[\d.]+)", "lc.err.too_many_items"),
    (r"supplier '(?P<name>.+)' exists", "lc.err.exists"),
    (r"watch source '(?P<name>.+)' exists", "lc.err.exists"),
    (r"an entry for .+ exists", "lc.err.entry_exists"),
    (r"a feed address starts with http:// or https://|not a usable address.*", "lc.err.url"),
    (r"the file is too large", "lc.err.file_size"),
    (r"the attachment is not a PDF, PNG or JPEG file.*", "lc.err.proof_type"),
    (r"the attachment is empty", "lc.err.empty_file"),
    (r"answers to questions the questionnaire does not have", "lc.err.unknown_questions"),
    (r"expected yes or no", "lc.err.yes_no"),
    (r"must be between 0 and (?P<high>[\d.]+)", "lc.err.between_0"),
    (r"the file (is not|could not be).*|unsupported file.*|cannot read .*", "lc.err.unreadable"),
]
_SAYING_RE = [(re.compile(p), key) for p, key in _SAYINGS]


def message_of(exc: SobreError) -> str:
    """The message itself, without the 'file, row, column, value:' prefix an InputError adds."""
    text = str(exc)
    if isinstance(exc, InputError):
        if exc.expected:
            text = text.removesuffix(f" (expected: {exc.expected})")
        if any(x is not None for x in (exc.file, exc.row, exc.column, exc.value)):
            text = text.split(": ", 1)[-1]
    return text


def explain(exc: SobreError | str, lang: str) -> str:
    """A use case's refusal in ``lang`` (an unforeseen message is shown as written, never hidden)."""
    text = exc if isinstance(exc, str) else message_of(exc)
    text = text.split("; ", 1)[0] if "problem(s) in" in text else text
    for pattern, key in _SAYING_RE:
        m = pattern.fullmatch(text.strip())
        if m:
            return t(key, lang, **{k: v for k, v in m.groupdict().items() if v is not None})
    return say(text, lang)


def where(exc: InputError, lang: str, file: str | None = None) -> str:
    """'file, row 3, column « Date », value « 31/02/2025 »' in ``lang``."""
    parts = []
    if file or exc.file:
        parts.append(file or Path(str(exc.file)).name)
    if exc.row is not None:
        parts.append(t("lc.err.row", lang, n=exc.row))
    if exc.column:
        parts.append(t("lc.err.column", lang, name=exc.column))
    if exc.value is not None and str(exc.value) != "":
        parts.append(t("lc.err.value", lang, value=str(exc.value)[:80]))
    return ", ".join(parts)


def rows_of(items: list[Any], page: int, per_page: int = PER_PAGE) -> Any:
    """A page of rows already in memory (computed figures, trails), shaped as the shell's PageResult."""
    from sobre.web.paging import PageResult

    pages = max(1, -(-len(items) // per_page))
    page = min(max(1, page), pages)
    return PageResult(items[(page - 1) * per_page : page * per_page], len(items), page, per_page)
