"""Request parameters every capability shares."""

from __future__ import annotations

from typing import Annotated

import annotated_types
from fastapi import Query

#: The largest row id: ids are 32-bit signed integers in SQLite and PostgreSQL alike.
MAX_ID = 2**31 - 1

#: A row id in a path, a query, a form or a body: 1 to :data:`MAX_ID`, so a huge number is a 422, not a
#: database overflow.  Where it is used (path or query) follows from the route, as for any parameter.
Id = Annotated[int, annotated_types.Ge(1), annotated_types.Le(MAX_ID)]

#: A list's order: a column, '-' first for descending (checked against the list's columns by
#: ``sobre.web.paging.parse_sort``).
Sort = Annotated[str | None, Query(max_length=20, description="A column, '-' first for descending")]
