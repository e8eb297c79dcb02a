"""The priority of a ticket from its urgency and impact: a configurable matrix, GLPI's by default.

Levels run from 1 (very low) to 5 (very high); 6 is "major", which GLPI lets an agent set by hand but which
no matrix cell yields by default.  The default matrix is GLPI's own (``install/empty_data.php``, setting
``priority_matrix``, read from ``glpi-project/glpi``), indexed ``[urgency][impact]`` as GLPI does, so
that priorities imported from GLPI and computed here agree.  An organisation may replace it, and may switch
levels off (GLPI's ``urgency_mask`` and ``impact_mask``): a disabled urgency or impact is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sobre.core.errors import InputError

LEVELS = (1, 2, 3, 4, 5)
MAJOR = 6
PRIORITIES = (*LEVELS, MAJOR)
#: Message keys of the level names (urgency, impact and priority share them, as in GLPI).
LEVEL_KEYS = {
    1: "sd.level.1",
    2: "sd.level.2",
    3: "sd.level.3",
    4: "sd.level.4",
    5: "sd.level.5",
    6: "sd.level.6",
}

#: GLPI's default ``priority_matrix``: urgency → impact → priority.
GLPI_DEFAULT: dict[int, dict[int, int]] = {
    1: {1: 1, 2: 1, 3: 2, 4: 2, 5: 2},
    2: {1: 1, 2: 2, 3: 2, 4: 3, 5: 3},
    3: {1: 2, 2: 2, 3: 3, 4: 4, 5: 4},
    4: {1: 2, 2: 3, 3: 4, 4: 4, 5: 5},
    5: {1: 2, 2: 3, 3: 4, 4: 5, 5: 5},
}


def _level(value: object, column: str, allowed: Iterable[int] = LEVELS) -> int:
    allowed = tuple(allowed)
    text = str(value).strip()
    if not text.isdigit() or int(text) not in allowed:
        raise InputError(
            "not a level in use", column=column, value=value, expected=", ".join(str(a) for a in allowed)
        )
    return int(text)


@dataclass(frozen=True)
class Matrix:
    """Priority per (urgency, impact), and which urgencies and impacts are in use."""

    cells: Mapping[int, Mapping[int, int]] = field(default_factory=lambda: GLPI_DEFAULT)
    urgencies: frozenset[int] = frozenset(LEVELS)
    impacts: frozenset[int] = frozenset(LEVELS)

    def __post_init__(self) -> None:
        for u in LEVELS:
            row = self.cells.get(u)
            if row is None:
                raise InputError("the matrix has no row for this urgency", column="urgency", value=u)
            for i in LEVELS:
                if row.get(i) not in PRIORITIES:
                    raise InputError(
                        "the matrix cell is not a priority",
                        column=f"urgency {u} × impact {i}",
                        value=row.get(i),
                        expected="1 to 6",
                    )
        for name, levels in (("urgency", self.urgencies), ("impact", self.impacts)):
            if not levels or not set(levels) <= set(LEVELS):
                raise InputError("invalid set of levels in use", column=name, value=sorted(levels))
            if 3 not in levels:
                # GLPI keeps "medium" always on: it is the default of every new ticket.
                raise InputError("the medium level (3) cannot be switched off", column=name, value=3)

    def priority(self, urgency: object, impact: object) -> int:
        """The priority of a ticket of this urgency and impact; a level not in use is refused."""
        u = _level(urgency, "urgency", sorted(self.urgencies))
        i = _level(impact, "impact", sorted(self.impacts))
        return int(self.cells[u][i])

    def to_json(self) -> str:
        """GLPI's own layout (``{"urgency": {"impact": priority}}``) plus the levels in use."""
        return json.dumps(
            {
                "matrix": {str(u): {str(i): p for i, p in row.items()} for u, row in self.cells.items()},
                "urgencies": sorted(self.urgencies),
                "impacts": sorted(self.impacts),
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Matrix:
        """Read :meth:`to_json`'s output, or a bare GLPI ``priority_matrix`` value."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"the priority matrix is not JSON: {exc.msg}", value=text[:40]) from None
        if not isinstance(data, dict):
            raise InputError("the priority matrix must be a JSON object", value=text[:40])
        raw = data.get("matrix", data)
        try:
            cells = {int(u): {int(i): int(p) for i, p in row.items()} for u, row in raw.items()}
        except (AttributeError, TypeError, ValueError):
            raise InputError(
                "the priority matrix must map urgency → impact → priority", value=text[:40]
            ) from None
        return cls(
            cells,
            frozenset(int(x) for x in data.get("urgencies", LEVELS)),
            frozenset(int(x) for x in data.get("impacts", LEVELS)),
        )

    @classmethod
    def from_rows(cls, rows: list[list[int]], **levels: frozenset[int]) -> Matrix:
        """A matrix from five rows (urgency 1 → 5), each of five priorities (impact 1 → 5)."""
        if len(rows) != 5 or any(len(r) != 5 for r in rows):
            raise InputError("a priority matrix has 5 rows of 5 priorities", value=rows)
        return cls({u: {i: rows[u - 1][i - 1] for i in LEVELS} for u in LEVELS}, **levels)

    def rows(self) -> list[list[int]]:
        return [[int(self.cells[u][i]) for i in LEVELS] for u in LEVELS]


DEFAULT = Matrix()


def glpi_mask(levels: Iterable[int]) -> int:
    """GLPI's bit mask of levels in use (``urgency_mask`` 62 = levels 1 to 5)."""
    return sum(1 << level for level in levels)


def levels_from_mask(mask: int) -> frozenset[int]:
    return frozenset(level for level in LEVELS if mask & (1 << level))
