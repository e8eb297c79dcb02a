"""Supervision: health, performance and energy of the infrastructure, graded alerts, security triage."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="supervision",
    order=60,
    commands={
        "agent": "Collect this host's metrics and send them to a Sobre server (or store them locally).",
        "supervise": "Supervision: hosts, metrics, rules, alerts, silences, security events.",
        "energy": "Measured and modelled energy of supervised hosts.",
    },
    cli="sobre.supervision.cli:register",
    models="sobre.supervision.models",
    web="sobre.supervision.routes:register",
    demo="sobre.supervision.demo:seed",
    provides={"footprint.measured_energy": "sobre.supervision.service:measured_energy"},
)
