"""Checks of the values a person gives: assessment details, dates, maturity levels, answers on a scale."""

from __future__ import annotations

from datetime import date
from typing import Any

from sobre.assessment.referentials import Package
from sobre.assessment.scoring import maturity as mat
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco
from sobre.core.errors import InputError, SobreError

DETAIL_FIELDS = (
    "sample",
    "evaluator",
    "referent",
    "target_score",
    "target_date",
    "plan",
    "review_frequency",
    "contact",
    "technologies",
    "tools",
    "environment",
    "default_target",
    "scope",
)


def _check_details(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise SobreError(
            f"unknown assessment detail(s): {', '.join(sorted(unknown))}; known: {', '.join(DETAIL_FIELDS)}"
        )
    out = {k: v for k, v in fields.items() if v is not None}
    if "target_score" in out:
        try:
            out["target_score"] = float(out["target_score"])
        except (TypeError, ValueError) as exc:
            raise InputError(
                "invalid target score",
                column="target_score",
                value=out["target_score"],
                expected="a percentage between 0 and 100",
            ) from exc
        if not 0 <= out["target_score"] <= 100:
            raise InputError(
                "invalid target score",
                column="target_score",
                value=out["target_score"],
                expected="a percentage between 0 and 100",
            )
    if "target_date" in out:
        out["target_date"] = _parse_date(out["target_date"], "target_date").isoformat()
    if "default_target" in out:
        out["default_target"] = _level(out["default_target"], "default_target")
    return out


def _parse_date(value: Any, column: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise InputError("invalid date", column=column, value=value, expected="YYYY-MM-DD") from exc


def _level(value: Any, column: str) -> int:
    try:
        level = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise InputError("invalid level", column=column, value=value, expected="0, 1, 2, 3 or 4") from exc
    if level not in mat.LEVELS:
        raise InputError("invalid level", column=column, value=value, expected="0, 1, 2, 3 or 4")
    return level


def normalise(
    package: Package, item_id: str, *, status: str | None, level: int | str | None, target: int | str | None
) -> tuple[str | None, int | None, int | None]:
    """Check an answer's values against the referential's scale; returns (status code, level, target)."""
    item_id = item_id.strip()
    if item_id not in package.item_ids():
        raise InputError(
            f"no item {item_id!r} in {package.key}",
            column="item",
            value=item_id,
            expected=f"an id such as {package.items[0].id}",
        )
    lvl = _level(level, "level") if level not in (None, "") else None
    tgt = _level(target, "target") if target not in (None, "") else None
    code: str | None = None
    if package.kind == "maturity":
        if status not in (None, ""):
            if str(status).strip().lower() not in ("na", "n/a", "not applicable", "non applicable"):
                raise InputError(
                    "invalid status for a maturity practice",
                    column="status",
                    value=status,
                    expected="a level 0–4, or na (not applicable)",
                )
            code = mat.NOT_APPLICABLE
            if lvl is not None:
                raise InputError("a practice marked not applicable has no level", column="level", value=lvl)
        elif lvl is None and tgt is None:
            raise InputError("give a level (0–4), a target or na", column="level", value=level)
        return code, lvl, tgt
    if lvl is not None or tgt is not None:
        raise InputError(
            f"{package.kind.upper()} answers have a status, not a level", column="level", value=level
        )
    parse = eco.parse_status if package.kind == "rgesn" else aud.parse_status
    labels = eco.STATUSES if package.kind == "rgesn" else aud.STATUSES
    code = parse(str(status or ""))
    if code is None:
        raise InputError(
            "invalid status",
            column="status",
            value=status,
            expected=", ".join(fr for fr, _en in labels.values()),
        )
    return code, None, None
