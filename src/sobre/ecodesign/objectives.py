"""Eco-design objectives of a service and their evaluation against measures (pure).

Kinds: ``ecoindex_grade`` (a letter, met when every measured page has it or better), ``ecoindex_score``
(at least), ``page_weight_kb``, ``requests`` and ``dom`` (at most, on every page), and ``rgesn_score``
(at least; the score comes from the capability that provides ``rgesn.score`` in the registry, the
assessment one: see :data:`RGESN_SCORE`).  Each page counts with its latest measure; a service meets
an objective when its worst page does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sobre.core.errors import InputError
from sobre.ecodesign import ecoindex

#: kind → (label, direction): "min" means the measure must be at least the target, "max" at most.
KINDS: dict[str, tuple[str, str]] = {
    "ecoindex_grade": ("EcoIndex grade", "min"),
    "ecoindex_score": ("EcoIndex score", "min"),
    "page_weight_kb": ("page weight (kB)", "max"),
    "requests": ("requests per page", "max"),
    "dom": ("DOM elements per page", "max"),
    "rgesn_score": ("RGESN score (%)", "min"),
}
#: The name under which a capability provides ``f(session, org_id, service_id) -> float | Estimate | None``:
#: the latest RGESN score of a digital service, in % (``provides={RGESN_SCORE: "module:function"}``).
RGESN_SCORE = "rgesn.score"


class Measured(Protocol):
    url: str
    step: str | None
    dom: int | None
    requests: int | None
    bytes: int | None
    score: int | None
    grade: str | None


def check_target(kind: str, target: str) -> str:
    if kind not in KINDS:
        raise InputError("unknown objective kind", column="--kind", value=kind, expected=", ".join(KINDS))
    if kind == "ecoindex_grade":
        letter = target.strip().upper()
        if letter not in ecoindex.GRADE_ORDER:
            raise InputError("not an EcoIndex grade", column="--target", value=target, expected="A to G")
        return letter
    try:
        value = float(target)
    except ValueError:
        raise InputError("not a number", column="--target", value=target) from None
    if value < 0 or (kind == "rgesn_score" and value > 100):
        raise InputError("target out of range", column="--target", value=target)
    return f"{value:g}"


def _value(kind: str, m: Measured) -> float | str | None:
    if kind == "ecoindex_grade":
        return m.grade
    if kind == "ecoindex_score":
        return m.score
    if kind == "page_weight_kb":
        return None if m.bytes is None else m.bytes / 1000
    if kind == "requests":
        return m.requests
    return m.dom


def _meets(kind: str, value: float | str, target: str) -> bool:
    if kind == "ecoindex_grade":
        return ecoindex.grade_at_least(str(value), target)
    direction = KINDS[kind][1]
    return float(value) >= float(target) if direction == "min" else float(value) <= float(target)


@dataclass
class Result:
    kind: str
    target: str
    measured: float | str | None  # the worst page's value (or the RGESN score)
    met: bool | None  # None: nothing measured yet
    pages: list[dict[str, Any]]
    note: str = ""  # why it cannot be judged: a key of ``ecodesign.objective.*`` (no_measure, no_rgesn)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": KINDS[self.kind][0],
            "target": self.target,
            "measured": self.measured,
            "met": self.met,
            "pages": self.pages,
            "note": self.note,
        }


def evaluate(kind: str, target: str, measures: Iterable[Measured], rgesn: float | None = None) -> Result:
    """An objective against the latest measure of each page (measures are given newest first)."""
    if kind == "rgesn_score":
        if rgesn is None:
            return Result(kind, target, None, None, [], "no_rgesn")
        return Result(kind, target, rgesn, _meets(kind, rgesn, target), [])
    latest: dict[tuple[str, str | None], Measured] = {}
    for m in measures:
        if m.score is not None:
            latest.setdefault((m.url, m.step), m)
    pages = []
    for (url, step), m in sorted(latest.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        value = _value(kind, m)
        pages.append(
            {
                "url": url,
                "step": step,
                "value": value,
                "met": None if value is None else _meets(kind, value, target),
            }
        )
    known = [p for p in pages if p["value"] is not None]
    values: list[Any] = [p["value"] for p in known]
    if not known:
        return Result(kind, target, None, None, pages, "no_measure")
    if kind == "ecoindex_grade":
        worst: float | str = max((str(v) for v in values), key=ecoindex.GRADE_ORDER.index)
    elif KINDS[kind][1] == "min":
        worst = min(float(v) for v in values)
    else:
        worst = max(float(v) for v in values)
    return Result(kind, target, worst, all(p["met"] for p in known), pages)


def verdict(results: Iterable[Result]) -> str:
    """met (all), partly, not-met (none), or unknown (nothing could be judged)."""
    judged = [r.met for r in results if r.met is not None]
    if not judged:
        return "unknown"
    return "met" if all(judged) else "not-met" if not any(judged) else "partly"


def rgesn_provider() -> Callable[..., Any] | None:
    """The RGESN score function a capability provides (the assessment one), or None when none does."""
    from sobre.core.capabilities import provider

    return provider(RGESN_SCORE)
