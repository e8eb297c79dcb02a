"""Reporting: the diagnosis report (HTML, PDF) and result exports."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="reporting",
    order=40,
    commands={
        "demo": "Create the demo town, import it, compute its footprint and write its diagnosis report.",
        "report": "Diagnosis report (HTML, PDF) and exports of results (CSV, XLSX, JSON).",
    },
    cli="sobre.reporting.cli:register",
    web="sobre.reporting.routes:register",
)
