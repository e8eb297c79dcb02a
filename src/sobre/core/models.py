"""All tables, gathered so that Alembic sees the whole schema.  Each capability owns its own models module."""

from sobre.core.db import Base
from sobre.footprint.factors import models as _factors  # noqa: F401
from sobre.footprint.runs import models as _runs  # noqa: F401
from sobre.inventory import models as _inventory  # noqa: F401
from sobre.orgs import models as _orgs  # noqa: F401

metadata = Base.metadata
