"""Request parameters every capability shares."""

from __future__ import annotations

from typing import Annotated

import annotated_types

#: The largest row id: ids are 32-bit signed integers in SQLite and PostgreSQL alike.
MAX_ID = 2**31 - 1

#: A row id in a path, a query, a form or a body: 1 to :data:`MAX_ID`, so a huge number is a 422, not a
#: database overflow.  Where it is used (path or query) follows from the route, as for any parameter.
Id = Annotated[int, annotated_types.Ge(1), annotated_types.Le(MAX_ID)]
