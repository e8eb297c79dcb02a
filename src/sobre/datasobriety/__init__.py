"""Data sobriety: redundant, obsolete and trivial (ROT) data, its footprint, retention, the clean-up plan."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="datasobriety",
    order=60,
    commands={"data": "Data sobriety: ROT scans of shares and object stores, retention policies, plan."},
    cli="sobre.datasobriety.cli:register",
    models="sobre.datasobriety.models",
    demo="sobre.datasobriety.demo:seed",
    web="sobre.datasobriety.routes:register",
)
