"""Retention policies and the deletion or archiving plan drawn from a scan's findings (pure).

A **retention policy** names a data category (recruitment, payroll, video…), how long its files are kept
(counted from their last modification, the one date a file system keeps for sure), what happens after
(delete, archive, anonymise, review), which files it covers (name or path globs) and its legal basis.
``data/retention_policies.csv`` holds a starting catalogue with French legal periods and CNIL guidance.

The **plan** turns findings into items, each a set of files, an action and the bytes it frees, with the
yearly footprint avoided.  A file is counted in one item only (the first that claims it, in the order
below), so the plan's total never counts a byte twice:

1. extra copies of duplicates (delete; the oldest copy of each group is kept),
2. debris (delete) and empty files (delete),
3. files past a retention policy (the policy's action; the scan found them with :meth:`Policy.rule`),
4. obsolete files (archive to cold storage),
5. files of departed owners (review with the data owner).

Items carry what the strategy capability needs to make actions (origin, avoided impact, effort, horizon,
owner role) and scenarios (bytes to delete or archive).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sobre.core.errors import InputError
from sobre.core.estimate import Estimate
from sobre.core.i18n import t
from sobre.datasobriety import rot, storage
from sobre.datasobriety.rot import Findings, Item
from sobre.footprint.schema import FactorSet

ACTIONS = ("delete", "archive", "anonymise", "review")
_DATA = Path(__file__).parent / "data" / "retention_policies.csv"


@dataclass(frozen=True)
class Policy:
    category: str
    retention: str  # a duration: 2y, 18m, 6w, 30d
    action: str
    patterns: tuple[str, ...]
    description: str = ""
    legal_basis: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise InputError(
                "unknown action", column="action", value=self.action, expected=", ".join(ACTIONS)
            )
        if not self.patterns:
            raise InputError(
                "a policy needs at least one file pattern", column="patterns", value=self.category
            )
        rot.cutoff(rot.parse_as_of("2000-01-01"), self.retention)  # checks the duration

    def rule(self) -> rot.RetentionRule:
        """The rule the scan applies to find this category's files past their retention."""
        return rot.RetentionRule(self.category, self.retention, self.patterns)


@cache
def default_policies() -> tuple[Policy, ...]:
    """Sobre's starting catalogue (French legal periods, CNIL guidance); each row names its source."""
    with _DATA.open(encoding="utf-8") as f:
        return tuple(
            Policy(
                category=r["category"],
                retention=r["retention"],
                action=r["action"],
                patterns=tuple(p.strip() for p in r["patterns"].split(";") if p.strip()),
                description=r["description"],
                legal_basis=r["legal_basis"],
                source=r["source"],
            )
            for r in csv.DictReader(f)
        )


@dataclass
class PlanItem:
    kind: str  # duplicates, trivial, empty, retention:<category>, obsolete, orphans
    action: str
    files: list[Item]
    footprint: dict[str, Estimate] = field(default_factory=dict)
    #: In English for the CLI; pages use ``datasobriety.plan.<kind>`` (and the policy's legal basis).
    note: str = ""
    effort: str = "low"
    owner_role: str = "data owner"
    #: For duplicates: the copy kept in each group.
    kept: list[str] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(i.size for i in self.files)

    def as_action(self, scan_id: int | None = None) -> dict[str, Any]:
        """The shape the strategy capability turns into an action (origin: a ROT finding)."""
        climate = self.footprint.get("climate_change")
        return {
            "title": f"{self.action.capitalize()} {len(self.files)} files, {human(self.bytes)}: {self.kind}",
            "origin": {"kind": "rot_finding", "scan_id": scan_id, "finding": self.kind},
            "avoided": {k: asdict(v) for k, v in self.footprint.items()},
            "avoided_kgco2e_per_year": asdict(climate) if climate else None,
            "effort": self.effort,
            "horizon": "short",
            "owner_role": self.owner_role,
            "scenario_change": {"kind": f"{self.action}_data", "bytes": self.bytes, "finding": self.kind},
        }


def human(n: float | None) -> str:
    """Bytes in decimal units (1.5 MB); ``unknown`` for None."""
    if n is None:
        return "unknown"
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


def _kept_copy(group: rot.DuplicateGroup) -> rot.DuplicateFile:
    """The copy a plan keeps: the oldest (the original, most likely), then the first path."""
    return min(group.files, key=lambda f: (f.mtime, f.path))


def build_plan(
    findings: Findings,
    policies: Iterable[Policy],
    params: storage.StorageParams,
    factors: FactorSet | None,
) -> list[PlanItem]:
    """The plan's items (see the module's notes), each with the yearly footprint its bytes weigh."""
    claimed: set[str] = set()

    def take(items: Iterable[Item]) -> list[Item]:
        out = [i for i in items if i.path not in claimed]
        claimed.update(i.path for i in out)
        return out

    items: list[PlanItem] = []
    copies: list[Item] = []
    kept: list[str] = []
    for g in findings.duplicate_groups:
        keep = _kept_copy(g)
        kept.append(keep.path)  # not deleted here; still archived later if obsolete
        copies += [Item(f.path, g.size, f.mtime, f.owner) for f in g.files if f is not keep]
    items.append(
        PlanItem(
            "duplicates",
            "delete",
            take(copies),
            kept=kept,
            note=t("datasobriety.plan.duplicates", "en"),
        )
    )
    items.append(PlanItem("trivial", "delete", take(findings.trivial)))
    items.append(PlanItem("empty", "delete", take(findings.empty)))
    by_category: dict[str, list[Item]] = {}
    for i in findings.retention:
        by_category.setdefault(i.reason, []).append(i)
    for p in policies:
        items.append(
            PlanItem(
                f"retention:{p.category}",
                p.action,
                take(by_category.get(p.category, [])),
                note=p.legal_basis,
                owner_role="DPO and data owner",
                effort="medium",
            )
        )
    items.append(
        PlanItem("obsolete", "archive", take(findings.obsolete), note=t("datasobriety.plan.obsolete", "en"))
    )
    if findings.orphans is not None:
        items.append(
            PlanItem(
                "orphans",
                "review",
                take(findings.orphans),
                owner_role="IT and department head",
                note=t("datasobriety.plan.orphans", "en"),
            )
        )
    items = [i for i in items if i.files]
    if factors is not None:
        for item in items:
            item.footprint = storage.footprint(item.bytes, params, factors).impacts
    return items
