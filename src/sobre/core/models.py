"""All tables, gathered so that Alembic sees the whole schema.  Each capability owns its own models module."""

from sobre.core import audit  # noqa: F401  (the audit log is part of every schema)
from sobre.core.capabilities import import_models
from sobre.core.db import Base

import_models()

metadata = Base.metadata
