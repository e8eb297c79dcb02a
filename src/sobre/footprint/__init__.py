"""The footprint: multi-criteria, multi-stage life-cycle assessment of the information system."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="footprint",
    order=30,
    commands={
        "footprint": "Footprint runs: compute, show, explain and compare.",
        "factors": "Factor sets: list, show, import and override.",
    },
    cli="sobre.footprint.cli:register",
    models="sobre.footprint.models",
    web="sobre.footprint.routes:register",
    provides={"web.dashboard": "sobre.footprint.routes:dashboard"},
)
