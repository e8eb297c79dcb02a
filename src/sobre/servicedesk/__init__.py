"""Service desk and documentation: incidents and requests (ITIL) with their SLA clocks and their technical,
energy and economic impact, problems, graded communication, the knowledge base with eco-gestures, and the
technical documentation of the inventory with encrypted confidential fields."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="servicedesk",
    order=45,
    commands={
        "ticket": "Incidents and requests: open, assign, follow up, solve; SLAs, impact, GLPI import.",
        "problem": "Problems behind recurring incidents: root cause, workaround, known error.",
        "kb": "Knowledge base: procedures, FAQ, guides, tutorials and eco-gestures; search and PDF.",
        "doc": "Technical documentation of inventory items: settings, procedures, contacts, maintenance, "
        "encrypted confidential fields.",
        "desk": "Service desk settings, groups, categories, SLA targets, message templates and indicators.",
    },
    cli="sobre.servicedesk.cli:register",
    models="sobre.servicedesk.models",
    web="sobre.servicedesk.routes:register",
    demo="sobre.servicedesk.demo:seed",
    provides={
        "servicedesk.kpis": "sobre.servicedesk.indicators:kpis",
        "inventory.export.ansible": "sobre.servicedesk.ansible:export",
        "servicedesk.incident_from_alert": "sobre.servicedesk.incidents:on_alert",
    },
)
