"""Pagination and sorting done in the database, for pages and the API alike.

:func:`paginate` runs a ``SELECT`` twice: once counted, once with ``LIMIT``/``OFFSET``; :func:`sorted_by`
applies a sort chosen from a whitelist of columns (never a column name taken from the URL as is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def __post_init__(self) -> None:
        object.__setattr__(self, "page", max(1, int(self.page)))
        object.__setattr__(self, "per_page", min(MAX_PER_PAGE, max(1, int(self.per_page))))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class PageResult:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    def window(self, width: int = 2) -> list[int | None]:
        """Page numbers to link: first, last and ``width`` around the current one; ``None`` is a gap."""
        keep = {1, self.pages, *range(self.page - width, self.page + width + 1)}
        numbers = sorted(n for n in keep if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in numbers:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def paginate(session: Session, stmt: Any, request: PageRequest, *, scalars: bool = True) -> PageResult:
    """One page of ``stmt`` (a ``SELECT``) and the total row count, both computed by the database."""
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = stmt.limit(request.per_page).offset(request.offset)
    # (An if, not a conditional expression: mypy 2.4 crashes joining the two result types.)
    if scalars:
        items: list[Any] = list(session.scalars(page))
    else:
        items = list(session.execute(page).all())
    return PageResult(items, int(total), request.page, request.per_page)


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool

    @property
    def param(self) -> str:
        return ("-" if self.descending else "") + self.key


def parse_sort(value: str | None, allowed: Sequence[str], default: str) -> Sort:
    """``"-name"`` → name descending; a key outside ``allowed`` falls back to ``default``."""
    raw = value if value and value.lstrip("-") in allowed else default
    return Sort(raw.lstrip("-"), raw.startswith("-"))


def sorted_by(
    stmt: sa.Select[Any], sort: Sort, columns: Mapping[str, Any], tie: Any = None
) -> sa.Select[Any]:
    column = columns[sort.key]
    stmt = stmt.order_by(column.desc() if sort.descending else column.asc())
    return stmt.order_by(tie) if tie is not None else stmt


def query_with(current: Mapping[str, Any], **changes: Any) -> str:
    """The query string of the current page with some parameters changed (``None`` drops one)."""
    merged = {k: v for k, v in current.items() if v not in (None, "")}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return "?" + urlencode(merged) if merged else "?"
