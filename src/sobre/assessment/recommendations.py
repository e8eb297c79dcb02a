"""Recommendations from an assessment's gaps, each a plain action proposal the strategy capability can adopt.

Pure module.  A :class:`ProposedAction` names its origin as (referential, version, item), so an action made
from it stays traceable to the practice or criterion; it carries the item's example KPIs, owner role,
priority and difficulty, the gap it closes and the score points it would add.

Order: larger gap first, then higher priority, then easier (lower difficulty) first, then the referential's
own order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sobre.assessment.referentials import Item, Package, Texts
from sobre.assessment.scoring import maturity as mat
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco

_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2, None: 3}
_DIFFICULTY_RANK = {"low": 0, "medium": 1, "high": 2, None: 1}


@dataclass(frozen=True)
class ProposedAction:
    title: Texts
    #: (referential code, version, item id).
    origin: tuple[str, str, str]
    theme: str
    kpis: tuple[Texts, ...]
    owner_role: str | None
    roles: tuple[str, ...]
    priority: str | None
    difficulty: str | None
    #: Maturity: levels to climb; RGESN: the criterion's weight; RGAA: pages where the criterion fails.
    gap: float
    current: str | None
    target: str | None
    #: Percentage points the overall score would gain once the action is done (None when unknown).
    gain: float | None
    #: What "done" looks like (the practice's guidance, the criterion's control text).
    check: Texts = field(default_factory=dict)
    url: str | None = None
    pages: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["origin"] = {"referential": self.origin[0], "version": self.origin[1], "item": self.origin[2]}
        return data


def _order(actions: list[ProposedAction], package: Package) -> list[ProposedAction]:
    position = {i.id: i.position for i in package.items}
    return sorted(
        actions,
        key=lambda a: (
            -a.gap,
            _PRIORITY_RANK.get(a.priority, 3),
            _DIFFICULTY_RANK.get(a.difficulty, 1),
            position.get(a.origin[2], 0),
        ),
    )


def _action(package: Package, item: Item, **fields: Any) -> ProposedAction:
    check = item.texts.get("done") or item.texts.get("control") or {}
    return ProposedAction(
        title=item.question,
        origin=(package.code, package.version, item.id),
        theme=item.theme,
        kpis=item.kpis,
        owner_role=item.roles[0] if item.roles else None,
        roles=item.roles,
        priority=item.priority,
        difficulty=item.difficulty,
        check=check,
        url=item.url,
        **fields,
    )


def for_maturity(package: Package, result: mat.MaturityScore) -> list[ProposedAction]:
    """One action per rated practice below its target."""
    domains = {d.theme: d for d in result.domains}
    rated_domains = sum(1 for d in result.domains if d.rated or d.unrated)
    actions = []
    for practice in result.practices:
        gap = practice.gap
        if not gap:
            continue
        item = package.item(practice.item_id)
        applicable_weight = sum(
            p.weight for p in result.practices if p.theme == practice.theme and not p.not_applicable
        )
        gain = None
        if domains[practice.theme].score.value is not None and applicable_weight and rated_domains:
            gain = 100 * practice.weight * gap / (applicable_weight * mat.TOP) / rated_domains
        actions.append(
            _action(
                package,
                item,
                gap=float(gap),
                current=str(practice.level),
                target=str(practice.target),
                gain=gain,
            )
        )
    return _order(actions, package)


def for_rgesn(package: Package, result: eco.RgesnScore, statuses: dict[str, str]) -> list[ProposedAction]:
    """One action per applicable criterion not validated yet; gap = its weight."""
    actions = []
    for item_id in result.not_validated:
        item = package.item(item_id)
        w = eco.weight(item) or 0.0
        gain = 100 * w / result.applicable_weight if result.applicable_weight else None
        actions.append(
            _action(
                package,
                item,
                gap=w,
                current=statuses.get(item_id, eco.TO_EVALUATE),
                target=eco.VALIDATED,
                gain=gain,
            )
        )
    return _order(actions, package)


def for_rgaa(package: Package, result: aud.RgaaScore) -> list[ProposedAction]:
    """One action per criterion failing on at least one page; gap = number of failing pages."""
    applicable = result.count(aud.C) + result.count(aud.NC)
    actions = []
    for criterion in result.criteria:
        if criterion.status != aud.NC:
            continue
        item = package.item(criterion.item_id)
        actions.append(
            _action(
                package,
                item,
                gap=float(len(criterion.failing_pages)),
                current=aud.NC,
                target=aud.C,
                gain=100 / applicable if applicable else None,
                pages=tuple(criterion.failing_pages),
            )
        )
    return _order(actions, package)
