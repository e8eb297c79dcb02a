"""The footprint's tables: factor sets and runs."""

from sobre.footprint.factors import models as factors  # noqa: F401
from sobre.footprint.runs import models as runs  # noqa: F401
