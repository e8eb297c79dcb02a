"""Organisations: every record belongs to one; one installation serves several."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="orgs",
    order=10,
    commands={"org": "Organisations (one installation serves several)."},
    cli="sobre.orgs.cli:register",
    models="sobre.orgs.models",
)
