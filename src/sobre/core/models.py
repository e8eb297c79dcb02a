"""All tables, gathered so that Alembic sees the whole schema.  Each capability owns its own models module."""

from sobre.core.db import Base
from sobre.orgs import models as _orgs  # noqa: F401
from sobre.inventory import models as _inventory  # noqa: F401

metadata = Base.metadata
