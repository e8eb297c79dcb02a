"""ROT detection over plain file records: redundant, obsolete and trivial data, and orphans.

A pure module: it never touches a disk.  The local scanner (``scanner``), the listing reader (``listing``)
and the Spark job (``spark``) all build :class:`Entry` records and end with the same :class:`Findings`,
serialised by :func:`to_json`, so that the three paths give the same answer on the same data.

Rules (see ``docs/datasobriety.md``):

- **redundant**: files of equal size and equal full-content digest.  Hard links of one file (same
  ``file_id``) are one file, never a reclaimable duplicate; zero-byte files are never duplicates (they are
  listed apart as ``empty``).  Reclaimable bytes of a group = size × (distinct files − 1);
- **obsolete**: regular files whose last modification is older than the threshold at the reference time;
- **trivial**: names matching debris patterns (case-insensitive shell globs on the file name);
- **orphans**: files whose owner is not among the organisation's known users (only when users are known;
  otherwise ``None``, unknown, never an empty list).
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sobre.core.errors import InputError

#: Debris left by editors, office suites and file browsers.  ``~$*`` and ``.~lock.*#`` are the owner
#: (lock) files of Microsoft Office and LibreOffice; ``Thumbs.db`` and ``.DS_Store`` are thumbnail and
#: folder-view caches of Windows and macOS.
DEFAULT_TRIVIAL_PATTERNS: tuple[str, ...] = (
    "*.tmp",
    "*.temp",
    "~$*",
    ".~lock.*#",
    "Thumbs.db",
    "desktop.ini",
    ".DS_Store",
    "*.bak",
    "*.swp",
    "*~",
)
DEFAULT_OBSOLETE_AFTER = "3y"
#: Bytes read at each end of a file for the partial digest.
PARTIAL_BLOCK = 4096
DIGEST_NAME = "blake3"
#: Finding categories, in the order they are reported.
KINDS = ("duplicates", "obsolete", "trivial", "empty", "orphans", "retention")


@dataclass(frozen=True, slots=True)
class Entry:
    """One regular file (or object) as the detection sees it."""

    path: str  # relative to the scanned root, '/' separators
    size: int
    mtime: float  # seconds since the epoch, UTC
    owner: str | None = None
    #: Identity of the stored bytes: (device, inode) on a file system; None when every entry is its own.
    file_id: Any = None
    #: Full-content digest when the source already knows it (listings); computed by the scanner otherwise.
    digest: str | None = None

    @property
    def identity(self) -> Any:
        return self.file_id if self.file_id is not None else ("path", self.path)


@dataclass(frozen=True, slots=True)
class DuplicateFile:
    path: str
    mtime: float
    owner: str | None
    #: Other names (hard links) of the same stored file: removing only ``path`` frees nothing.
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    size: int
    digest: str
    files: tuple[DuplicateFile, ...]

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    @property
    def reclaimable_bytes(self) -> int:
        return self.size * (len(self.files) - 1)


@dataclass(frozen=True, slots=True)
class Item:
    """One file of a finding list: its size, age and owner, and why it is listed."""

    path: str
    size: int
    mtime: float
    owner: str | None = None
    reason: str = ""  # the trivial pattern matched, or the unknown owner


@dataclass(frozen=True)
class RetentionRule:
    """Files of a data category (name globs; path globs when they hold a ``/``) kept longer than allowed."""

    category: str
    older_than: str  # a duration (2y, 18m, 1m…) counted back from the reference time
    patterns: tuple[str, ...]

    @staticmethod
    def on_path(pattern: str) -> bool:
        return "/" in pattern


@dataclass
class Findings:
    root: str
    as_of: datetime
    obsolete_after: str
    source: str = "tree"  # tree, listing, spark
    duplicate_groups: list[DuplicateGroup] = field(default_factory=list)
    obsolete: list[Item] = field(default_factory=list)
    trivial: list[Item] = field(default_factory=list)
    empty: list[Item] = field(default_factory=list)
    #: None when no list of users was given: orphans are then unknown, not absent.
    orphans: list[Item] | None = None
    #: Files past a retention rule (reason: the rule's category); one rule per file, the first that applies.
    retention: list[Item] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    #: Entries that could not take part in the duplicate check (changed during the scan, no checksum…).
    unverified: list[dict[str, str]] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # symlinks, special files, other file systems

    @property
    def reclaimable_bytes(self) -> int:
        return sum(g.reclaimable_bytes for g in self.duplicate_groups)

    def bytes_of(self, kind: str) -> int | None:
        """Bytes a category weighs (for duplicates: what removing the extra copies frees); None if unknown."""
        if kind == "duplicates":
            return self.reclaimable_bytes
        items = getattr(self, kind)
        return None if items is None else sum(i.size for i in items)


# ------------------------------------------------------------------ parameters


def parse_as_of(text: str | None, *, now: datetime | None = None) -> datetime:
    """Reference time: an epoch number, an ISO date or date-time; ``None`` means now.  Always UTC."""
    if text is None or text == "":
        return (now or datetime.now(UTC)).astimezone(UTC)
    value = text.strip()
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            "not a reference time", column="--as-of", value=text, expected="epoch seconds or YYYY-MM-DD"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_DURATION = re.compile(r"^\s*(\d+)\s*([ymwd])\s*$", re.IGNORECASE)


def cutoff(as_of: datetime, duration: str) -> datetime:
    """``as_of`` minus a duration such as ``3y``, ``18m``, ``6w`` or ``90d`` (calendar years and months)."""
    match = _DURATION.match(duration or "")
    if not match:
        raise InputError(
            "not a duration", column="--obsolete-after", value=duration, expected="e.g. 3y, 18m, 6w, 90d"
        )
    n, unit = int(match.group(1)), match.group(2).lower()
    try:
        if unit in "ym":
            months = n * 12 if unit == "y" else n
            year, month = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
            month += 1
            day = min(as_of.day, calendar.monthrange(year, month)[1])
            return as_of.replace(year=year, month=month, day=day)
        days = n * 7 if unit == "w" else n
        return datetime.fromtimestamp(as_of.timestamp() - days * 86400, UTC)
    except (ValueError, OverflowError, OSError):  # before year 1: no date can be that old
        raise InputError(
            "duration too long", column="--obsolete-after", value=duration, expected="at most a few centuries"
        ) from None


_META = set(".^$|?*+()[]{}\\")


def pattern_regex(pattern: str) -> str:
    """A shell glob on a file name as a case-insensitive, anchored regular expression.

    Written in the syntax common to Python's ``re``, Rust's ``regex`` (Polars) and Java (Spark), so that the
    three paths match the same names: ``*`` any run, ``?`` one character, ``[abc]``/``[!abc]`` a class.
    """
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[" and "]" in pattern[i + 2 :] or c == "[" and pattern[i + 1 : i + 2] == "]":
            end = pattern.index("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append("\\" + c if c in _META else c)
        i += 1
    return "(?is)^" + "".join(out) + "$"


class TrivialMatcher:
    """Which debris pattern (if any) a file name matches; the first pattern wins."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._compiled = [(p, re.compile(pattern_regex(p))) for p in self.patterns]

    def __call__(self, name: str) -> str | None:
        for pattern, regex in self._compiled:
            if regex.match(name):
                return pattern
        return None


def normalise_user(name: str | None) -> str | None:
    """``DOMAIN\\jdupont``, ``jdupont@ville.fr`` and ``JDupont`` are the same login ``jdupont``."""
    if name is None:
        return None
    text = name.strip().lower()
    text = text.rsplit("\\", 1)[-1]
    text = text.split("@", 1)[0]
    return text or None


def basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


# ------------------------------------------------------------------ detection


def classify(
    entries: Iterable[Entry],
    findings: Findings,
    *,
    patterns: Iterable[str] = DEFAULT_TRIVIAL_PATTERNS,
    known_users: Iterable[str] | None = None,
    retention: Iterable[RetentionRule] = (),
) -> None:
    """Fill the obsolete, trivial, empty, orphan and retention lists of ``findings`` (sorted by path)."""
    limit = cutoff(findings.as_of, findings.obsolete_after).timestamp()
    match = TrivialMatcher(patterns)
    rules = [
        (
            r.category,
            cutoff(findings.as_of, r.older_than).timestamp(),
            [(re.compile(pattern_regex(p)), r.on_path(p)) for p in r.patterns],
        )
        for r in retention
    ]
    users = None if known_users is None else {u for u in map(normalise_user, known_users) if u}
    orphans: list[Item] = []
    for e in entries:
        findings.files += 1
        findings.bytes += e.size
        if e.mtime < limit:
            findings.obsolete.append(Item(e.path, e.size, e.mtime, e.owner))
        pattern = match(basename(e.path))
        if pattern is not None:
            findings.trivial.append(Item(e.path, e.size, e.mtime, e.owner, pattern))
        if e.size == 0:
            findings.empty.append(Item(e.path, 0, e.mtime, e.owner))
        if users is not None and normalise_user(e.owner) not in users:
            orphans.append(Item(e.path, e.size, e.mtime, e.owner, e.owner or "no owner"))
        name = basename(e.path)
        for category, older, regexes in rules:
            if e.mtime < older and any(rx.match(e.path if on_path else name) for rx, on_path in regexes):
                findings.retention.append(Item(e.path, e.size, e.mtime, e.owner, category))
                break
    findings.orphans = None if users is None else orphans
    for name in ("obsolete", "trivial", "empty", "orphans", "retention"):
        items = getattr(findings, name)
        if items is not None:
            items.sort(key=lambda i: i.path)


def size_candidates(entries: Iterable[Entry]) -> list[list[Entry]]:
    """Non-empty files whose size is shared by at least two distinct stored files (one entry per file).

    The first path (in sorted order) stands for a file with several hard links; the others are links.
    """
    by_size: dict[int, dict[Any, Entry]] = defaultdict(dict)
    for e in entries:
        if e.size > 0:
            known = by_size[e.size].get(e.identity)
            if known is None or e.path < known.path:
                by_size[e.size][e.identity] = e
    return [list(files.values()) for files in by_size.values() if len(files) > 1]


def regroup(candidates: Iterable[list[Entry]], key: Callable[[Entry], str | None]) -> list[list[Entry]]:
    """Split candidate groups by ``key`` (a digest); entries whose key is None drop out."""
    out: list[list[Entry]] = []
    for group in candidates:
        split: dict[str, list[Entry]] = defaultdict(list)
        for e in group:
            k = key(e)
            if k is not None:
                split[k].append(e)
        out.extend(g for g in split.values() if len(g) > 1)
    return out


def duplicate_groups(
    groups: Iterable[list[Entry]],
    digest_of: Callable[[Entry], str | None],
    links: dict[Any, list[str]] | None = None,
) -> list[DuplicateGroup]:
    """Groups of files with the same full digest, largest reclaimable first, paths sorted."""
    links = links or {}
    out = []
    for group in regroup(groups, digest_of):
        files = sorted(
            (
                DuplicateFile(
                    e.path,
                    e.mtime,
                    e.owner,
                    tuple(p for p in sorted(links.get(e.identity, ())) if p != e.path),
                )
                for e in group
            ),
            key=lambda f: f.path,
        )
        out.append(DuplicateGroup(group[0].size, digest_of(group[0]) or "", tuple(files)))
    return sort_groups(out)


def sort_groups(groups: Iterable[DuplicateGroup]) -> list[DuplicateGroup]:
    return sorted(groups, key=lambda g: (-g.reclaimable_bytes, g.files[0].path))


def hard_links(entries: Iterable[Entry]) -> dict[Any, list[str]]:
    """Every name of each stored file that has more than one."""
    names: dict[Any, list[str]] = defaultdict(list)
    for e in entries:
        if e.file_id is not None:
            names[e.file_id].append(e.path)
    return {k: v for k, v in names.items() if len(v) > 1}


def detect(
    entries: list[Entry],
    findings: Findings,
    *,
    patterns: Iterable[str] = DEFAULT_TRIVIAL_PATTERNS,
    known_users: Iterable[str] | None = None,
    retention: Iterable[RetentionRule] = (),
) -> Findings:
    """All categories for entries that already carry their full digest (listings, tests)."""
    classify(entries, findings, patterns=patterns, known_users=known_users, retention=retention)
    candidates = size_candidates(entries)
    for group in candidates:
        for e in group:
            if e.digest is None:
                findings.unverified.append({"path": e.path, "reason": "no checksum"})
    findings.unverified.sort(key=lambda u: u["path"])
    findings.duplicate_groups = duplicate_groups(
        [[e for e in g if e.digest is not None] for g in candidates],
        lambda e: e.digest or "",
        hard_links(entries),
    )
    return findings


# ------------------------------------------------------------------ output


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def age_days(findings: Findings, mtime: float) -> float:
    return round((findings.as_of.timestamp() - mtime) / 86400, 1)


def _item(findings: Findings, item: Item, reason_key: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "path": item.path,
        "size": item.size,
        "mtime": _iso(item.mtime),
        "age_days": age_days(findings, item.mtime),
        "owner": item.owner,
    }
    if reason_key:
        row[reason_key] = item.reason
    return row


def to_json(findings: Findings, *, detail: bool = False) -> dict[str, Any]:
    """The scan's JSON document: paths relative to the scanned root with ``/`` separators.

    The short form lists paths; ``detail`` adds a ``details`` object with sizes, dates, ages and owners.
    """
    doc: dict[str, Any] = {
        "root": findings.root,
        "source": findings.source,
        "as_of": findings.as_of.isoformat().replace("+00:00", "Z"),
        "obsolete_after": findings.obsolete_after,
        "files": findings.files,
        "bytes": findings.bytes,
        "duplicate_groups": [g.paths for g in findings.duplicate_groups],
        "reclaimable_bytes": findings.reclaimable_bytes,
        "obsolete": [i.path for i in findings.obsolete],
        "trivial": [i.path for i in findings.trivial],
        "empty": [i.path for i in findings.empty],
        "orphans": None if findings.orphans is None else [i.path for i in findings.orphans],
        "retention": [i.path for i in findings.retention],
        "unreadable": findings.unreadable,
        "unverified": findings.unverified,
        "skipped": findings.skipped,
        "totals": {
            kind: {"count": count(findings, kind), "bytes": findings.bytes_of(kind)} for kind in KINDS
        },
    }
    if detail:
        doc["details"] = {
            "duplicate_groups": [
                {
                    "size": g.size,
                    "digest": g.digest,
                    "reclaimable_bytes": g.reclaimable_bytes,
                    "files": [
                        {
                            "path": f.path,
                            "mtime": _iso(f.mtime),
                            "age_days": age_days(findings, f.mtime),
                            "owner": f.owner,
                            "hard_links": list(f.links),
                        }
                        for f in g.files
                    ],
                }
                for g in findings.duplicate_groups
            ],
            "obsolete": [_item(findings, i) for i in findings.obsolete],
            "trivial": [_item(findings, i, "pattern") for i in findings.trivial],
            "empty": [_item(findings, i) for i in findings.empty],
            "orphans": None
            if findings.orphans is None
            else [_item(findings, i, "owner_reason") for i in findings.orphans],
            "retention": [_item(findings, i, "category") for i in findings.retention],
        }
    return doc


def count(findings: Findings, kind: str) -> int | None:
    if kind == "duplicates":
        return sum(len(g.files) - 1 for g in findings.duplicate_groups)
    items = getattr(findings, kind)
    return None if items is None else len(items)


def reference_date(findings: Findings) -> date:
    return findings.as_of.date()
